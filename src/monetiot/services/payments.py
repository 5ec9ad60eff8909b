"""Payments and refunds against invoices, and the invoice lifecycle they drive:
draft -> finalized -> paid | void (and paid -> finalized when a refund takes it below its total).

Invariants:
- only a `finalized` invoice takes payments; `invoices.paid` is the sum of its succeeded
  payments less its succeeded refunds. When it reaches the total the invoice is `paid`
  (`paid_ms`, `invoice.paid`); a refund that takes a paid invoice below its total puts it back
  to `finalized`. Every succeeded refund emits `invoice.refunded`;
- nobody pays more than is due (total - paid - pending payments): an overpayment is refused,
  never turned into wallet credit behind the operator's back (docs/payments.md says why);
- a refund never exceeds what is left of its payment (pending refunds count);
- every payment and refund carries an idempotency key, unique per tenant: the same key again
  returns the first result and changes nothing. The key is looked up first; if two requests
  race past the look-up, the unique constraint decides and the loser returns the winner's row.
  A key reused for a different request (another invoice, payment or amount) is a 409;
- an invoice changes only under its row lock (PostgreSQL FOR UPDATE; SQLite's write lock),
  with its webhook events in the same transaction (outbox);
- a finalized invoice without payments can be voided; a paid one cannot (credit note instead).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from monetiot.domain.errors import Conflict, InvalidInput, MonetiotError, NotFound
from monetiot.domain.money import round_money, to_decimal
from monetiot.domain.pages import Page, PageRequest
from monetiot.services.billing import invoice_view
from monetiot.store import billing as store
from monetiot.store.billing_tables import invoices, outbox, payments, wallet_transactions
from monetiot.store.engine import UnitOfWork
from monetiot.store.pages import asc, fetch_page
from monetiot.store.sql import dec_sum

Row = dict[str, Any]
METHODS = ("manual", "bank_transfer", "card", "direct_debit")
STATUSES = ("pending", "succeeded", "failed")
ZERO = Decimal(0)


# recording ------------------------------------------------------------------------------------

def record_payment(uow: UnitOfWork, now_ms: int, tenant: str, invoice_id: str,
                   doc: Row) -> Row:
    """Record money received outside any provider (`{amount, method, reference,
    idempotency_key}`); returns the payment, the first one again for a repeated key."""
    row, _ = begin_payment(uow, now_ms, tenant, invoice_id, doc, status="succeeded")
    uow.commit()
    return payment_view(row)


def refund(uow: UnitOfWork, now_ms: int, tenant: str, payment_id: str, doc: Row) -> Row:
    """Record money given back for a succeeded payment (`{amount, method, reference,
    idempotency_key}`). A payment a provider collected is refunded through that provider."""
    row, _ = begin_refund(uow, now_ms, tenant, payment_id, doc, status="succeeded")
    uow.commit()
    return payment_view(row)


def begin_payment(uow: UnitOfWork, now_ms: int, tenant: str, invoice_id: str, doc: Row, *,
                  status: str, provider: str | None = None) -> tuple[Row, bool]:
    """Insert a payment (`succeeded`, applied now; or `pending`, applied by `settle`).

    Returns (row, created); a repeated key returns the stored row and False. Does not commit.
    """
    _known(doc, {"amount", "method", "reference", "idempotency_key", "currency"})
    invoice = locked_invoice(uow, tenant, invoice_id)
    currency = invoice["currency"]
    if str(doc.get("currency", currency)).upper() != currency:
        raise InvalidInput(f"the invoice is in {currency}", field="currency")
    row = _new_row(tenant, f"pay_{uuid.uuid4().hex[:20]}", invoice, "payment", doc, status,
                   provider, now_ms)
    stored = stored_by_key(uow, tenant, row["idempotency_key"])
    if stored is not None:
        return _same_request(stored, row), False
    if invoice["status"] != "finalized":
        raise Conflict(_not_payable(invoice["status"]), field="invoice")
    due = amount_due(uow, invoice)
    if row["amount"] > due:
        raise InvalidInput(
            f"{row['amount']} is more than the {due} {currency} due; record what is due and "
            "top up the customer's wallet with the rest if you keep it", field="amount")
    return _insert(uow, now_ms, invoice, row)


def begin_refund(uow: UnitOfWork, now_ms: int, tenant: str, payment_id: str, doc: Row, *,
                 status: str, through_provider: bool = False) -> tuple[Row, bool]:
    """Insert a refund of a succeeded payment; see `begin_payment`. Does not commit."""
    _known(doc, {"amount", "method", "reference", "idempotency_key"})
    found = get_payment(uow, tenant, payment_id)
    invoice = locked_invoice(uow, tenant, found["invoice_id"])
    payment = get_payment(uow, tenant, payment_id)  # again, now that the invoice is locked
    row = _new_row(tenant, f"{payment_id}{REFUND_MARK}{uuid.uuid4().hex[:10]}", invoice,
                   "refund", {"method": payment["method"], **doc}, status,
                   payment["provider"], now_ms)
    stored = stored_by_key(uow, tenant, row["idempotency_key"])
    if stored is not None:
        return _same_request(stored, row), False
    if payment["provider"] is not None and not through_provider:
        raise Conflict(f"collected through {payment['provider']!r}: refund it through that "
                       "provider, so that the money really goes back", field="payment")
    if payment["provider"] is None and through_provider:
        raise Conflict("not collected through a provider: record the refund instead",
                       field="payment")
    if payment["status"] != "succeeded":
        raise Conflict(f"the payment is {payment['status']}; only succeeded payments can be "
                       "refunded", field="payment")
    left = payment["amount"] - _refunded(uow, tenant, payment)
    if row["amount"] > left:
        raise InvalidInput(f"at most {left} {payment['currency']} of this payment is left to "
                           "refund", field="amount")
    return _insert(uow, now_ms, invoice, row)


def settle(uow: UnitOfWork, now_ms: int, tenant: str, payment_id: str, status: str,
           provider_ref: str | None) -> Row:
    """A provider's answer for a pending payment or refund: mark it, apply it if it succeeded.

    Settling twice is harmless: only a pending row changes. Does not commit.
    """
    if status not in STATUSES:
        raise InvalidInput(f"must be one of {', '.join(STATUSES)}", field="status")
    both = ("payment", "refund")
    found = get_payment(uow, tenant, payment_id, both)
    invoice = locked_invoice(uow, tenant, found["invoice_id"])
    row = get_payment(uow, tenant, payment_id, both)  # again, now that the invoice is locked
    if row["status"] != "pending":
        return payment_view(row)
    values = {"status": status, "provider_ref": provider_ref or row["provider_ref"]}
    uow.conn.execute(payments.update().where(payments.c.tenant_id == tenant,
                                             payments.c.id == payment_id).values(**values))
    row |= values
    if status == "succeeded":
        _apply(uow, now_ms, invoice, row)
    return payment_view(row)


def _new_row(tenant: str, row_id: str, invoice: Row, kind: str, doc: Row, status: str,
             provider: str | None, now_ms: int) -> Row:
    key = doc.get("idempotency_key")
    if not isinstance(key, str) or not key.strip() or len(key) > 100:
        raise InvalidInput("required (at most 100 characters), so that a retried request is "
                           "not recorded twice", field="idempotency_key")
    amount = round_money(to_decimal(doc.get("amount"), "amount"), invoice["currency"])
    if amount <= 0:
        raise InvalidInput(f"must be above 0 {invoice['currency']}", field="amount")
    method = doc.get("method", "manual")
    if method not in METHODS:
        raise InvalidInput(f"must be one of {', '.join(METHODS)}", field="method")
    reference = doc.get("reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 200):
        raise InvalidInput("must be text of at most 200 characters", field="reference")
    return {"tenant_id": tenant, "id": row_id, "invoice_id": invoice["id"], "kind": kind,
            "method": method, "provider": provider, "provider_ref": reference,
            "status": status, "currency": invoice["currency"], "amount": amount,
            "idempotency_key": key, "created_ms": now_ms}


def _insert(uow: UnitOfWork, now_ms: int, invoice: Row, row: Row) -> tuple[Row, bool]:
    try:
        with uow.conn.begin_nested():  # a savepoint: a lost race must not abort the caller
            uow.conn.execute(payments.insert().values(**row))
    except IntegrityError:
        stored = stored_by_key(uow, row["tenant_id"], row["idempotency_key"])
        if stored is None:
            raise
        return _same_request(stored, row), False
    if row["status"] == "succeeded":
        _apply(uow, now_ms, invoice, row)
    return row, True


def _same_request(stored: Row, attempt: Row) -> Row:
    if (stored["invoice_id"], stored["kind"], stored["amount"], _parent(stored["id"])) != (
            attempt["invoice_id"], attempt["kind"], attempt["amount"], _parent(attempt["id"])):
        target = _parent(stored["id"]) or stored["invoice_id"]
        raise Conflict(f"already used for a {stored['kind']} of {stored['amount']} "
                       f"{stored['currency']} on {target}", field="idempotency_key")
    return stored


def _apply(uow: UnitOfWork, now_ms: int, invoice: Row, row: Row) -> None:
    """Add a succeeded payment to the invoice (or take a refund off), and report it."""
    tenant, invoice_id = invoice["tenant_id"], invoice["id"]
    paying = row["kind"] == "payment"
    values: Row = {"paid": invoice["paid"] + (row["amount"] if paying else -row["amount"])}
    if paying and invoice["status"] == "finalized" and values["paid"] >= invoice["total"]:
        values |= {"status": "paid", "paid_ms": now_ms}
    elif not paying and invoice["status"] == "paid" and values["paid"] < invoice["total"]:
        values |= {"status": "finalized", "paid_ms": None}
    store.update_invoice(uow.conn, tenant, invoice_id, values)
    invoice |= values
    view = payment_view(row)
    if not paying:
        store.emit(uow.conn, tenant, f"invoice.refunded:{row['id']}", "invoice.refunded",
                   {"invoice": invoice_view(invoice), "refund": view}, now_ms)
    elif values.get("status") == "paid":
        # Paid again after a refund: a new event, named after the payment that paid it.
        event_id = f"invoice.paid:{invoice_id}"
        if _emitted(uow, tenant, event_id):
            event_id = f"{event_id}:{row['id']}"
        store.emit(uow.conn, tenant, event_id, "invoice.paid",
                   {"invoice": invoice_view(invoice), "payment": view}, now_ms)


# the invoice lifecycle ------------------------------------------------------------------------

def void_invoice(uow: UnitOfWork, now_ms: int, tenant: str, invoice_id: str) -> Row:
    """Cancel a finalized invoice nobody paid: `void`, `voided_ms`, `invoice.voided`.

    Prepaid credit the invoice used goes back to the wallet. Voiding twice is harmless.
    """
    invoice = locked_invoice(uow, tenant, invoice_id)
    if invoice["status"] == "void":
        return invoice_view(invoice)
    if invoice["status"] == "paid":
        raise Conflict("a paid invoice cannot be voided; issue a credit note", field="invoice")
    if invoice["status"] != "finalized":
        raise Conflict(f"the invoice is {invoice['status']}; only finalized invoices can be "
                       "voided", field="invoice")
    if invoice["paid"] != 0 or _pending(uow, tenant, invoice_id, "payment") != 0:
        raise Conflict("the invoice has payments; refund them first, or issue a credit note",
                       field="invoice")
    if invoice["credited"] != 0:
        raise Conflict("credit notes were issued against the invoice; it cannot be voided",
                       field="invoice")
    values = {"status": "void", "voided_ms": now_ms}
    store.update_invoice(uow.conn, tenant, invoice_id, values)
    invoice |= values
    _restore_prepaid_credit(uow, now_ms, invoice)
    store.emit(uow.conn, tenant, f"invoice.voided:{invoice_id}", "invoice.voided",
               {"invoice": invoice_view(invoice)}, now_ms)
    uow.commit()
    return invoice_view(invoice)


def _restore_prepaid_credit(uow: UnitOfWork, now_ms: int, invoice: Row) -> None:
    wt = wallet_transactions
    used = uow.conn.execute(select(dec_sum(uow.conn, wt.c.amount)).where(
        wt.c.tenant_id == invoice["tenant_id"], wt.c.invoice_id == invoice["id"],
        wt.c.kind == "consumed")).scalar()
    if used is None or Decimal(str(used)) >= 0:
        return
    uow.conn.execute(wt.insert().values(
        tenant_id=invoice["tenant_id"], id=f"wtx_{uuid.uuid4().hex[:20]}",
        customer_id=invoice["customer_id"], currency=invoice["currency"], kind="credit",
        amount=-Decimal(str(used)), expires_ms=None, invoice_id=invoice["id"],
        idempotency_key=f"invoice.voided:{invoice['id']}",
        note=f"prepaid credit given back: invoice {invoice['number']} was voided",
        created_ms=now_ms))


# overdue invoices and reminders -----------------------------------------------------------

REMINDER_DAYS = (1, 7, 14, 30)
DAY_MS = 86_400_000


@dataclass
class ReminderReport:
    invoices: int = 0
    sent: list[Row] = field(default_factory=list)
    errors: list[Row] = field(default_factory=list)


def overdue(uow: UnitOfWork, now_ms: int, tenant: str,
            page: PageRequest | None = None) -> Page[Row]:
    """Finalized invoices past their due date, longest overdue first, with whole days overdue."""
    rows = fetch_page(uow.conn, select(invoices).where(
        invoices.c.tenant_id == tenant, invoices.c.status == "finalized",
        invoices.c.due_ms < now_ms), "overdue", [asc(invoices.c.due_ms), asc(invoices.c.id)],
        page)
    return Page([invoice_view(r) | {"amount_due": str(amount_due(uow, r)),
                                    "days_overdue": (now_ms - r["due_ms"]) // DAY_MS}
                 for r in rows], rows.next_cursor)


def send_reminders(uow_factory: Callable[..., UnitOfWork], now_ms: int, *,
                   tenant: str | None = None, schedule: Sequence[int] = REMINDER_DAYS,
                   batch: int = 200) -> ReminderReport:
    """Emit `invoice.overdue` when an invoice reaches a step of `schedule` (days overdue).

    Each (invoice, step) is one outbox event, `invoice.overdue:{id}:{step}`, so re-runs and
    concurrent runs never send a reminder twice. A run that comes late sends the latest step
    reached, not a burst of every step it missed. One transaction per invoice.
    """
    report = ReminderReport()
    cutoff, after = now_ms - min(schedule) * DAY_MS, ("", "")
    while True:
        with uow_factory(readonly=True) as uow:
            stmt = select(invoices.c.tenant_id, invoices.c.id).where(
                invoices.c.status == "finalized", invoices.c.due_ms <= cutoff,
                or_(invoices.c.tenant_id > after[0],
                    and_(invoices.c.tenant_id == after[0], invoices.c.id > after[1])),
            ).order_by(invoices.c.tenant_id, invoices.c.id).limit(batch)
            if tenant is not None:
                stmt = stmt.where(invoices.c.tenant_id == tenant)
            keys = [(r[0], r[1]) for r in uow.conn.execute(stmt)]
        if not keys:
            return report
        after = keys[-1]
        for owner, invoice_id in keys:
            report.invoices += 1
            try:
                with uow_factory() as uow:
                    step = _remind(uow, now_ms, owner, invoice_id, schedule)
                    uow.commit()
            except MonetiotError as exc:
                report.errors.append({"tenant": owner, "invoice": invoice_id,
                                      "error": str(exc)})
                continue
            if step is not None:
                report.sent.append({"tenant": owner, "invoice": invoice_id, "days": step})


def _remind(uow: UnitOfWork, now_ms: int, tenant: str, invoice_id: str,
            schedule: Sequence[int]) -> int | None:
    invoice = locked_invoice(uow, tenant, invoice_id)
    if invoice["status"] != "finalized" or invoice["due_ms"] is None:
        return None  # paid or voided since the list was read
    days = (now_ms - invoice["due_ms"]) // DAY_MS
    step = max((d for d in schedule if d <= days), default=None)
    event_id = f"invoice.overdue:{invoice_id}:{step}"
    if step is None or _emitted(uow, tenant, event_id):
        return None
    store.emit(uow.conn, tenant, event_id, "invoice.overdue",
               {"invoice": invoice_view(invoice), "days_overdue": days, "reminder": step,
                "amount_due": str(amount_due(uow, invoice))}, now_ms)
    return step


# reading --------------------------------------------------------------------------------------

def locked_invoice(uow: UnitOfWork, tenant: str, invoice_id: str) -> Row:
    row = store.get_invoice(uow.conn, tenant, invoice_id, lock=True)
    if row is None:
        raise NotFound(f"no invoice {invoice_id!r}", field="invoice")
    return row


def amount_due(uow: UnitOfWork, invoice: Row) -> Decimal:
    """What is left to pay: total - paid - payments still pending (never below 0)."""
    pending = _pending(uow, invoice["tenant_id"], invoice["id"], "payment")
    return max(ZERO, Decimal(invoice["total"]) - Decimal(invoice["paid"]) - pending)


def get_payment(uow: UnitOfWork, tenant: str, payment_id: str,
                kinds: tuple[str, ...] = ("payment",)) -> Row:
    row = uow.conn.execute(select(payments).where(
        payments.c.tenant_id == tenant, payments.c.id == payment_id,
        payments.c.kind.in_(kinds))).mappings().first()
    if row is None:
        raise NotFound(f"no payment {payment_id!r}", field="payment")
    return dict(row)


def provider_payments(uow: UnitOfWork, tenant: str, invoice_id: str,
                      provider: str) -> list[Row]:
    """The invoice's payments collected through `provider`, oldest first."""
    return [dict(r) for r in uow.conn.execute(select(payments).where(
        payments.c.tenant_id == tenant, payments.c.invoice_id == invoice_id,
        payments.c.kind == "payment", payments.c.provider == provider,
    ).order_by(payments.c.created_ms, payments.c.id)).mappings()]


def list_payments(uow: UnitOfWork, tenant: str, invoice_id: str) -> Row:
    """An invoice's payments and refunds, oldest first, with what is still due."""
    invoice = store.get_invoice(uow.conn, tenant, invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id!r}", field="invoice")
    rows = uow.conn.execute(select(payments).where(
        payments.c.tenant_id == tenant, payments.c.invoice_id == invoice_id,
    ).order_by(payments.c.created_ms, payments.c.kind, payments.c.id)).mappings()
    due = amount_due(uow, invoice) if invoice["status"] == "finalized" else ZERO
    return {"invoice": invoice_id, "status": invoice["status"], "currency": invoice["currency"],
            "total": str(invoice["total"]), "paid": str(invoice["paid"]), "amount_due": str(due),
            "payments": [payment_view(dict(r)) for r in rows]}


def payment_view(row: Row) -> Row:
    view: Row = {"id": row["id"], "invoice": row["invoice_id"], "kind": row["kind"]}
    if row["kind"] == "refund":
        view["payment"] = _parent(row["id"])
    view |= {k: row[k] for k in ("method", "provider", "status", "currency", "amount",
                                 "created_ms")}
    view["reference"] = row["provider_ref"]
    view["amount"] = str(row["amount"])
    return view


def stored_by_key(uow: UnitOfWork, tenant: str, key: str) -> Row | None:
    """The payment or refund row recorded under `key`."""
    row = uow.conn.execute(select(payments).where(
        payments.c.tenant_id == tenant, payments.c.idempotency_key == key)).mappings().first()
    return dict(row) if row else None


def _pending(uow: UnitOfWork, tenant: str, invoice_id: str, kind: str) -> Decimal:
    return _sum(uow, payments.c.tenant_id == tenant, payments.c.invoice_id == invoice_id,
                payments.c.kind == kind, payments.c.status == "pending")


def _refunded(uow: UnitOfWork, tenant: str, payment: Row) -> Decimal:
    """Refunds of `payment` that succeeded or may still succeed."""
    return _sum(uow, payments.c.tenant_id == tenant,
                payments.c.invoice_id == payment["invoice_id"], payments.c.kind == "refund",
                payments.c.status.in_(("pending", "succeeded")),
                payments.c.id.startswith(payment["id"] + REFUND_MARK, autoescape=True))


def _sum(uow: UnitOfWork, *where: Any) -> Decimal:
    total = uow.conn.execute(select(dec_sum(uow.conn, payments.c.amount)).where(*where)).scalar()
    return ZERO if total is None else Decimal(str(total))


def _emitted(uow: UnitOfWork, tenant: str, event_id: str) -> bool:
    return uow.conn.execute(select(func.count()).select_from(outbox).where(
        outbox.c.tenant_id == tenant, outbox.c.event_id == event_id)).scalar_one() > 0


# A refund's id is its payment's id, this mark, and a random part: `payments` has no column
# for the payment a refund belongs to (see docs/payments.md), and the id must say it.
REFUND_MARK = "~r"


def _parent(row_id: str) -> str | None:
    head, mark, _ = row_id.partition(REFUND_MARK)
    return head if mark else None


def _not_payable(status: str) -> str:
    return {"draft": "the invoice is a draft; finalize it before recording payments",
            "void": "the invoice is void; it takes no payments",
            "paid": "the invoice is already paid"}.get(status, f"the invoice is {status}")


def _known(doc: Row, fields: set[str]) -> None:
    for key in doc:
        if key not in fields:
            raise InvalidInput("unknown field", field=str(key))
