"""Invoices read in bulk for exports: one tenant's invoices, each with its customer's time zone,
and their lines. Tenant-scoped and read-only; pages are taken in a stable key order
(period start, creation, id), so an export never skips or repeats an invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, select, tuple_

from monetiot.store.billing_tables import invoice_lines, invoices
from monetiot.store.schema import customers

Row = dict[str, Any]
Key = tuple[int, int, str]  # (period_start_ms, created_ms, id)


def invoices_page(conn: Connection, tenant_id: str, *, customer_id: str | None = None,
                  status: str | None = None, start_from_ms: int | None = None,
                  start_before_ms: int | None = None, after: Key | None = None,
                  limit: int = 500) -> list[Row]:
    """Invoices with `start_from_ms <= period_start_ms < start_before_ms`, after `after`."""
    stmt = (select(invoices, customers.c.timezone)
            .join(customers, and_(customers.c.tenant_id == invoices.c.tenant_id,
                                  customers.c.id == invoices.c.customer_id))
            .where(invoices.c.tenant_id == tenant_id))
    if customer_id is not None:
        stmt = stmt.where(invoices.c.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(invoices.c.status == status)
    if start_from_ms is not None:
        stmt = stmt.where(invoices.c.period_start_ms >= start_from_ms)
    if start_before_ms is not None:
        stmt = stmt.where(invoices.c.period_start_ms < start_before_ms)
    order = (invoices.c.period_start_ms, invoices.c.created_ms, invoices.c.id)
    if after is not None:
        stmt = stmt.where(tuple_(*order) > tuple_(*after))
    return [dict(r) for r in conn.execute(stmt.order_by(*order).limit(limit)).mappings()]


def lines_of(conn: Connection, tenant_id: str, invoice_ids: Sequence[str]) -> list[Row]:
    """The lines of the invoices, by invoice then position."""
    if not invoice_ids:
        return []
    stmt = select(invoice_lines).where(
        invoice_lines.c.tenant_id == tenant_id, invoice_lines.c.invoice_id.in_(invoice_ids),
    ).order_by(invoice_lines.c.invoice_id, invoice_lines.c.position)
    return [dict(r) for r in conn.execute(stmt).mappings()]
