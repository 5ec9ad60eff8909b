"""The event store: accepted events, unique on (tenant, id).

`insert_new` writes a batch and reports which ids were new; ids already present are left as they
were (the caller compares fingerprints to tell a resend from a conflict). Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from monetiot.store.schema import events
from monetiot.store.sql import insert_for

Row = dict[str, Any]
_CHUNK = 1000


def insert_new(conn: Connection, rows: Sequence[Row]) -> set[str]:
    """Insert rows whose (tenant, id) is not stored yet; return the ids that were inserted."""
    inserted: set[str] = set()
    if not rows:
        return inserted
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
        events.c.time_ms >= start_ms, events.c.time_ms <= end_ms,
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
        col < time_ms if before else col > time_ms,
    )
    if types:
        stmt = stmt.where(events.c.type.in_(list(types)))
    value = conn.execute(stmt).scalar()
    return None if value is None else int(value)
