"""Charges priced outside a plan: outcome fees, shared-asset sessions and one-off charges.

`add` records a charge for a customer, idempotent on the caller's key; the customer's next
subscription invoice bills every pending charge whose period has ended (in that invoice's
currency), or `invoice_now` bills them at once on an invoice of their own (for customers without
a subscription). Each charge is billed once: the invoice that takes it is written on its row in
the same transaction.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from monetiot.domain.billing.invoice import Line
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.money import currency_exponent, to_decimal
from monetiot.domain.pages import Page, PageRequest
from monetiot.store import registry
from monetiot.store.billing_tables import pending_charges
from monetiot.store.engine import UnitOfWork
from monetiot.store.pages import asc, fetch_page

Row = dict[str, Any]
KINDS = ("one_off", "outcome", "session", "adjustment")


def add(uow: UnitOfWork, now_ms: int, tenant: str, customer: str, doc: Row,
        *, commit: bool = True) -> Row:
    """`{"id", "kind", "description", "amount", "currency", "quantity"?, "unit_price"?,
    "covers_start_ms"?, "covers_end_ms"?, "details"?}`; the same id twice is one charge."""
    if registry.get_customer(uow.conn, tenant, customer) is None:
        raise NotFound(f"no customer {customer!r}", field="customer")
    charge_id = doc.get("id") or f"one_off:{uuid.uuid4().hex[:16]}"
    if not isinstance(charge_id, str) or not 1 <= len(charge_id) <= 200:
        raise InvalidInput("must be text of 1 to 200 characters", field="id")
    kind = doc.get("kind", "one_off")
    if kind not in KINDS:
        raise InvalidInput(f"must be one of {', '.join(KINDS)}", field="kind")
    description = doc.get("description")
    if not isinstance(description, str) or not description.strip():
        raise InvalidInput("required text", field="description")
    currency = str(doc.get("currency", "EUR")).upper()
    currency_exponent(currency)
    row: Row = {
        "tenant_id": tenant, "id": charge_id, "customer_id": customer, "kind": kind,
        "description": description, "currency": currency,
        "quantity": _optional(doc, "quantity"), "unit_price": _optional(doc, "unit_price"),
        "amount": to_decimal(doc.get("amount"), "amount"),
        "covers_start_ms": _time(doc, "covers_start_ms"),
        "covers_end_ms": _time(doc, "covers_end_ms"),
        "details": json.dumps(doc.get("details", {}), default=str), "created_ms": now_ms,
        "invoice_id": None,
    }
    existing = _get(uow, tenant, charge_id)
    if existing is not None:
        if (existing["customer_id"], existing["amount"], existing["currency"]) != (
                customer, row["amount"], currency):
            raise Conflict(f"charge {charge_id!r} exists with other content", field="id")
        return view(existing)
    uow.conn.execute(pending_charges.insert().values(**row))
    if commit:
        uow.commit()
    return view(row)


def _optional(doc: Row, name: str) -> Decimal | None:
    return None if doc.get(name) is None else to_decimal(doc[name], name)


def _time(doc: Row, name: str) -> int | None:
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput("must be epoch milliseconds", field=name)
    return value


def _get(uow: UnitOfWork, tenant: str, charge_id: str) -> Row | None:
    row = uow.conn.execute(select(pending_charges).where(
        pending_charges.c.tenant_id == tenant, pending_charges.c.id == charge_id,
    )).mappings().first()
    return dict(row) if row else None


def view(row: Row) -> Row:
    out = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()
           if k != "tenant_id"}
    out["customer"] = out.pop("customer_id")
    out["details"] = json.loads(row["details"]) if isinstance(row["details"], str) \
        else row["details"]
    return out


def pending(uow: UnitOfWork, tenant: str, customer: str, currency: str | None = None,
            until_ms: int | None = None) -> list[Row]:
    """Charges not billed yet whose period ended by `until_ms` (all when None)."""
    stmt = select(pending_charges).where(
        pending_charges.c.tenant_id == tenant, pending_charges.c.customer_id == customer,
        pending_charges.c.invoice_id.is_(None))
    if currency is not None:
        stmt = stmt.where(pending_charges.c.currency == currency)
    rows = [dict(r) for r in uow.conn.execute(
        stmt.order_by(pending_charges.c.created_ms, pending_charges.c.id)).mappings()]
    if until_ms is not None:
        rows = [r for r in rows if r["covers_end_ms"] is None or r["covers_end_ms"] <= until_ms]
    return rows


def as_line(row: Row) -> Line:
    details = json.loads(row["details"]) if isinstance(row["details"], str) else row["details"]
    return Line(kind=row["kind"], description=row["description"], amount=row["amount"],
                charge_id=row["id"], quantity=row["quantity"], unit_price=row["unit_price"],
                covers_start_ms=row["covers_start_ms"], covers_end_ms=row["covers_end_ms"],
                details=details | {"pending_charge": row["id"]})


def mark_billed(uow: UnitOfWork, tenant: str, charge_ids: list[str], invoice_id: str) -> None:
    if charge_ids:
        uow.conn.execute(update(pending_charges).where(
            pending_charges.c.tenant_id == tenant, pending_charges.c.id.in_(charge_ids),
            pending_charges.c.invoice_id.is_(None)).values(invoice_id=invoice_id))


def list_for(uow: UnitOfWork, tenant: str, customer: str,
             page: PageRequest | None = None) -> Page[Row]:
    stmt = select(pending_charges).where(pending_charges.c.tenant_id == tenant,
                                         pending_charges.c.customer_id == customer)
    rows = fetch_page(uow.conn, stmt, "charges",
                      [asc(pending_charges.c.created_ms), asc(pending_charges.c.id)], page)
    return Page([view(r) for r in rows], rows.next_cursor)
