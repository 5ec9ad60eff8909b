"""Rows of billing: subscriptions and their phases and pauses, invoices, lines, usage billed,
invoice numbers and the webhook outbox. Tenant-scoped; never commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from monetiot.domain.pages import Page, PageRequest
from monetiot.store.billing_tables import (
    customer_billing,
    invoice_counters,
    invoice_lines,
    invoices,
    outbox,
    subscription_pauses,
    subscription_phases,
    subscriptions,
    usage_billed,
)
from monetiot.store.pages import asc, fetch_page
from monetiot.store.sql import insert_for

Row = dict[str, Any]


def _one(conn: Connection, stmt: Any) -> Row | None:
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def _all(conn: Connection, stmt: Any) -> list[Row]:
    return [dict(r) for r in conn.execute(stmt).mappings()]


# customer billing settings --------------------------------------------------------------------

def get_customer_billing(conn: Connection, tenant_id: str, customer_id: str) -> Row | None:
    return _one(conn, select(customer_billing).where(
        customer_billing.c.tenant_id == tenant_id, customer_billing.c.customer_id == customer_id))


def put_customer_billing(conn: Connection, row: Row) -> None:
    stmt = insert_for(conn, customer_billing).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["tenant_id", "customer_id"],
        set_={k: stmt.excluded[k] for k in ("tax_rate", "tax_inclusive", "payment_terms_days")},
    ))


# subscriptions --------------------------------------------------------------------------------

def insert_subscription(conn: Connection, row: Row) -> None:
    conn.execute(subscriptions.insert().values(**row))


def get_subscription(conn: Connection, tenant_id: str, subscription_id: str,
                     *, lock: bool = False) -> Row | None:
    stmt = select(subscriptions).where(subscriptions.c.tenant_id == tenant_id,
                                       subscriptions.c.id == subscription_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return _one(conn, stmt)


def list_subscriptions(conn: Connection, tenant_id: str, customer_id: str | None = None,
                       page: PageRequest | None = None) -> Page[Row]:
    stmt = select(subscriptions).where(subscriptions.c.tenant_id == tenant_id)
    if customer_id is not None:
        stmt = stmt.where(subscriptions.c.customer_id == customer_id)
    return fetch_page(conn, stmt, "subscriptions", [asc(subscriptions.c.id)], page)


def due_subscriptions(conn: Connection, tenant_id: str | None, now_ms: int,
                      limit: int, after: tuple[str, str] = ("", "")) -> list[tuple[str, str]]:
    """(tenant, id) of subscriptions that may have a period to bill, in key order."""
    stmt = select(subscriptions.c.tenant_id, subscriptions.c.id).where(
        subscriptions.c.billed_until_ms <= now_ms,
        or_(subscriptions.c.end_ms.is_(None),
            subscriptions.c.billed_until_ms < subscriptions.c.end_ms),
        or_(subscriptions.c.tenant_id > after[0],
            and_(subscriptions.c.tenant_id == after[0], subscriptions.c.id > after[1])),
    ).order_by(subscriptions.c.tenant_id, subscriptions.c.id).limit(limit)
    if tenant_id is not None:
        stmt = stmt.where(subscriptions.c.tenant_id == tenant_id)
    return [(r[0], r[1]) for r in conn.execute(stmt)]


def update_subscription(conn: Connection, tenant_id: str, subscription_id: str,
                        values: Row) -> None:
    conn.execute(update(subscriptions).where(subscriptions.c.tenant_id == tenant_id,
                                             subscriptions.c.id == subscription_id)
                 .values(**values))


def phases(conn: Connection, tenant_id: str, subscription_id: str) -> list[Row]:
    return _all(conn, select(subscription_phases).where(
        subscription_phases.c.tenant_id == tenant_id,
        subscription_phases.c.subscription_id == subscription_id,
    ).order_by(subscription_phases.c.start_ms))


def insert_phase(conn: Connection, row: Row) -> None:
    conn.execute(subscription_phases.insert().values(**row))


def close_phase(conn: Connection, tenant_id: str, subscription_id: str, at_ms: int) -> None:
    conn.execute(update(subscription_phases).where(
        subscription_phases.c.tenant_id == tenant_id,
        subscription_phases.c.subscription_id == subscription_id,
        subscription_phases.c.end_ms.is_(None),
    ).values(end_ms=at_ms))


def drop_phases_after(conn: Connection, tenant_id: str, subscription_id: str,
                      at_ms: int) -> None:
    """Forget phases that have not started by `at_ms` (a scheduled change being replaced) and
    reopen the phase they would have ended."""
    from sqlalchemy import delete

    later = [p for p in phases(conn, tenant_id, subscription_id) if p["start_ms"] > at_ms]
    if not later:
        return
    conn.execute(delete(subscription_phases).where(
        subscription_phases.c.tenant_id == tenant_id,
        subscription_phases.c.subscription_id == subscription_id,
        subscription_phases.c.start_ms > at_ms))
    conn.execute(update(subscription_phases).where(
        subscription_phases.c.tenant_id == tenant_id,
        subscription_phases.c.subscription_id == subscription_id,
        subscription_phases.c.end_ms == later[0]["start_ms"]).values(end_ms=None))


def pauses(conn: Connection, tenant_id: str, subscription_id: str) -> list[Row]:
    return _all(conn, select(subscription_pauses).where(
        subscription_pauses.c.tenant_id == tenant_id,
        subscription_pauses.c.subscription_id == subscription_id,
    ).order_by(subscription_pauses.c.start_ms))


def insert_pause(conn: Connection, row: Row) -> None:
    conn.execute(subscription_pauses.insert().values(**row))


def end_pause(conn: Connection, tenant_id: str, subscription_id: str, at_ms: int) -> None:
    conn.execute(update(subscription_pauses).where(
        subscription_pauses.c.tenant_id == tenant_id,
        subscription_pauses.c.subscription_id == subscription_id,
        subscription_pauses.c.end_ms.is_(None),
    ).values(end_ms=at_ms))


# invoices -------------------------------------------------------------------------------------

def claim_invoice(conn: Connection, row: Row) -> bool:
    """Insert the invoice unless its (subscription, kind, boundary) already has one."""
    stmt = insert_for(conn, invoices).values(**row).on_conflict_do_nothing(
        index_elements=["tenant_id", "subscription_id", "kind", "boundary_ms"],
    ).returning(invoices.c.id)
    return conn.execute(stmt).first() is not None


def insert_lines(conn: Connection, rows: Sequence[Row]) -> None:
    if rows:
        conn.execute(invoice_lines.insert(), list(rows))


def get_invoice(conn: Connection, tenant_id: str, invoice_id: str,
                *, lock: bool = False) -> Row | None:
    stmt = select(invoices).where(invoices.c.tenant_id == tenant_id, invoices.c.id == invoice_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return _one(conn, stmt)


def invoice_lines_of(conn: Connection, tenant_id: str, invoice_id: str) -> list[Row]:
    return _all(conn, select(invoice_lines).where(
        invoice_lines.c.tenant_id == tenant_id, invoice_lines.c.invoice_id == invoice_id
    ).order_by(invoice_lines.c.position))


def list_invoices(conn: Connection, tenant_id: str, *, customer_id: str | None = None,
                  subscription_id: str | None = None, status: str | None = None,
                  limit: int = 100, cursor: str | None = None) -> Page[Row]:
    stmt = select(invoices).where(invoices.c.tenant_id == tenant_id)
    if customer_id is not None:
        stmt = stmt.where(invoices.c.customer_id == customer_id)
    if subscription_id is not None:
        stmt = stmt.where(invoices.c.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(invoices.c.status == status)
    return fetch_page(conn, stmt, "invoices", [asc(invoices.c.period_start_ms),
                                               asc(invoices.c.created_ms), asc(invoices.c.id)],
                      PageRequest(limit=limit, cursor=cursor))


def update_invoice(conn: Connection, tenant_id: str, invoice_id: str, values: Row) -> None:
    conn.execute(update(invoices).where(invoices.c.tenant_id == tenant_id,
                                        invoices.c.id == invoice_id).values(**values))


def next_invoice_number(conn: Connection, tenant_id: str) -> int:
    """The tenant's next invoice number; the row lock serialises finalizations (no gaps)."""
    stmt = insert_for(conn, invoice_counters).values(tenant_id=tenant_id, next_number=1)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["tenant_id"]))
    number = conn.execute(
        update(invoice_counters).where(invoice_counters.c.tenant_id == tenant_id)
        .values(next_number=invoice_counters.c.next_number + 1)
        .returning(invoice_counters.c.next_number)
    ).scalar_one()
    return int(number) - 1


def interim_billed(conn: Connection, tenant_id: str, subscription_id: str,
                   period_start_ms: int) -> dict[str, Decimal]:
    """Per usage charge, what interim invoices (not void) billed for the period so far."""
    rows = conn.execute(select(invoice_lines.c.charge_id, invoice_lines.c.amount).join(
        invoices, (invoices.c.tenant_id == invoice_lines.c.tenant_id)
        & (invoices.c.id == invoice_lines.c.invoice_id)).where(
        invoices.c.tenant_id == tenant_id, invoices.c.subscription_id == subscription_id,
        invoices.c.kind == "interim", invoices.c.status != "void",
        invoice_lines.c.kind == "usage", invoice_lines.c.covers_start_ms == period_start_ms,
    ))
    out: dict[str, Decimal] = {}
    for charge_id, amount in rows:
        out[charge_id] = out.get(charge_id, Decimal(0)) + amount
    return out


# usage billed ---------------------------------------------------------------------------------

def usage_billed_for(conn: Connection, tenant_id: str, subscription_id: str) -> list[Row]:
    return _all(conn, select(usage_billed).where(
        usage_billed.c.tenant_id == tenant_id, usage_billed.c.subscription_id == subscription_id
    ).order_by(usage_billed.c.period_start_ms, usage_billed.c.charge_id))


def put_usage_billed(conn: Connection, row: Row) -> None:
    stmt = insert_for(conn, usage_billed).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["tenant_id", "subscription_id", "charge_id", "period_start_ms"],
        set_={"quantity": stmt.excluded.quantity, "amount": stmt.excluded.amount,
              "invoice_id": stmt.excluded.invoice_id},
    ))


# outbox ---------------------------------------------------------------------------------------

def emit(conn: Connection, tenant_id: str, event_id: str, type_: str, payload: Any,
         now_ms: int) -> None:
    """Record a webhook event in the caller's transaction (delivered by the webhook worker)."""
    stmt = insert_for(conn, outbox).values(
        tenant_id=tenant_id, event_id=event_id, type=type_,
        payload=json.dumps(payload, separators=(",", ":"), default=str), created_ms=now_ms)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["tenant_id", "event_id"]))
