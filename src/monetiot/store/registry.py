"""Rows of the fleet registry: tenants, API keys, customers, devices, assignments, profiles.

Every function takes the tenant explicitly and filters by it: no query here can read or change
another tenant's rows. Functions never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, or_, select, update

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
    return [dict(r) for r in conn.execute(stmt).mappings()]


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


def list_api_keys(conn: Connection, tenant_id: str) -> list[Row]:
    return _all(conn, select(api_keys).where(api_keys.c.tenant_id == tenant_id)
                .order_by(api_keys.c.created_ms, api_keys.c.id))


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


def list_customers(conn: Connection, tenant_id: str) -> list[Row]:
    return _all(conn, select(customers).where(customers.c.tenant_id == tenant_id)
                .order_by(customers.c.id))


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


def list_profiles(conn: Connection, tenant_id: str) -> list[Row]:
    return _all(conn, select(device_profiles).where(device_profiles.c.tenant_id == tenant_id)
                .order_by(device_profiles.c.id))


# devices --------------------------------------------------------------------------------------

def insert_device(conn: Connection, row: Row) -> None:
    conn.execute(devices.insert().values(**row))


def get_device(conn: Connection, tenant_id: str, device_id: str) -> Row | None:
    return _one(conn, select(devices).where(devices.c.tenant_id == tenant_id,
                                            devices.c.id == device_id))


def get_devices(conn: Connection, tenant_id: str, device_ids: Sequence[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    ids = list(device_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in _all(conn, select(devices).where(devices.c.tenant_id == tenant_id,
                                                    devices.c.id.in_(chunk))):
            found[row["id"]] = row
    return found


def list_devices(conn: Connection, tenant_id: str, customer_id: str | None = None,
                 at_ms: int | None = None) -> list[Row]:
    stmt = select(devices).where(devices.c.tenant_id == tenant_id).order_by(devices.c.id)
    if customer_id is not None and at_ms is not None:
        owned = select(assignments.c.device_id).where(
            assignments.c.tenant_id == tenant_id,
            assignments.c.customer_id == customer_id,
            assignments.c.valid_from_ms <= at_ms,
            or_(assignments.c.valid_to_ms.is_(None), assignments.c.valid_to_ms > at_ms),
        )
        stmt = stmt.where(devices.c.id.in_(owned))
    return _all(conn, stmt)


def update_device(conn: Connection, tenant_id: str, device_id: str, values: Row) -> None:
    conn.execute(update(devices).where(devices.c.tenant_id == tenant_id,
                                       devices.c.id == device_id).values(**values))


def touch_devices(conn: Connection, tenant_id: str, seen: dict[str, int]) -> None:
    """Move `last_seen_ms` forward (never back) for the devices heard from in a batch."""
    for device_id, seen_ms in seen.items():
        conn.execute(
            update(devices)
            .where(devices.c.tenant_id == tenant_id, devices.c.id == device_id,
                   or_(devices.c.last_seen_ms.is_(None), devices.c.last_seen_ms < seen_ms))
            .values(last_seen_ms=seen_ms)
        )


# assignments ----------------------------------------------------------------------------------

def assignment_history(conn: Connection, tenant_id: str, device_id: str) -> list[Row]:
    return _all(conn, select(assignments).where(
        assignments.c.tenant_id == tenant_id, assignments.c.device_id == device_id
    ).order_by(assignments.c.valid_from_ms))


def assignments_for(conn: Connection, tenant_id: str, device_ids: Sequence[str]) -> list[Row]:
    rows: list[Row] = []
    ids = list(device_ids)
    for start in range(0, len(ids), 500):
        rows += _all(conn, select(assignments).where(
            assignments.c.tenant_id == tenant_id,
            assignments.c.device_id.in_(ids[start:start + 500]),
        ))
    return rows


def close_assignment(conn: Connection, tenant_id: str, device_id: str, at_ms: int) -> None:
    conn.execute(update(assignments).where(
        assignments.c.tenant_id == tenant_id, assignments.c.device_id == device_id,
        assignments.c.valid_to_ms.is_(None),
    ).values(valid_to_ms=at_ms))


def insert_assignment(conn: Connection, row: Row) -> None:
    conn.execute(assignments.insert().values(**row))
