"""Charges: the typed form of a charge document (spec/pricing.md), one dataclass per model.

Invariants, kept by `parse_charge` (build charges through it): every price, fee, rate and amount
is an exact, non-negative `Decimal`; `currency` is an upper-case ISO 4217 code; tiers are
non-empty, their `up_to` bounds increase strictly from 0 and only the last one is `None`
(unbounded); `package_size` is positive; `min_fee` <= `max_fee` when both are set. Zero-valued
`free_events` and `free_amount` mean "no such allowance".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

ZERO = Decimal(0)

RoundingMode = Literal["round", "ceil", "floor"]
PackageRounding = Literal["up", "down"]


@dataclass(frozen=True, kw_only=True)
class UnitRounding:
    """Round the quantity to `precision` decimal places (negative: to tens, hundreds...)."""

    mode: RoundingMode
    precision: int = 0


@dataclass(frozen=True, kw_only=True)
class Tier:
    """Covers the quantities in (previous `up_to`, `up_to`]; `up_to` None means unbounded."""

    up_to: Decimal | None
    unit_price: Decimal = ZERO
    flat_fee: Decimal = ZERO


@dataclass(frozen=True, kw_only=True)
class RateTier:
    """A graduated-percentage tier: its slice of the total value is charged at `rate` percent."""

    up_to: Decimal | None
    rate: Decimal = ZERO
    flat_fee: Decimal = ZERO


@dataclass(frozen=True, kw_only=True)
class ChargeBase:
    """Fields every model shares."""

    currency: str = "EUR"
    unit_rounding: UnitRounding | None = None
    minimum: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class FlatCharge(ChargeBase):
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class PerUnitCharge(ChargeBase):
    unit_price: Decimal


@dataclass(frozen=True, kw_only=True)
class GraduatedCharge(ChargeBase):
    tiers: tuple[Tier, ...]
    flat_fee_at_zero: bool = True


@dataclass(frozen=True, kw_only=True)
class VolumeCharge(ChargeBase):
    tiers: tuple[Tier, ...]
    flat_fee_at_zero: bool = True


@dataclass(frozen=True, kw_only=True)
class PackageCharge(ChargeBase):
    package_size: Decimal
    package_price: Decimal
    free_units: Decimal = ZERO
    rounding: PackageRounding = "up"


@dataclass(frozen=True, kw_only=True)
class PercentageCharge(ChargeBase):
    rate: Decimal
    fixed_fee: Decimal = ZERO
    free_events: int = 0
    free_amount: Decimal = ZERO
    min_fee: Decimal | None = None
    max_fee: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class GraduatedPercentageCharge(ChargeBase):
    tiers: tuple[RateTier, ...]
    flat_fee_at_zero: bool = True


Charge = (
    FlatCharge
    | PerUnitCharge
    | GraduatedCharge
    | VolumeCharge
    | PackageCharge
    | PercentageCharge
    | GraduatedPercentageCharge
)
"""Any priceable charge."""

TransactionCharge = PercentageCharge | GraduatedPercentageCharge
"""The models whose input is a list of transaction amounts rather than one quantity."""
