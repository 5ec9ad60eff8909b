"""Schemas of subscriptions, billing runs, invoices, credit notes, wallets, coupons, one-off
charges and entitlements."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from monetiot.web.schemas.base import (
    Decimal,
    DecimalIn,
    JsonObject,
    Paged,
    Request,
    Response,
    TimeIn,
    Timestamp,
)

InvoiceStatus = Literal["draft", "finalized", "paid", "void"]
PERIOD = ("Billing periods are half-open: `period_start` is the first instant billed and "
          "`period_end` the first instant after (docs/api.md).")


# subscriptions --------------------------------------------------------------------------------

class SubscriptionCreate(Request):
    id: str | None = Field(None, description="Default: a generated sub_... id")
    customer: str
    plan: str
    version: int | None = Field(None, ge=1, description="Default: the plan's latest version")
    start: TimeIn | None = Field(None, description="When billing starts (default: now)")
    start_ms: int | None = Field(None, ge=0, description="The same as epoch ms (older form)")
    anchor: Literal["calendar", "anniversary"] = "calendar"
    seats: int = Field(0, ge=0)
    trial_days: int | None = Field(None, ge=0, description="Default: the plan's")


class Phase(Response):
    plan: str
    version: int
    start: Timestamp
    start_ms: int
    end: Timestamp | None = None
    end_ms: int | None


class Pause(Response):
    start: Timestamp
    start_ms: int
    end: Timestamp | None = None
    end_ms: int | None


class Subscription(Response):
    id: str
    customer: str
    status: Literal["active", "paused", "canceled"]
    anchor: Literal["calendar", "anniversary"]
    timezone: str
    start: Timestamp
    start_ms: int
    end: Timestamp | None = None
    end_ms: int | None
    trial_end: Timestamp | None = None
    trial_end_ms: int | None
    seats: int
    plan: str
    version: int
    phases: list[Phase]
    pauses: list[Pause]


class SubscriptionList(Paged):
    subscriptions: list[Subscription]


class PlanChange(Request):
    plan: str
    version: int | None = Field(None, ge=1)
    when: Literal["now", "period_end"] | None = Field(
        None, description="Default: upgrades now, downgrades at the period's end")


class Cancellation(Request):
    when: Literal["now", "period_end"] = "period_end"


class CouponApply(Request):
    coupon: str


class CouponApplied(Response):
    coupon: str
    subscription: str


class BillingError(Response):
    tenant: str
    subscription: str
    error: str


class BillingRun(Response):
    subscriptions: int = Field(description="Subscriptions looked at")
    invoices: list[str] = Field(description="Ids of the invoices written")
    errors: list[BillingError]


# invoices -------------------------------------------------------------------------------------

class Invoice(Response):
    __doc__ = "An invoice. " + PERIOD
    _extra_times = (("paid_at", "paid_ms"),)  # `paid` is the amount paid

    id: str
    number: str | None = Field(description="Assigned when finalized")
    customer: str
    subscription: str | None
    kind: str = Field(description="regular, interim, charges, ...")
    status: InvoiceStatus
    currency: str
    period_start: Timestamp
    period_start_ms: int
    period_end: Timestamp
    period_end_ms: int
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    credited: Decimal
    paid: Decimal
    created: Timestamp
    created_ms: int
    finalized: Timestamp | None = None
    finalized_ms: int | None
    due: Timestamp | None = None
    due_ms: int | None
    paid_at: Timestamp | None = Field(None, description="When it was paid in full (the time "
                                                        "beside `paid_ms`)")
    paid_ms: int | None
    voided: Timestamp | None = None
    voided_ms: int | None


class InvoiceLine(Response):
    position: int
    kind: str = Field(description="one_time, instalment, recurring, usage, minimum_true_up, "
                                  "adjustment, discount, credit, ...")
    charge_id: str | None
    description: str
    meter_id: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    amount_due: Decimal
    tax_rate: Decimal
    tax_due: Decimal
    covers_start: Timestamp | None = None
    covers_start_ms: int | None
    covers_end: Timestamp | None = None
    covers_end_ms: int | None
    details: JsonObject = Field(description="What the line was computed from; by kind")


class InvoiceDetail(Invoice):
    lines: list[InvoiceLine]


class InvoiceList(Paged):
    __doc__ = "Invoices by period start, then creation. " + PERIOD

    invoices: list[Invoice]


class OverdueInvoice(Invoice):
    amount_due: Decimal
    days_overdue: int


class OverdueList(Paged):
    """Finalized invoices past their due date, longest overdue first."""

    invoices: list[OverdueInvoice]


class ChargesInvoiced(Response):
    invoice: InvoiceDetail | None = Field(description="Null when nothing was pending")


# credit notes, customer billing, wallets, coupons ---------------------------------------------

class CreditNoteCreate(Request):
    amount: DecimalIn
    reason: str | None = None
    refund: bool = Field(False, description="Refund the money instead of crediting the wallet")
    idempotency_key: str | None = None
    lines: list[JsonObject] | None = None


class CreditNote(Response):
    id: str
    number: str
    invoice_id: str
    customer_id: str
    reason: str
    currency: str
    amount: Decimal
    tax: Decimal
    refund: bool
    lines: list[JsonObject]
    created: Timestamp
    created_ms: int


class CreditNoteList(Paged):
    credit_notes: list[CreditNote]


class CustomerBillingIn(Request):
    tax_rate: DecimalIn | None = Field(None, description="Percent, 0 to below 100")
    tax_inclusive: bool = False
    payment_terms_days: int | None = Field(None, ge=0, le=365)


class CustomerBilling(Response):
    customer: str
    tax_rate: Decimal
    tax_inclusive: bool
    payment_terms_days: int


class TopUpCreate(Request):
    amount: DecimalIn
    currency: str = "EUR"
    idempotency_key: str = Field(description="Required: a retried top-up is credited once")
    expires: TimeIn | None = None
    expires_ms: int | None = Field(None, description="The same as epoch ms (older form)")
    note: str | None = None


class WalletTransaction(Response):
    id: str
    customer_id: str
    currency: str
    kind: str = Field(description="top_up, applied, expired, credit_note, ...")
    amount: Decimal
    expires: Timestamp | None = None
    expires_ms: int | None
    invoice_id: str | None
    idempotency_key: str | None
    note: str | None
    created: Timestamp
    created_ms: int


class Wallet(Response):
    customer: str
    currency: str
    balance: Decimal
    transactions: list[WalletTransaction]


class CouponCreate(Request):
    id: str
    name: str | None = None
    kind: Literal["fixed", "percentage"]
    duration: Literal["once", "repeating", "forever"] = "once"
    periods: int | None = Field(None, ge=1, description="For a repeating coupon")
    amount: DecimalIn | None = Field(None, description="For a fixed coupon")
    currency: str | None = Field(None, description="For a fixed coupon (default EUR)")
    percent: DecimalIn | None = Field(None, description="For a percentage coupon")


class Coupon(Response):
    id: str
    name: str
    kind: Literal["fixed", "percentage"]
    duration: Literal["once", "repeating", "forever"]
    periods: int | None
    amount: Decimal | None
    currency: str | None
    percent: Decimal | None
    created: Timestamp
    created_ms: int


class EntitlementSource(Response):
    subscription: str
    plan: str
    version: int


class Entitlements(Response):
    customer: str
    features: list[str]
    limits: dict[str, Decimal]
    plans: list[EntitlementSource]


# one-off charges ------------------------------------------------------------------------------

class ChargeCreate(Request):
    id: str | None = Field(None, description="Makes the request idempotent")
    kind: Literal["one_off", "outcome", "session", "adjustment"] = "one_off"
    description: str
    amount: DecimalIn
    currency: str = "EUR"
    quantity: DecimalIn | None = None
    unit_price: DecimalIn | None = None
    covers_start: TimeIn | None = None
    covers_start_ms: int | None = Field(None, ge=0)
    covers_end: TimeIn | None = None
    covers_end_ms: int | None = Field(None, ge=0)
    details: JsonObject | None = None


class PendingCharge(Response):
    id: str
    customer: str
    kind: str
    description: str
    currency: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    covers_start: Timestamp | None = None
    covers_start_ms: int | None
    covers_end: Timestamp | None = None
    covers_end_ms: int | None
    details: JsonObject
    created: Timestamp
    created_ms: int
    invoice_id: str | None = Field(description="The invoice that billed it; null while "
                                               "pending")


class PendingChargeList(Paged):
    charges: list[PendingCharge]
