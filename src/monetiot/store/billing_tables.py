"""Billing tables: subscriptions, invoices, credits, payments, webhooks.

Invariants kept by constraints: one invoice per (subscription, billing boundary, kind); invoice
numbers are unique per tenant and handed out without gaps at finalization (`invoice_counters`);
payments, refunds and wallet transactions are unique on their idempotency keys; a webhook event
is written in the same transaction as the change it reports (outbox), so none is lost.
Amounts are exact (`ExactDecimal`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from monetiot.store.schema import ID, metadata
from monetiot.store.types import ExactDecimal

# A customer's billing settings: tax (a percentage; exclusive adds it on top, inclusive means
# prices already contain it) and payment terms.
customer_billing = Table(
    "customer_billing",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("tax_rate", ExactDecimal, nullable=False),
    Column("tax_inclusive", Integer, nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "customer_id"),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("status", String(12), nullable=False),  # active | paused | canceled
    Column("anchor", String(12), nullable=False),  # calendar | anniversary
    Column("timezone", String(64), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger),
    Column("trial_end_ms", BigInteger),
    Column("seats", Integer, nullable=False),
    Column("billed_until_ms", BigInteger, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
    Index("ix_subscriptions_customer", "tenant_id", "customer_id"),
)

# The plan version in force over time. A plan change closes the open phase and opens another;
# `[start_ms, end_ms)`; the open phase has end_ms NULL.
subscription_phases = Table(
    "subscription_phases",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("subscription_id", String(ID), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger),
    Column("plan_id", String(ID), nullable=False),
    Column("plan_version", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "subscription_id", "start_ms"),
)

# Periods during which the subscription was paused: [start_ms, end_ms), end NULL while paused.
subscription_pauses = Table(
    "subscription_pauses",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("subscription_id", String(ID), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger),
    PrimaryKeyConstraint("tenant_id", "subscription_id", "start_ms"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(40), nullable=False),
    Column("number", String(40)),
    Column("customer_id", String(ID), nullable=False),
    Column("subscription_id", String(ID)),
    Column("kind", String(16), nullable=False),  # period | proration | interim | final
    Column("boundary_ms", BigInteger, nullable=False),
    Column("period_start_ms", BigInteger, nullable=False),
    Column("period_end_ms", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),  # draft | finalized | paid | void
    Column("currency", String(3), nullable=False),
    Column("subtotal", ExactDecimal, nullable=False),
    Column("tax", ExactDecimal, nullable=False),
    Column("total", ExactDecimal, nullable=False),
    Column("credited", ExactDecimal, nullable=False),
    Column("paid", ExactDecimal, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("finalized_ms", BigInteger),
    Column("due_ms", BigInteger),
    Column("paid_ms", BigInteger),
    Column("voided_ms", BigInteger),
    PrimaryKeyConstraint("tenant_id", "id"),
    UniqueConstraint("tenant_id", "subscription_id", "kind", "boundary_ms",
                     name="uq_invoices_once_per_boundary"),
    UniqueConstraint("tenant_id", "number", name="uq_invoices_number"),
    Index("ix_invoices_customer", "tenant_id", "customer_id", "period_start_ms"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("invoice_id", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("charge_id", String(ID)),
    Column("description", Text, nullable=False),
    Column("meter_id", String(ID)),
    Column("quantity", ExactDecimal),
    Column("unit_price", ExactDecimal),
    Column("amount", ExactDecimal, nullable=False),
    Column("amount_due", ExactDecimal, nullable=False),
    Column("tax_rate", ExactDecimal, nullable=False),
    Column("tax_due", ExactDecimal, nullable=False),
    Column("covers_start_ms", BigInteger),
    Column("covers_end_ms", BigInteger),
    Column("details", Text, nullable=False),
    PrimaryKeyConstraint("tenant_id", "invoice_id", "position"),
)

# What usage each period was billed for, to bill late-arriving usage as an adjustment later.
usage_billed = Table(
    "usage_billed",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("subscription_id", String(ID), nullable=False),
    Column("charge_id", String(ID), nullable=False),
    Column("period_start_ms", BigInteger, nullable=False),
    Column("period_end_ms", BigInteger, nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("invoice_id", String(40), nullable=False),
    PrimaryKeyConstraint("tenant_id", "subscription_id", "charge_id", "period_start_ms"),
)

invoice_counters = Table(
    "invoice_counters",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("next_number", BigInteger, nullable=False),
)

# Transactional outbox: webhook events written with the change they report, delivered later.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("event_id", String(300), nullable=False),
    Column("type", String(60), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    UniqueConstraint("tenant_id", "event_id", name="uq_outbox_event"),
)

credit_notes = Table(
    "credit_notes",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(40), nullable=False),
    Column("number", String(40), nullable=False),
    Column("invoice_id", String(40), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("reason", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", ExactDecimal, nullable=False),  # including tax
    Column("tax", ExactDecimal, nullable=False),
    Column("refund", Integer, nullable=False),  # 1: refunded, 0: credited to the wallet
    Column("idempotency_key", String(100)),
    Column("lines", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    UniqueConstraint("tenant_id", "number", name="uq_credit_notes_number"),
    UniqueConstraint("tenant_id", "idempotency_key", name="uq_credit_notes_key"),
)

# A prepaid wallet per customer and currency; its balance is the sum of its transactions.
wallet_transactions = Table(
    "wallet_transactions",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(40), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("kind", String(16), nullable=False),  # top_up | credit | consumed | expired | refund
    Column("amount", ExactDecimal, nullable=False),  # positive in, negative out
    Column("expires_ms", BigInteger),
    Column("invoice_id", String(40)),
    Column("idempotency_key", String(100)),
    Column("note", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    UniqueConstraint("tenant_id", "idempotency_key", name="uq_wallet_key"),
    Index("ix_wallet_customer", "tenant_id", "customer_id", "currency", "created_ms"),
)

coupons = Table(
    "coupons",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(12), nullable=False),  # fixed | percentage
    Column("amount", ExactDecimal),
    Column("currency", String(3)),
    Column("percent", ExactDecimal),
    Column("duration", String(12), nullable=False),  # once | repeating | forever
    Column("periods", Integer),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
)

coupon_redemptions = Table(
    "coupon_redemptions",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("coupon_id", String(ID), nullable=False),
    Column("subscription_id", String(ID), nullable=False),
    Column("applied_periods", Integer, nullable=False),
    Column("remaining", ExactDecimal),  # what is left of a fixed coupon
    Column("created_ms", BigInteger, nullable=False),
    # the order coupons were applied to the subscription in (1, 2, ...): the order they apply
    Column("sequence", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("tenant_id", "coupon_id", "subscription_id"),
)

payments = Table(
    "payments",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(40), nullable=False),
    Column("invoice_id", String(40), nullable=False),
    Column("kind", String(10), nullable=False),  # payment | refund
    Column("method", String(20), nullable=False),  # manual | bank_transfer | card | ...
    Column("provider", String(40)),
    Column("provider_ref", String(200)),
    Column("status", String(12), nullable=False),  # pending | succeeded | failed
    Column("currency", String(3), nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    UniqueConstraint("tenant_id", "idempotency_key", name="uq_payments_key"),
    Index("ix_payments_invoice", "tenant_id", "invoice_id"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(40), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("types", Text, nullable=False),  # JSON list; empty: every type
    Column("active", Integer, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(40), nullable=False),  # the delivery id the receiver dedups on
    Column("endpoint_id", String(40), nullable=False),
    Column("outbox_id", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_ms", BigInteger, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_ms", BigInteger),
    PrimaryKeyConstraint("tenant_id", "id"),
    UniqueConstraint("tenant_id", "endpoint_id", "outbox_id", name="uq_deliveries_once"),
    Index("ix_deliveries_due", "status", "next_attempt_ms"),
)

# Charges priced outside a plan (outcome fees, shared-asset sessions, one-off charges), waiting
# for the customer's next invoice. `id` is the caller's key (e.g. "session:123"), so the same
# charge is never added twice; `invoice_id` is set by the invoice that bills it.
pending_charges = Table(
    "pending_charges",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(200), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("quantity", ExactDecimal),
    Column("unit_price", ExactDecimal),
    Column("amount", ExactDecimal, nullable=False),
    Column("covers_start_ms", BigInteger),
    Column("covers_end_ms", BigInteger),
    Column("details", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("invoice_id", String(40)),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_pending_charges_open", "tenant_id", "customer_id", "invoice_id"),
)
