"""Outcome contracts and settlements in SQL, and the heartbeat count an SLA is priced on.

Every function is scoped by tenant. No function commits: the use case does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from monetiot.domain.pages import Page, PageRequest
from monetiot.store.outcome_tables import outcome_contracts, outcome_settlements
from monetiot.store.pages import asc, fetch_page
from monetiot.store.schema import presence

Row = dict[str, Any]


def insert_contract(conn: Connection, row: Row) -> None:
    conn.execute(outcome_contracts.insert().values(**row))


def get_contract(conn: Connection, tenant_id: str, contract_id: str) -> Row | None:
    row = conn.execute(select(outcome_contracts).where(
        outcome_contracts.c.tenant_id == tenant_id, outcome_contracts.c.id == contract_id,
    )).mappings().first()
    return dict(row) if row else None


def list_contracts(conn: Connection, tenant_id: str, customer_id: str | None,
                   page: PageRequest | None = None) -> Page[Row]:
    stmt = select(outcome_contracts).where(outcome_contracts.c.tenant_id == tenant_id)
    if customer_id is not None:
        stmt = stmt.where(outcome_contracts.c.customer_id == customer_id)
    return fetch_page(conn, stmt, "outcome_contracts", [asc(outcome_contracts.c.id)], page)


def insert_settlement(conn: Connection, row: Row) -> None:
    conn.execute(outcome_settlements.insert().values(**row))


def settlements(conn: Connection, tenant_id: str, contract_id: str) -> list[Row]:
    stmt = select(outcome_settlements).where(
        outcome_settlements.c.tenant_id == tenant_id,
        outcome_settlements.c.contract_id == contract_id,
    ).order_by(outcome_settlements.c.start_ms)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def heartbeat_slots(conn: Connection, tenant_id: str, customer_id: str,
                    device_ids: Sequence[str], start_ms: int, end_ms: int,
                    slot_ms: int) -> int:
    """Device-slots of `slot_ms` in [start, end) in which a device was heard from while it
    belonged to the customer (presence minutes; start must lie on a slot boundary)."""
    slot = (presence.c.minute_ms - start_ms) // slot_ms
    per_device = select(presence.c.device_id, slot.label("slot")).where(
        presence.c.tenant_id == tenant_id, presence.c.customer_id == customer_id,
        presence.c.device_id.in_(list(device_ids)),
        presence.c.minute_ms >= start_ms, presence.c.minute_ms < end_ms,
    ).distinct().subquery()
    return int(conn.execute(select(func.count()).select_from(per_device)).scalar_one())
