"""The event store: accepted events, unique on (tenant, id), and the record of voided ones.

`insert_new` writes a batch and reports which ids were new; ids already present are left as they
were (the caller compares fingerprints to tell a resend from a conflict). A voided event stays
stored (`voided_ms` set, its `event_voids` row says who, when and why); the readings meters
re-read (`device_events_between`, `neighbour_time`, `bucket_events`) leave it out. Never
commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from monetiot.store import bulk
from monetiot.store.schema import event_voids, events
from monetiot.store.sql import insert_for

Row = dict[str, Any]
_CHUNK = 1000


def insert_new(conn: Connection, rows: Sequence[Row]) -> set[str]:
    """Insert rows whose (tenant, id) is not stored yet; return the ids that were inserted."""
    if not rows:
        return set()
    if bulk.is_postgresql(conn):
        return _insert_new_bulk(conn, rows)
    return _insert_new_sqlite(conn, rows)


_COLUMNS = ("tenant_id", "id", "type", "time_ms", "received_ms", "device_id", "customer_id",
            "data", "fingerprint")
_ROWS = bulk.rows_from("tenant_id text, id text, type text, time_ms bigint, received_ms bigint, "
                         "device_id text, customer_id text, data text, fingerprint text")


def _insert_new_bulk(conn: Connection, rows: Sequence[Row]) -> set[str]:
    # Sorted by id, so two transactions inserting the same ids wait for each other in one order
    # (never a deadlock) when a batch is resent while the first delivery is still in flight.
    names = ", ".join(_COLUMNS)
    found = bulk.run(conn, f"""
        INSERT INTO events ({names}) SELECT {names} FROM {_ROWS} ORDER BY tenant_id, id
        ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id""",
        (bulk.as_json(rows),), rows=True)  # a key a row lacks reads as NULL
    return {r[0] for r in found}


def _insert_new_sqlite(conn: Connection, rows: Sequence[Row]) -> set[str]:
    """Ids already stored are looked up first, then the others are inserted in one executemany.

    Exact because a SQLite writer holds the database lock for its whole transaction (monetiot
    begins writes with BEGIN IMMEDIATE); should another writer still have got in between, the
    insert count tells, and the batch is redone the general way.
    """
    present: set[tuple[str, str]] = set()
    by_tenant: dict[str, list[str]] = {}
    for r in rows:
        by_tenant.setdefault(r["tenant_id"], []).append(r["id"])
    for tenant_id, ids in by_tenant.items():
        present.update((tenant_id, i) for i in fingerprints(conn, tenant_id, ids))
    fresh: dict[tuple[str, str], Row] = {}
    for r in rows:
        key = (r["tenant_id"], r["id"])
        if key not in present and key not in fresh:
            fresh[key] = r
    if not fresh:
        return set()
    raw = conn.connection.driver_connection
    assert raw is not None
    names = [c for c in _COLUMNS if c in rows[0]]
    sql = (f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
           "ON CONFLICT (tenant_id, id) DO NOTHING")
    raw.execute("SAVEPOINT monetiot_insert_new")
    changed = bulk.executemany(conn, sql, [tuple(r.get(c) for c in names) for r in fresh.values()])
    if changed == len(fresh):
        raw.execute("RELEASE monetiot_insert_new")
        return {key[1] for key in fresh}
    raw.execute("ROLLBACK TO monetiot_insert_new")
    raw.execute("RELEASE monetiot_insert_new")
    return _insert_new_returning(conn, rows)


def _insert_new_returning(conn: Connection, rows: Sequence[Row]) -> set[str]:
    inserted: set[str] = set()
    stmt = (
        insert_for(conn, events)
        .on_conflict_do_nothing(index_elements=["tenant_id", "id"])
        .returning(events.c.id)
    )
    for start in range(0, len(rows), _CHUNK):
        result = conn.execute(stmt, list(rows[start:start + _CHUNK]))
        inserted.update(r[0] for r in result)
    return inserted


def fingerprints(conn: Connection, tenant_id: str, ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    id_list = list(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start:start + 500]
        for event_id, fp in conn.execute(
            select(events.c.id, events.c.fingerprint).where(
                events.c.tenant_id == tenant_id, events.c.id.in_(chunk)
            )
        ):
            found[event_id] = fp
    return found


def list_events(
    conn: Connection, tenant_id: str, *, device_id: str | None = None,
    customer_id: str | None = None, start_ms: int | None = None, end_ms: int | None = None,
    limit: int = 100,
) -> list[Row]:
    stmt = select(events).where(events.c.tenant_id == tenant_id)
    if device_id is not None:
        stmt = stmt.where(events.c.device_id == device_id)
    if customer_id is not None:
        stmt = stmt.where(events.c.customer_id == customer_id)
    if start_ms is not None:
        stmt = stmt.where(events.c.time_ms >= start_ms)
    if end_ms is not None:
        stmt = stmt.where(events.c.time_ms < end_ms)
    stmt = stmt.order_by(events.c.time_ms.desc(), events.c.id).limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count_events(conn: Connection, tenant_id: str) -> int:
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(events)
                            .where(events.c.tenant_id == tenant_id)).scalar_one())


def device_events_between(
    conn: Connection, tenant_id: str, device_id: str, start_ms: int, end_ms: int
) -> list[Row]:
    """A device's events with start <= time <= end, oldest first."""
    stmt = select(events).where(
        events.c.tenant_id == tenant_id, events.c.device_id == device_id,
        events.c.time_ms >= start_ms, events.c.time_ms <= end_ms, events.c.voided_ms.is_(None),
    ).order_by(events.c.time_ms, events.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def neighbour_time(
    conn: Connection, tenant_id: str, device_id: str, time_ms: int, *, before: bool,
    types: Sequence[str] | None = None,
) -> int | None:
    """Time of the device's nearest event strictly before (or after) `time_ms`."""
    from sqlalchemy import func

    col = events.c.time_ms
    stmt = select(func.max(col) if before else func.min(col)).where(
        events.c.tenant_id == tenant_id, events.c.device_id == device_id,
        col < time_ms if before else col > time_ms, events.c.voided_ms.is_(None),
    )
    if types:
        stmt = stmt.where(events.c.type.in_(list(types)))
    value = conn.execute(stmt).scalar()
    return None if value is None else int(value)


def get_event(conn: Connection, tenant_id: str, event_id: str) -> Row | None:
    row = conn.execute(select(events).where(events.c.tenant_id == tenant_id,
                                            events.c.id == event_id)).mappings().first()
    return dict(row) if row else None


def bucket_events(conn: Connection, tenant_id: str, device_id: str | None,
                  customer_id: str | None, start_ms: int, end_ms: int) -> list[Row]:
    """The events still counted in [start, end) of one device (or, without a device, of one
    customer's device-less events) and attributed to `customer_id`: what a rollup bucket of
    that device and customer is made of."""
    stmt = select(events).where(
        events.c.tenant_id == tenant_id, events.c.time_ms >= start_ms,
        events.c.time_ms < end_ms, events.c.voided_ms.is_(None),
        events.c.device_id == device_id if device_id is not None
        else events.c.device_id.is_(None),
        events.c.customer_id == customer_id if customer_id is not None
        else events.c.customer_id.is_(None),
    ).order_by(events.c.time_ms, events.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def record_void(conn: Connection, row: Row) -> None:
    """Mark the event voided and keep the record of it (who, when, why)."""
    from sqlalchemy import update

    conn.execute(update(events).where(events.c.tenant_id == row["tenant_id"],
                                      events.c.id == row["event_id"])
                 .values(voided_ms=row["created_ms"]))
    conn.execute(event_voids.insert().values(**row))


def voids_of(conn: Connection, tenant_id: str, event_ids: Sequence[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    ids = list(event_ids)
    for start in range(0, len(ids), 500):
        for r in conn.execute(select(event_voids).where(
                event_voids.c.tenant_id == tenant_id,
                event_voids.c.event_id.in_(ids[start:start + 500]))).mappings():
            found[r["event_id"]] = dict(r)
    return found
