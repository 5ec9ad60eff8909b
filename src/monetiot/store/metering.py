"""Meters and their rollups: definitions, incremental upserts, and the queries usage reads.

Upserts add a batch's deltas to existing buckets in SQL, exactly (NUMERIC on PostgreSQL, Decimal
functions on SQLite), so concurrent workers on PostgreSQL never lose an update. Never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, select

from monetiot.domain.rollups import BucketKey, Delta
from monetiot.store import bulk
from monetiot.store.schema import meters, presence, rollup_values, rollups
from monetiot.store.sql import (
    dec_max,
    dec_min,
    dec_sum,
    insert_for,
)

Row = dict[str, Any]


def insert_meter(conn: Connection, row: Row) -> None:
    conn.execute(meters.insert().values(**row))


def get_meter(conn: Connection, tenant_id: str, meter_id: str) -> Row | None:
    row = conn.execute(select(meters).where(meters.c.tenant_id == tenant_id,
                                            meters.c.id == meter_id)).mappings().first()
    return dict(row) if row else None


def list_meters(conn: Connection, tenant_id: str) -> list[Row]:
    stmt = select(meters).where(meters.c.tenant_id == tenant_id).order_by(meters.c.id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def add_deltas(conn: Connection, tenant_id: str, deltas: Mapping[BucketKey, Delta]) -> None:
    """Add each delta to its bucket, exactly, in one statement (PostgreSQL) or one executemany
    (SQLite); buckets in key order, so concurrent writers lock them in one order."""
    if not deltas:
        return
    ordered = sorted(deltas.items())
    if bulk.is_postgresql(conn):
        bulk.run(conn, _UPSERT_POSTGRESQL, (bulk.as_json(
            {"tenant_id": tenant_id, "meter_id": k[0], "customer_id": k[1], "device_id": k[2],
             "group_key": k[3], "bucket_ms": k[4], "count": d.count, "sum": d.sum, "min": d.min,
             "max": d.max, "latest_ms": d.latest_ms, "latest_value": d.latest_value}
            for k, d in ordered),))
        return
    text = bulk.exact_text
    bulk.executemany(conn, _UPSERT_SQLITE, [
        (tenant_id, *k, d.count, text(d.sum), text(d.min), text(d.max), d.latest_ms,
         text(d.latest_value)) for k, d in ordered])


_ROLLUP_KEY = ("tenant_id", "meter_id", "customer_id", "device_id", "group_key", "bucket_ms")
_ROLLUP_COLUMNS = (*_ROLLUP_KEY, "count", "sum", "min", "max", "latest_ms", "latest_value")


def _upsert(rows: str, add: str, least: str, greatest: str) -> str:
    """The rollup upsert: counts and sums add up, min and max widen, the latest reading wins."""
    newer = "excluded.latest_ms >= rollups.latest_ms"
    return f"""
        INSERT INTO rollups ({", ".join(_ROLLUP_COLUMNS)}) {rows}
        ON CONFLICT ({", ".join(_ROLLUP_KEY)}) DO UPDATE SET
            count = rollups.count + excluded.count,
            sum = {add.format("rollups.sum", "excluded.sum")},
            min = {least}(rollups.min, excluded.min),
            max = {greatest}(rollups.max, excluded.max),
            latest_value = CASE WHEN {newer} THEN excluded.latest_value
                                ELSE rollups.latest_value END,
            latest_ms = CASE WHEN {newer} THEN excluded.latest_ms ELSE rollups.latest_ms END"""


# PostgreSQL: NUMERIC arithmetic. SQLite: exact decimal functions over TEXT (see store.engine);
# `WHERE true` tells SQLite's parser that ON CONFLICT is not a join constraint.
_UPSERT_POSTGRESQL = _upsert(
    f"SELECT {', '.join(_ROLLUP_COLUMNS)} FROM " + bulk.rows_from(
        "tenant_id text, meter_id text, customer_id text, device_id text, group_key text, "
        "bucket_ms bigint, count bigint, sum numeric, min numeric, max numeric, "
        "latest_ms bigint, latest_value numeric") + f" ORDER BY {', '.join(_ROLLUP_KEY)}",
    "{} + {}", "least", "greatest")
_UPSERT_SQLITE = _upsert(f"VALUES ({', '.join('?' * len(_ROLLUP_COLUMNS))})",
                         "dec_add({}, {})", "dec_min", "dec_max")


def add_unique_values(conn: Connection, tenant_id: str,
                      pairs: Iterable[tuple[BucketKey, str]]) -> None:
    rows = [
        {"tenant_id": tenant_id, "meter_id": k[0], "customer_id": k[1], "device_id": k[2],
         "group_key": k[3], "bucket_ms": k[4], "value": value[:500]}
        for k, value in sorted(pairs)
    ]
    if rows:
        stmt = insert_for(conn, rollup_values).on_conflict_do_nothing()
        for start in range(0, len(rows), 1000):
            conn.execute(stmt, rows[start:start + 1000])


def replace_integrals(
    conn: Connection, tenant_id: str, meter_id: str, device_id: str, group_key: str,
    start_bucket: int, end_bucket: int, integrals: Mapping[tuple[str, int], Decimal],
    latest: Mapping[tuple[str, int], tuple[int, Decimal]],
    counts: Mapping[tuple[str, int], int],
) -> None:
    """Rewrite one series' TIME_WEIGHTED_SUM buckets in [start_bucket, end_bucket]."""
    conn.execute(delete(rollups).where(
        rollups.c.tenant_id == tenant_id, rollups.c.meter_id == meter_id,
        rollups.c.device_id == device_id, rollups.c.group_key == group_key,
        rollups.c.bucket_ms >= start_bucket, rollups.c.bucket_ms <= end_bucket,
    ))
    keys = sorted(set(integrals) | set(latest))
    rows = []
    for customer, bucket in keys:
        latest_ms, latest_value = latest.get((customer, bucket), (None, None))
        rows.append({
            "tenant_id": tenant_id, "meter_id": meter_id, "customer_id": customer,
            "device_id": device_id, "group_key": group_key, "bucket_ms": bucket,
            "count": counts.get((customer, bucket), 0),
            "sum": integrals.get((customer, bucket), Decimal(0)),
            "min": None, "max": None, "latest_ms": latest_ms, "latest_value": latest_value,
        })
    if rows:
        conn.execute(rollups.insert(), rows)


def add_presence(conn: Connection, rows: Sequence[Row]) -> None:
    if not rows:
        return
    if bulk.is_postgresql(conn):
        bulk.run(conn, _PRESENCE_POSTGRESQL, (bulk.as_json(rows),))
        return
    bulk.executemany(conn, _PRESENCE_SQLITE, sorted(
        (r["tenant_id"], r["device_id"], r["minute_ms"], r["customer_id"]) for r in rows))


_PRESENCE_POSTGRESQL = f"""
    INSERT INTO presence (tenant_id, device_id, minute_ms, customer_id)
    SELECT tenant_id, device_id, minute_ms, customer_id FROM {bulk.rows_from(
        "tenant_id text, device_id text, minute_ms bigint, customer_id text")}
    ORDER BY tenant_id, device_id, minute_ms
    ON CONFLICT DO NOTHING"""
_PRESENCE_SQLITE = """
    INSERT INTO presence (tenant_id, device_id, minute_ms, customer_id) VALUES (?, ?, ?, ?)
    ON CONFLICT DO NOTHING"""


def bucket_rows(
    conn: Connection, tenant_id: str, meter_id: str, start_ms: int, end_ms: int,
    dims: Sequence[str], customer_id: str | None, device_id: str | None,
) -> list[Row]:
    """Per-bucket aggregates of a meter over [start, end), grouped by `dims` and bucket."""
    cols = [getattr(rollups.c, d) for d in dims]
    stmt = select(
        *cols, rollups.c.bucket_ms,
        func.sum(rollups.c.count).label("count"),
        dec_sum(conn, rollups.c.sum).label("sum"),
        dec_min(conn, rollups.c.min).label("min"),
        dec_max(conn, rollups.c.max).label("max"),
    ).where(*_scope(rollups, tenant_id, meter_id, start_ms, end_ms, customer_id, device_id)
            ).group_by(*cols, rollups.c.bucket_ms)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def latest_rows(
    conn: Connection, tenant_id: str, meter_id: str, start_ms: int, end_ms: int,
    customer_id: str | None, device_id: str | None,
) -> list[Row]:
    """Every bucket's latest reading in [start, end) with its series, for LATEST and tails."""
    stmt = select(
        rollups.c.customer_id, rollups.c.device_id, rollups.c.group_key, rollups.c.bucket_ms,
        rollups.c.latest_ms, rollups.c.latest_value,
    ).where(*_scope(rollups, tenant_id, meter_id, start_ms, end_ms, customer_id, device_id),
            rollups.c.latest_ms.is_not(None))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def last_reading_before(
    conn: Connection, tenant_id: str, meter_id: str, end_ms: int,
    customer_id: str | None, device_id: str | None,
) -> list[Row]:
    """Per series (device, group), its newest reading before `end_ms`."""
    newest = select(
        rollups.c.device_id, rollups.c.group_key,
        func.max(rollups.c.latest_ms).label("latest_ms"),
    ).where(
        *_scope(rollups, tenant_id, meter_id, None, end_ms, None, device_id),
        rollups.c.latest_ms.is_not(None),
    ).group_by(rollups.c.device_id, rollups.c.group_key).subquery()
    stmt = select(
        rollups.c.customer_id, rollups.c.device_id, rollups.c.group_key,
        rollups.c.latest_ms, rollups.c.latest_value,
    ).join(newest, (newest.c.device_id == rollups.c.device_id)
           & (newest.c.group_key == rollups.c.group_key)
           & (newest.c.latest_ms == rollups.c.latest_ms)).where(
        rollups.c.tenant_id == tenant_id, rollups.c.meter_id == meter_id)
    if customer_id is not None:
        stmt = stmt.where(rollups.c.customer_id == customer_id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def unique_counts(
    conn: Connection, tenant_id: str, meter_id: str, start_ms: int, end_ms: int,
    dims: Sequence[str], customer_id: str | None, device_id: str | None,
) -> list[Row]:
    cols = [getattr(rollup_values.c, d) for d in dims]
    stmt = select(*cols, func.count(func.distinct(rollup_values.c.value)).label("value")).where(
        *_scope(rollup_values, tenant_id, meter_id, start_ms, end_ms, customer_id, device_id)
    ).group_by(*cols)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def presence_counts(
    conn: Connection, tenant_id: str, start_ms: int, end_ms: int, dims: Sequence[str],
    customer_id: str | None, device_id: str | None,
) -> list[Row]:
    cols = [getattr(presence.c, d) for d in dims if d in ("customer_id", "device_id")]
    stmt = select(*cols, func.count().label("value")).where(
        presence.c.tenant_id == tenant_id, presence.c.minute_ms >= start_ms,
        presence.c.minute_ms < end_ms,
    ).group_by(*cols)
    if customer_id is not None:
        stmt = stmt.where(presence.c.customer_id == customer_id)
    if device_id is not None:
        stmt = stmt.where(presence.c.device_id == device_id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def _scope(table: Any, tenant_id: str, meter_id: str, start_ms: int | None, end_ms: int,
           customer_id: str | None, device_id: str | None) -> list[Any]:
    where = [table.c.tenant_id == tenant_id, table.c.meter_id == meter_id,
             table.c.bucket_ms < end_ms]
    if start_ms is not None:
        where.append(table.c.bucket_ms >= start_ms)
    if customer_id is not None:
        where.append(table.c.customer_id == customer_id)
    if device_id is not None:
        where.append(table.c.device_id == device_id)
    return where


def _key_where(table: Any, tenant_id: str, key: BucketKey) -> list[Any]:
    meter_id, customer_id, device_id, group_key, bucket_ms = key
    return [table.c.tenant_id == tenant_id, table.c.meter_id == meter_id,
            table.c.customer_id == customer_id, table.c.device_id == device_id,
            table.c.group_key == group_key, table.c.bucket_ms == bucket_ms]


def lock_bucket(conn: Connection, tenant_id: str, key: BucketKey) -> None:
    """Hold the bucket's row (PostgreSQL) while it is recomputed: an ingest adding to it waits,
    then adds its delta to the recomputed row."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(rollups.c.count).where(*_key_where(rollups, tenant_id, key))
                     .with_for_update())


def replace_bucket(conn: Connection, tenant_id: str, key: BucketKey, d: Delta | None) -> None:
    """Rewrite one bucket from a delta recomputed from its events (None: no event is left)."""
    conn.execute(delete(rollups).where(*_key_where(rollups, tenant_id, key)))
    if d is None:
        return
    conn.execute(rollups.insert().values(
        tenant_id=tenant_id, meter_id=key[0], customer_id=key[1], device_id=key[2],
        group_key=key[3], bucket_ms=key[4], count=d.count, sum=d.sum, min=d.min, max=d.max,
        latest_ms=d.latest_ms, latest_value=d.latest_value))


def remove_unique_value(conn: Connection, tenant_id: str, key: BucketKey, value: str) -> None:
    conn.execute(delete(rollup_values).where(*_key_where(rollup_values, tenant_id, key),
                                             rollup_values.c.value == value[:500]))


def remove_presence(conn: Connection, tenant_id: str, device_id: str, minute_ms: int) -> None:
    conn.execute(delete(presence).where(presence.c.tenant_id == tenant_id,
                                        presence.c.device_id == device_id,
                                        presence.c.minute_ms == minute_ms))
