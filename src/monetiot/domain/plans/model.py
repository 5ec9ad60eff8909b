"""The plan: what a subscription is charged and what it may use, as validated, immutable data.

Invariants (kept by `parse_plan`; build plans through it): ids are 1-100 letters, digits or
_ . - (starting with a letter or digit) and charge ids are unique across the whole plan; every
price and amount is an exact, non-negative `Decimal`; `currency` is an upper-case ISO 4217 code
and every usage charge is priced in it; `instalments` is >= 1 (1: paid at once); feature names
are unique and sorted, limits are sorted by name. A plan carries no version: versions belong to
the catalog, which stores each distinct document once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from monetiot.domain.pricing import Charge

ZERO = Decimal(0)
ONE = Decimal(1)


BUSINESS_MODELS = ("product_sale", "subscription", "data_monetization", "pay_per_use",
                   "platform", "outcome_based", "asset_sharing", "hybrid")


class BillingPeriod(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


class OneTimeKind(StrEnum):
    DEVICE_SALE = "device_sale"
    ACTIVATION = "activation"
    INSTALLATION = "installation"
    OTHER = "other"


class Per(StrEnum):
    """What a one-time charge is counted per."""

    DEVICE = "device"  # each device newly assigned during the period
    SUBSCRIPTION = "subscription"  # once, in the first period


class RecurringKind(StrEnum):
    FLAT = "flat"
    PER_ACTIVE_DEVICE = "per_active_device"
    PER_SEAT = "per_seat"


class Timing(StrEnum):
    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"


@dataclass(frozen=True, kw_only=True)
class OneTimeCharge:
    """`amount` per device (or per subscription), optionally split into `instalments`."""

    id: str
    name: str
    kind: OneTimeKind
    amount: Decimal
    per: Per
    instalments: int = 1


@dataclass(frozen=True, kw_only=True)
class RecurringCharge:
    """`price` per billing period (per device-period, per seat for those kinds)."""

    id: str
    name: str
    kind: RecurringKind
    price: Decimal
    timing: Timing = Timing.IN_ARREARS


@dataclass(frozen=True, kw_only=True)
class UsageCharge:
    """`charge` prices the period's usage of `meter` beyond the first `included` units."""

    id: str
    name: str
    meter: str
    charge: Charge
    included: Decimal = ZERO
    alerts: tuple[Decimal, ...] = ()  # quantities whose crossing emits usage.threshold_reached


@dataclass(frozen=True, kw_only=True)
class Entitlements:
    """Features the plan switches on, and numeric limits (what a limit counts, and over which
    window, is up to the code enforcing it: `api.calls` per period, `devices` at any time)."""

    features: tuple[str, ...] = ()
    limits: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Plan:
    id: str
    name: str
    currency: str
    billing_period: BillingPeriod
    description: str = ""
    trial_days: int = 0
    minimum_commitment: Decimal | None = None
    # usage charges of an open period that trigger an interim invoice when they reach this
    progressive_billing_threshold: Decimal | None = None
    # the IoT business model the plan implements (a label for reporting), when the operator says
    business_model: str | None = None
    one_time: tuple[OneTimeCharge, ...] = ()
    recurring: tuple[RecurringCharge, ...] = ()
    usage: tuple[UsageCharge, ...] = ()
    entitlements: Entitlements = field(default_factory=Entitlements)

    def has_feature(self, feature: str) -> bool:
        return feature in self.entitlements.features

    def limit(self, name: str) -> Decimal | None:
        """The limit called `name`, or None when the plan sets none (unlimited)."""
        return self.entitlements.limits.get(name)
