"""Rows of the fleet registry: tenants, API keys, customers, devices, assignments, profiles.

Every function takes the tenant explicitly and filters by it: no query here can read or change
another tenant's rows. Functions never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, String, any_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql

from monetiot.domain.pages import Page, PageRequest
from monetiot.store import bulk
from monetiot.store.pages import asc, fetch_page
from monetiot.store.schema import (
    api_keys,
    assignments,
    customers,
    device_profiles,
    devices,
    tenants,
)

Row = dict[str, Any]


def _one(conn: Connection, stmt: Any) -> Row | None:
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def _all(conn: Connection, stmt: Any) -> list[Row]:
    result = conn.execute(stmt)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


# tenants and keys -----------------------------------------------------------------------------

def insert_tenant(conn: Connection, row: Row) -> None:
    conn.execute(tenants.insert().values(**row))


def get_tenant(conn: Connection, tenant_id: str) -> Row | None:
    return _one(conn, select(tenants).where(tenants.c.id == tenant_id))


def list_tenants(conn: Connection) -> list[Row]:
    return _all(conn, select(tenants).order_by(tenants.c.id))


def insert_api_key(conn: Connection, row: Row) -> None:
    conn.execute(api_keys.insert().values(**row))


def get_api_key(conn: Connection, key_id: str) -> Row | None:
    return _one(conn, select(api_keys).where(api_keys.c.id == key_id))


def list_api_keys(conn: Connection, tenant_id: str, page: PageRequest | None = None) -> Page[Row]:
    return fetch_page(conn, select(api_keys).where(api_keys.c.tenant_id == tenant_id),
                      "api_keys", [asc(api_keys.c.created_ms), asc(api_keys.c.id)], page)


def revoke_api_key(conn: Connection, tenant_id: str, key_id: str, at_ms: int) -> bool:
    result = conn.execute(
        update(api_keys)
        .where(api_keys.c.tenant_id == tenant_id, api_keys.c.id == key_id,
               api_keys.c.revoked_ms.is_(None))
        .values(revoked_ms=at_ms)
    )
    return result.rowcount > 0


# customers ------------------------------------------------------------------------------------

def insert_customer(conn: Connection, row: Row) -> None:
    conn.execute(customers.insert().values(**row))


def get_customer(conn: Connection, tenant_id: str, customer_id: str) -> Row | None:
    return _one(conn, select(customers).where(customers.c.tenant_id == tenant_id,
                                              customers.c.id == customer_id))


def lock_customer(conn: Connection, tenant_id: str, customer_id: str) -> None:
    """Hold the customer's row until commit (PostgreSQL; SQLite serialises writers anyway), so
    that two transactions spending the customer's wallet take turns."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(customers.c.id).where(customers.c.tenant_id == tenant_id,
                                                  customers.c.id == customer_id)
                     .with_for_update())


def list_customers(conn: Connection, tenant_id: str,
                   page: PageRequest | None = None) -> Page[Row]:
    return fetch_page(conn, select(customers).where(customers.c.tenant_id == tenant_id),
                      "customers", [asc(customers.c.id)], page)


def update_customer(conn: Connection, tenant_id: str, customer_id: str, values: Row) -> None:
    conn.execute(update(customers).where(customers.c.tenant_id == tenant_id,
                                         customers.c.id == customer_id).values(**values))


# device profiles -----------------------------------------------------------------------------

def upsert_profile(conn: Connection, row: Row) -> None:
    existing = get_profile(conn, row["tenant_id"], row["id"])
    if existing is None:
        conn.execute(device_profiles.insert().values(**row))
    else:
        conn.execute(update(device_profiles).where(
            device_profiles.c.tenant_id == row["tenant_id"], device_profiles.c.id == row["id"]
        ).values(spec=row["spec"]))


def get_profile(conn: Connection, tenant_id: str, profile_id: str) -> Row | None:
    return _one(conn, select(device_profiles).where(device_profiles.c.tenant_id == tenant_id,
                                                    device_profiles.c.id == profile_id))


def list_profiles(conn: Connection, tenant_id: str,
                  page: PageRequest | None = None) -> Page[Row]:
    return fetch_page(conn, select(device_profiles).where(
        device_profiles.c.tenant_id == tenant_id), "device_profiles",
        [asc(device_profiles.c.id)], page)


# devices --------------------------------------------------------------------------------------

def insert_device(conn: Connection, row: Row) -> None:
    conn.execute(devices.insert().values(**row))


def get_device(conn: Connection, tenant_id: str, device_id: str) -> Row | None:
    return _one(conn, select(devices).where(devices.c.tenant_id == tenant_id,
                                            devices.c.id == device_id))


def get_devices(conn: Connection, tenant_id: str, device_ids: Sequence[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for chunk in _id_chunks(conn, device_ids):
        for row in _all(conn, select(devices).where(devices.c.tenant_id == tenant_id,
                                                    _among(conn, devices.c.id, chunk))):
            found[row["id"]] = row
    return found


def _id_chunks(conn: Connection, ids: Sequence[str]) -> list[list[str]]:
    """PostgreSQL takes any number of ids as one array; SQLite takes bound values, 500 a time."""
    ids = list(ids)
    size = (len(ids) or 1) if conn.dialect.name == "postgresql" else 500
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def _among(conn: Connection, column: Any, ids: list[str]) -> Any:
    """`column IN ids`; on PostgreSQL `= ANY(array)`, one statement text for any number of ids."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=postgresql.ARRAY(String)))
    return column.in_(ids)


def list_devices(conn: Connection, tenant_id: str, customer_id: str | None = None,
                 at_ms: int | None = None, page: PageRequest | None = None) -> Page[Row]:
    stmt = select(devices).where(devices.c.tenant_id == tenant_id)
    if customer_id is not None and at_ms is not None:
        owned = select(assignments.c.device_id).where(
            assignments.c.tenant_id == tenant_id,
            assignments.c.customer_id == customer_id,
            assignments.c.valid_from_ms <= at_ms,
            or_(assignments.c.valid_to_ms.is_(None), assignments.c.valid_to_ms > at_ms),
        )
        stmt = stmt.where(devices.c.id.in_(owned))
    return fetch_page(conn, stmt, "devices", [asc(devices.c.id)], page)


def update_device(conn: Connection, tenant_id: str, device_id: str, values: Row) -> None:
    conn.execute(update(devices).where(devices.c.tenant_id == tenant_id,
                                       devices.c.id == device_id).values(**values))


def touch_devices(conn: Connection, tenant_id: str, seen: dict[str, int]) -> None:
    """Move `last_seen_ms` forward (never back) for the devices heard from in a batch."""
    if not seen:
        return
    ordered = sorted(seen.items())  # one lock order for every writer: no deadlocks
    if bulk.is_postgresql(conn):
        # Rows are locked in id order first (LockRows runs above the sort), then updated.
        bulk.run(conn, f"""
            WITH locked AS (
                SELECT d.id, staged.seen_ms
                FROM devices d JOIN {bulk.rows_from("id text, seen_ms bigint")}
                  ON staged.id = d.id
                WHERE d.tenant_id = %s
                  AND (d.last_seen_ms IS NULL OR d.last_seen_ms < staged.seen_ms)
                ORDER BY d.id FOR NO KEY UPDATE OF d)
            UPDATE devices d SET last_seen_ms = l.seen_ms FROM locked l
            WHERE d.tenant_id = %s AND d.id = l.id
              AND (d.last_seen_ms IS NULL OR d.last_seen_ms < l.seen_ms)""",
                   (bulk.as_json({"id": d, "seen_ms": ms} for d, ms in ordered), tenant_id,
                    tenant_id))
        return
    bulk.executemany(conn, """
        UPDATE devices SET last_seen_ms = ?
        WHERE tenant_id = ? AND id = ? AND (last_seen_ms IS NULL OR last_seen_ms < ?)""",
                     [(ms, tenant_id, d, ms) for d, ms in ordered])


# assignments ----------------------------------------------------------------------------------

def assignment_history(conn: Connection, tenant_id: str, device_id: str) -> list[Row]:
    return _all(conn, select(assignments).where(
        assignments.c.tenant_id == tenant_id, assignments.c.device_id == device_id
    ).order_by(assignments.c.valid_from_ms))


def assignments_for(conn: Connection, tenant_id: str, device_ids: Sequence[str]) -> list[Row]:
    rows: list[Row] = []
    for chunk in _id_chunks(conn, device_ids):
        rows += _all(conn, select(assignments).where(
            assignments.c.tenant_id == tenant_id, _among(conn, assignments.c.device_id, chunk)
        ))
    return rows


def close_assignment(conn: Connection, tenant_id: str, device_id: str, at_ms: int) -> None:
    conn.execute(update(assignments).where(
        assignments.c.tenant_id == tenant_id, assignments.c.device_id == device_id,
        assignments.c.valid_to_ms.is_(None),
    ).values(valid_to_ms=at_ms))


def insert_assignment(conn: Connection, row: Row) -> None:
    conn.execute(assignments.insert().values(**row))


def customer_assignments(conn: Connection, tenant_id: str, customer_id: str, start_ms: int,
                         end_ms: int) -> list[Row]:
    """The customer's assignment intervals that overlap [start, end)."""
    return _all(conn, select(assignments).where(
        assignments.c.tenant_id == tenant_id, assignments.c.customer_id == customer_id,
        assignments.c.valid_from_ms < end_ms,
        or_(assignments.c.valid_to_ms.is_(None), assignments.c.valid_to_ms > start_ms),
    ).order_by(assignments.c.device_id, assignments.c.valid_from_ms))
