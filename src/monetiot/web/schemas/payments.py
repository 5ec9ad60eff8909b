"""Schemas of payments, refunds and webhook endpoints and deliveries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from monetiot.web.schemas.base import Decimal, DecimalIn, Paged, Request, Response, Timestamp

Method = Literal["manual", "bank_transfer", "card", "direct_debit"]


class PaymentCreate(Request):
    amount: DecimalIn = Field(description="At most what is due, in the invoice's currency")
    idempotency_key: str = Field(max_length=100, description=(
        "Required: a retried request answers with the first payment"))
    method: Method = "manual"
    reference: str | None = Field(None, max_length=200)
    currency: str | None = Field(None, description="Must be the invoice's, when given")


class RefundCreate(Request):
    amount: DecimalIn
    idempotency_key: str = Field(max_length=100)
    method: Method | None = Field(None, description="Default: the payment's")
    reference: str | None = Field(None, max_length=200)


class Payment(Response):
    id: str
    invoice: str
    kind: Literal["payment", "refund"]
    payment: str | None = Field(None, description="For a refund: the payment it gives back")
    method: str
    provider: str | None
    status: Literal["pending", "succeeded", "failed"]
    currency: str
    amount: Decimal
    created: Timestamp
    created_ms: int
    reference: str | None


class InvoicePayments(Response):
    invoice: str
    status: str
    currency: str
    total: Decimal
    paid: Decimal
    amount_due: Decimal
    payments: list[Payment] = Field(description="Payments and refunds, oldest first (an "
                                                "invoice has few: not paged)")


class WebhookCreate(Request):
    url: str = Field(description="https:// (http:// only for localhost)")
    types: list[str] = Field(default_factory=list, description="Event types; empty: all")


class WebhookEndpoint(Response):
    id: str
    url: str
    types: list[str]
    active: bool
    created: Timestamp
    created_ms: int


class NewWebhookEndpoint(WebhookEndpoint):
    secret: str = Field(description="The HMAC-SHA256 signing secret, shown this once")


class WebhookList(Paged):
    webhooks: list[WebhookEndpoint]


class Delivery(Response):
    id: str
    endpoint: str
    event_id: str
    type: str
    created: Timestamp
    created_ms: int
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt: Timestamp | None = None
    next_attempt_ms: int | None
    last_status_code: int | None
    last_error: str | None
    delivered: Timestamp | None = None
    delivered_ms: int | None


class DeliveryList(Paged):
    """Newest first."""

    deliveries: list[Delivery]
