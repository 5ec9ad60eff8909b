"""Credits: customers' tax settings, coupons, prepaid wallets and credit notes.

Billing asks this module what applies to an invoice (tax, discounts, wallet balance) and tells it
what the invoice used (`record_use`), in the invoice's own transaction. Wallet top-ups and credit
notes carry idempotency keys: the same key twice gives the first result, never a second credit.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select, update

from monetiot.domain.billing.invoice import Discount, Tax, Totals
from monetiot.domain.billing.wallet import Entry, balance
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.fleet import check_id
from monetiot.domain.money import currency_code, currency_exponent, round_money, to_decimal
from monetiot.store import billing as billing_store
from monetiot.store import registry
from monetiot.store.billing_tables import (
    coupon_redemptions,
    coupons,
    credit_notes,
    invoices,
    wallet_transactions,
)
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
DEFAULT_TERMS_DAYS = 30


# customer billing settings --------------------------------------------------------------------

def customer_tax(uow: UnitOfWork, tenant: str, customer: str) -> Tax:
    row = billing_store.get_customer_billing(uow.conn, tenant, customer)
    if row is None:
        return Tax()
    return Tax(rate=row["tax_rate"], inclusive=bool(row["tax_inclusive"]))


def payment_terms_days(uow: UnitOfWork, tenant: str, customer: str) -> int:
    row = billing_store.get_customer_billing(uow.conn, tenant, customer)
    return DEFAULT_TERMS_DAYS if row is None else int(row["payment_terms_days"])


def set_customer_billing(uow: UnitOfWork, tenant: str, customer: str, doc: Row) -> Row:
    if registry.get_customer(uow.conn, tenant, customer) is None:
        raise NotFound(f"no customer {customer!r}", field="customer")
    rate = to_decimal(doc.get("tax_rate", "0"), "tax_rate")
    if rate < 0 or rate >= 100:
        raise InvalidInput("must be a percentage from 0 to below 100", field="tax_rate")
    terms = doc.get("payment_terms_days", DEFAULT_TERMS_DAYS)
    if not isinstance(terms, int) or isinstance(terms, bool) or not 0 <= terms <= 365:
        raise InvalidInput("must be a whole number of days from 0 to 365",
                           field="payment_terms_days")
    inclusive = doc.get("tax_inclusive", False)
    if not isinstance(inclusive, bool):
        raise InvalidInput("must be true or false", field="tax_inclusive")
    billing_store.put_customer_billing(uow.conn, {
        "tenant_id": tenant, "customer_id": customer, "tax_rate": rate,
        "tax_inclusive": int(inclusive), "payment_terms_days": terms})
    uow.commit()
    return {"customer": customer, "tax_rate": str(rate), "tax_inclusive": inclusive,
            "payment_terms_days": terms}


# coupons --------------------------------------------------------------------------------------

def create_coupon(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    coupon_id = check_id(doc.get("id"), "id")
    kind = doc.get("kind")
    if kind not in ("fixed", "percentage"):
        raise InvalidInput("must be fixed or percentage", field="kind")
    duration = doc.get("duration", "once")
    if duration not in ("once", "repeating", "forever"):
        raise InvalidInput("must be once, repeating or forever", field="duration")
    periods = doc.get("periods")
    if duration == "repeating" and (not isinstance(periods, int) or periods < 1):
        raise InvalidInput("a repeating coupon needs a whole number of periods >= 1",
                           field="periods")
    row: Row = {"tenant_id": tenant, "id": coupon_id, "name": str(doc.get("name") or coupon_id),
                "kind": kind, "duration": duration,
                "periods": periods if duration == "repeating" else None,
                "amount": None, "currency": None, "percent": None, "created_ms": now_ms}
    if kind == "fixed":
        row["currency"] = currency_code(doc.get("currency", "EUR"))
        row["amount"] = to_decimal(doc.get("amount"), "amount")
        if row["amount"] <= 0:
            raise InvalidInput("must be above 0", field="amount")
        if row["amount"] != round_money(row["amount"], row["currency"]):
            raise InvalidInput(f"must be in whole {row['currency']} minor units "
                               f"({currency_exponent(row['currency'])} decimals at most)",
                               field="amount")
    else:
        row["percent"] = to_decimal(doc.get("percent"), "percent")
        if not 0 < row["percent"] <= 100:
            raise InvalidInput("must be above 0 and at most 100", field="percent")
    if uow.conn.execute(select(coupons.c.id).where(coupons.c.tenant_id == tenant,
                                                   coupons.c.id == coupon_id)).first():
        raise Conflict(f"coupon {coupon_id!r} exists", field="id")
    uow.conn.execute(coupons.insert().values(**row))
    uow.commit()
    return _coupon_view(row)


def _coupon_view(row: Row) -> Row:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()
            if k != "tenant_id"}


def apply_coupon(uow: UnitOfWork, now_ms: int, tenant: str, subscription_id: str,
                 coupon_id: str) -> Row:
    coupon = uow.conn.execute(select(coupons).where(
        coupons.c.tenant_id == tenant, coupons.c.id == coupon_id)).mappings().first()
    if coupon is None:
        raise NotFound(f"no coupon {coupon_id!r}", field="coupon")
    # locked: two coupons applied at once still get distinct places in the order
    if billing_store.get_subscription(uow.conn, tenant, subscription_id, lock=True) is None:
        raise NotFound(f"no subscription {subscription_id!r}", field="subscription")
    applied = uow.conn.execute(select(coupon_redemptions.c.coupon_id,
                                      coupon_redemptions.c.sequence).where(
        coupon_redemptions.c.tenant_id == tenant,
        coupon_redemptions.c.subscription_id == subscription_id)).all()
    if any(row[0] == coupon_id for row in applied):
        raise Conflict(f"coupon {coupon_id!r} is already applied", field="coupon")
    uow.conn.execute(coupon_redemptions.insert().values(
        tenant_id=tenant, coupon_id=coupon_id, subscription_id=subscription_id,
        applied_periods=0, remaining=coupon["amount"], created_ms=now_ms,
        sequence=max((row[1] for row in applied), default=0) + 1))
    uow.commit()
    return {"coupon": coupon_id, "subscription": subscription_id}


def discounts_for(uow: UnitOfWork, tenant: str, subscription_id: str,
                  currency: str) -> list[Discount]:
    rows = uow.conn.execute(select(coupons, coupon_redemptions.c.applied_periods,
                                   coupon_redemptions.c.remaining).join(
        coupon_redemptions, (coupon_redemptions.c.tenant_id == coupons.c.tenant_id)
        & (coupon_redemptions.c.coupon_id == coupons.c.id)).where(
        coupons.c.tenant_id == tenant, coupon_redemptions.c.subscription_id == subscription_id,
    ).order_by(coupon_redemptions.c.created_ms, coupon_redemptions.c.sequence)).mappings().all()
    # the order they were applied in (then the order they were recorded), never their names
    out: list[Discount] = []
    for r in rows:
        if r["duration"] == "once" and r["kind"] == "percentage" and r["applied_periods"] >= 1:
            continue
        if r["duration"] == "repeating" and r["applied_periods"] >= (r["periods"] or 0):
            continue
        if r["kind"] == "percentage":
            out.append(Discount(r["id"], r["name"], percent=r["percent"]))
        elif r["currency"] == currency:
            left = r["remaining"] if r["duration"] == "once" else r["amount"]
            if left and left > 0:
                out.append(Discount(r["id"], r["name"], amount=left))
    return out


def record_use(uow: UnitOfWork, now_ms: int, tenant: str, customer: str,
               subscription_id: str | None, invoice_id: str, totals: Totals) -> None:
    """What an invoice used: a period of each coupon that applied, fixed amounts spent, and
    prepaid credit."""
    currency = _currency(uow, tenant, invoice_id)
    coupons_used = discounts_for(uow, tenant, subscription_id, currency) \
        if subscription_id else []
    for discount in coupons_used:
        used = totals.discounts_used.get(discount.coupon_id)
        if used is None:
            continue
        values: Row = {"applied_periods": coupon_redemptions.c.applied_periods + 1}
        if discount.amount is not None:  # computed here: SQLite arithmetic would use floats
            values["remaining"] = discount.amount - used
        uow.conn.execute(update(coupon_redemptions).where(
            coupon_redemptions.c.tenant_id == tenant,
            coupon_redemptions.c.coupon_id == discount.coupon_id,
            coupon_redemptions.c.subscription_id == subscription_id).values(**values))
    if totals.credit_used > 0:
        _wallet_entry(uow, tenant, customer, currency, "consumed",
                      -totals.credit_used, now_ms, invoice_id=invoice_id,
                      note=f"applied to invoice {invoice_id}")


def _currency(uow: UnitOfWork, tenant: str, invoice_id: str) -> str:
    return str(uow.conn.execute(select(invoices.c.currency).where(
        invoices.c.tenant_id == tenant, invoices.c.id == invoice_id)).scalar_one())


# wallets --------------------------------------------------------------------------------------

def wallet_entries(uow: UnitOfWork, tenant: str, customer: str, currency: str) -> list[Row]:
    return [dict(r) for r in uow.conn.execute(select(wallet_transactions).where(
        wallet_transactions.c.tenant_id == tenant, wallet_transactions.c.customer_id == customer,
        wallet_transactions.c.currency == currency,
    ).order_by(wallet_transactions.c.created_ms, wallet_transactions.c.id)).mappings()]


def wallet_balance(uow: UnitOfWork, tenant: str, customer: str, currency: str,
                   at_ms: int) -> Decimal:
    return balance([Entry(r["created_ms"], r["amount"], r["expires_ms"])
                    for r in wallet_entries(uow, tenant, customer, currency)], at_ms)


def top_up(uow: UnitOfWork, now_ms: int, tenant: str, customer: str, doc: Row) -> Row:
    """Add prepaid credit; `idempotency_key` makes a retried request safe."""
    if registry.get_customer(uow.conn, tenant, customer) is None:
        raise NotFound(f"no customer {customer!r}", field="customer")
    key = doc.get("idempotency_key")
    if not isinstance(key, str) or not key:
        raise InvalidInput("required, so that a retried top-up is not credited twice",
                           field="idempotency_key")
    currency = currency_code(doc.get("currency", "EUR"))
    amount = round_money(to_decimal(doc.get("amount"), "amount"), currency)
    if amount <= 0:
        raise InvalidInput("must be above 0", field="amount")
    expires = doc.get("expires_ms")
    if expires is not None and (not isinstance(expires, int) or expires <= now_ms):
        raise InvalidInput("must be a future time in epoch ms", field="expires_ms")
    existing = _by_key(uow, tenant, key)
    if existing is not None:
        return _entry_view(existing)
    row = _wallet_entry(uow, tenant, customer, currency, "top_up", amount, now_ms,
                        expires_ms=expires, key=key, note=str(doc.get("note", "top-up")))
    uow.commit()
    return _entry_view(row)


def _by_key(uow: UnitOfWork, tenant: str, key: str) -> Row | None:
    row = uow.conn.execute(select(wallet_transactions).where(
        wallet_transactions.c.tenant_id == tenant,
        wallet_transactions.c.idempotency_key == key)).mappings().first()
    return dict(row) if row else None


def _wallet_entry(uow: UnitOfWork, tenant: str, customer: str, currency: str, kind: str,
                  amount: Decimal, now_ms: int, *, expires_ms: int | None = None,
                  invoice_id: str | None = None, key: str | None = None,
                  note: str = "") -> Row:
    row = {"tenant_id": tenant, "id": f"wtx_{uuid.uuid4().hex[:20]}", "customer_id": customer,
           "currency": currency, "kind": kind, "amount": amount, "expires_ms": expires_ms,
           "invoice_id": invoice_id, "idempotency_key": key, "note": note, "created_ms": now_ms}
    uow.conn.execute(wallet_transactions.insert().values(**row))
    return row


def _entry_view(row: Row) -> Row:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()
            if k not in ("tenant_id",)}


def wallet(uow: UnitOfWork, tenant: str, customer: str, currency: str, now_ms: int) -> Row:
    currency = currency_code(currency)
    return {"customer": customer, "currency": currency,
            "balance": str(wallet_balance(uow, tenant, customer, currency, now_ms)),
            "transactions": [_entry_view(r) for r in
                             wallet_entries(uow, tenant, customer, currency)]}


# credit notes ---------------------------------------------------------------------------------

def issue_credit_note(uow: UnitOfWork, now_ms: int, tenant: str, invoice_id: str, doc: Row,
                      *, commit: bool = True) -> Row:
    """Credit (part of) a finalized invoice: to the customer's wallet, or as a refund."""
    invoice = billing_store.get_invoice(uow.conn, tenant, invoice_id, lock=True)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id!r}", field="invoice")
    if invoice["status"] not in ("finalized", "paid"):
        raise Conflict(f"invoice is {invoice['status']}; only finalized or paid invoices can "
                       "be credited", field="invoice")
    key = doc.get("idempotency_key")
    if isinstance(key, str) and key:
        found = uow.conn.execute(select(credit_notes).where(
            credit_notes.c.tenant_id == tenant,
            credit_notes.c.idempotency_key == key)).mappings().first()
        if found:
            return _note_view(dict(found))
    currency = invoice["currency"]
    amount = round_money(to_decimal(doc.get("amount"), "amount"), currency)
    if amount <= 0:
        raise InvalidInput("must be above 0", field="amount")
    if amount > invoice["total"] - invoice["credited"]:
        raise InvalidInput(f"at most {invoice['total'] - invoice['credited']} is left to credit",
                           field="amount")
    tax = Decimal(0)
    if invoice["total"]:
        tax = round_money(Fraction(amount) * Fraction(invoice["tax"]) / Fraction(invoice["total"]),
                          currency)  # the credit's share of the tax, exact until rounded
    refund = bool(doc.get("refund", False))
    number = f"CN-{billing_store.next_invoice_number(uow.conn, tenant[:96] + '#cn'):06d}"
    row = {"tenant_id": tenant, "id": f"cn_{uuid.uuid4().hex[:20]}", "number": number,
           "invoice_id": invoice_id, "customer_id": invoice["customer_id"],
           "reason": str(doc.get("reason") or "credit"), "currency": currency,
           "amount": amount, "tax": tax, "refund": int(refund),
           "idempotency_key": key if isinstance(key, str) and key else None,
           "lines": json.dumps(doc.get("lines", []), default=str), "created_ms": now_ms}
    uow.conn.execute(credit_notes.insert().values(**row))
    billing_store.update_invoice(uow.conn, tenant, invoice_id,
                                 {"credited": invoice["credited"] + amount})
    if not refund:
        _wallet_entry(uow, tenant, invoice["customer_id"], currency, "credit", amount, now_ms,
                      invoice_id=invoice_id, note=f"credit note {number}")
    billing_store.emit(uow.conn, tenant, f"credit_note.created:{row['id']}",
                       "credit_note.created", {"credit_note": _note_view(row)}, now_ms)
    if commit:
        uow.commit()
    return _note_view(row)


def _note_view(row: Row) -> Row:
    view = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()
            if k not in ("tenant_id", "idempotency_key")}
    view["refund"] = bool(row["refund"])
    view["lines"] = json.loads(row["lines"]) if isinstance(row["lines"], str) else row["lines"]
    return view


def list_credit_notes(uow: UnitOfWork, tenant: str, invoice_id: str | None = None) -> list[Row]:
    stmt = select(credit_notes).where(credit_notes.c.tenant_id == tenant)
    if invoice_id is not None:
        stmt = stmt.where(credit_notes.c.invoice_id == invoice_id)
    return [_note_view(dict(r)) for r in uow.conn.execute(
        stmt.order_by(credit_notes.c.created_ms)).mappings()]
