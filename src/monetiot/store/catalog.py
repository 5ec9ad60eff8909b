"""Rows of the plan catalog: plans and their immutable versions.

Every function takes the tenant explicitly and filters by it. A version row is only ever
inserted, never updated: past invoices and signed subscriptions keep reading what they signed.
Functions never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from monetiot.domain.pages import Page, PageRequest
from monetiot.store.pages import asc, fetch_page
from monetiot.store.schema import plan_versions, plans

Row = dict[str, Any]


def get_plan(conn: Connection, tenant_id: str, plan_id: str) -> Row | None:
    row = conn.execute(select(plans).where(plans.c.tenant_id == tenant_id,
                                           plans.c.id == plan_id)).mappings().first()
    return dict(row) if row is not None else None


def list_plans(conn: Connection, tenant_id: str, page: PageRequest | None = None) -> Page[Row]:
    return fetch_page(conn, select(plans).where(plans.c.tenant_id == tenant_id), "plans",
                      [asc(plans.c.id)], page)


def insert_plan(conn: Connection, row: Row) -> None:
    conn.execute(plans.insert().values(**row))


def advance_plan(conn: Connection, tenant_id: str, plan_id: str, from_version: int,
                 to_version: int, name: str) -> bool:
    """Move `latest_version` on, only if it is still `from_version` (False: someone else did)."""
    result = conn.execute(
        update(plans)
        .where(plans.c.tenant_id == tenant_id, plans.c.id == plan_id,
               plans.c.latest_version == from_version)
        .values(latest_version=to_version, name=name)
    )
    return result.rowcount == 1


def insert_version(conn: Connection, row: Row) -> None:
    conn.execute(plan_versions.insert().values(**row))


def get_version(conn: Connection, tenant_id: str, plan_id: str, version: int) -> Row | None:
    row = conn.execute(select(plan_versions).where(
        plan_versions.c.tenant_id == tenant_id, plan_versions.c.plan_id == plan_id,
        plan_versions.c.version == version,
    )).mappings().first()
    return dict(row) if row is not None else None


def list_versions(conn: Connection, tenant_id: str, plan_id: str) -> list[Row]:
    """Versions of a plan without their documents, oldest first."""
    stmt = (select(plan_versions.c.version, plan_versions.c.fingerprint,
                   plan_versions.c.created_ms)
            .where(plan_versions.c.tenant_id == tenant_id, plan_versions.c.plan_id == plan_id)
            .order_by(plan_versions.c.version))
    return [dict(r) for r in conn.execute(stmt).mappings()]
