"""Schemas of plans (documents, versions, applies) and of a plan's period preview."""

from __future__ import annotations

from pydantic import Field

from monetiot.web.schemas.base import (
    Decimal,
    DecimalIn,
    Document,
    JsonObject,
    Paged,
    Response,
    TimeIn,
    Timestamp,
)


class PlanIn(Document):
    """A plan in the pricing language (docs/plans.md); the plan parser checks every part and
    names the field at fault. Money and quantities: decimal text or exact JSON numbers."""

    id: str | None = Field(None, description="Must be the path's plan id when given")
    name: str | None = None
    description: str | None = None
    currency: str | None = None
    billing_period: str | None = Field(None, description="monthly, quarterly, yearly, ...")
    trial_days: int | None = None
    minimum_commitment: DecimalIn | None = None
    progressive_billing_threshold: DecimalIn | None = None
    business_model: str | None = None
    one_time: list[JsonObject] | None = None
    recurring: list[JsonObject] | None = None
    usage: list[JsonObject] | None = None
    entitlements: JsonObject | None = None


class PlanApplied(Response):
    plan: str
    version: int
    created: bool = Field(description="False when the latest version says the same")
    fingerprint: str


class PlanSummary(Response):
    id: str
    name: str
    latest_version: int
    created: Timestamp
    created_ms: int


class PlanList(Paged):
    plans: list[PlanSummary]


class PlanVersionSummary(Response):
    version: int
    fingerprint: str
    created: Timestamp
    created_ms: int


class Plan(Response):
    id: str
    name: str
    version: int
    latest_version: int
    fingerprint: str
    created: Timestamp
    created_ms: int
    document: JsonObject = Field(description="The plan document as applied")
    versions: list[PlanVersionSummary]


class PeriodUsage(Document):
    """One period's inputs (docs/plans.md): quantities as decimal text or exact numbers."""

    period_index: int | None = Field(None, description="Default 0")
    start: TimeIn | None = None
    end: TimeIn | None = None
    in_trial: bool | None = None
    usage: dict[str, DecimalIn] | None = Field(None, description="Meter -> quantity")
    active_devices: DecimalIn | None = Field(None, description="Device-periods")
    seats: DecimalIn | None = None
    new_devices: DecimalIn | None = None
    earlier_new_devices: list[DecimalIn] | None = None
    period_factor: DecimalIn | None = None
    advance_period_factor: DecimalIn | None = None


class PricedLine(Response):
    """A line of a charge's price (by tier, by transaction, ...)."""

    kind: str
    tier: int | None = None
    from_: Decimal | None = Field(None, alias="from")
    up_to: Decimal | None = None
    transaction: int | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    rate: Decimal | None = None
    amount: Decimal | None = None


class RatedLine(Response):
    kind: str
    charge_id: str
    name: str
    description: str
    timing: str | None = None
    instalment: int | None = None
    instalments: int | None = None
    meter: str | None = None
    quantity: Decimal
    unit: str
    included: Decimal | None = None
    billable: Decimal | None = None
    unit_price: Decimal | None = None
    minimum: Decimal | None = None
    counted: Decimal | None = None
    explanation: list[PricedLine] | None = None
    amount: Decimal
    amount_due: Decimal
    covers_start: Timestamp | None = None
    covers_start_ms: int | None
    covers_end: Timestamp | None = None
    covers_end_ms: int | None


class PlanPreview(Response):
    version: int
    plan: str
    currency: str
    period_index: int
    start: Timestamp
    start_ms: int
    end: Timestamp = Field(description="Exclusive")
    end_ms: int
    in_trial: bool
    lines: list[RatedLine]
    total: Decimal
