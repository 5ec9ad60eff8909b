"""Pricing an outcome: shared savings, guaranteed savings, and service credits of an SLA.

Invariants: every fee is exact (products and sums of exact decimals; percentages divide by 100,
which terminates); it is rounded once, on the invoice line, never here. A fee limited by a floor
or cap says which one limited it. A credit is a negative fee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Context, Decimal
from fractions import Fraction

from monetiot.domain.money import EXACT
from monetiot.domain.outcomes.contract import Band, GuaranteedSavings, SharedSavings, Sla
from monetiot.domain.outcomes.regression import PLACES

ZERO = Decimal(0)
HUNDRED = Decimal(100)
_CUT = Context(prec=60, rounding=ROUND_DOWN)


@dataclass(frozen=True, slots=True)
class Fee:
    """The amount of one period (exact; negative for a credit) and how it was computed."""

    amount: Decimal
    steps: dict[str, object] = field(default_factory=dict)
    limited_by: str | None = None
    shortfall: Decimal = ZERO
    band: Band | None = None


def negative(value: Decimal) -> Decimal:
    """-value exactly, and a plain 0 (never -0) for zero."""
    return EXACT.minus(value) if value else ZERO


def percent_of(value: Decimal, percent: Decimal) -> Decimal:
    return EXACT.divide(EXACT.multiply(value, percent), HUNDRED)


def limited(raw: Decimal, floor: Decimal | None, cap: Decimal | None) -> tuple[Decimal, str | None]:
    if floor is not None and raw < floor:
        return floor, "floor"
    if cap is not None and raw > cap:
        return cap, "cap"
    return raw, None


def shared_savings(pricing: SharedSavings, savings: Decimal) -> Fee:
    value = EXACT.multiply(savings, pricing.unit_value)
    raw = percent_of(value, pricing.share_percent)
    amount, by = limited(raw, pricing.floor, pricing.cap)
    return Fee(amount, {
        "share_percent": pricing.share_percent, "unit_value": pricing.unit_value,
        "value_of_savings": value, "share": raw, "floor": pricing.floor, "cap": pricing.cap,
        "limited_by": by,
    }, limited_by=by)


def guaranteed_savings(pricing: GuaranteedSavings, savings: Decimal) -> Fee:
    shortfall = max(EXACT.subtract(pricing.guarantee, savings), ZERO)
    excess = max(EXACT.subtract(savings, pricing.guarantee), ZERO)
    credit = EXACT.multiply(shortfall, pricing.unit_value)
    share = percent_of(EXACT.multiply(excess, pricing.unit_value), pricing.share_percent)
    raw = EXACT.subtract(EXACT.add(pricing.fee, share), credit)
    amount, by = limited(raw, pricing.floor, pricing.cap)
    return Fee(amount, {
        "guarantee": pricing.guarantee, "unit_value": pricing.unit_value,
        "shortfall": shortfall, "shortfall_credit": negative(credit),
        "fee": pricing.fee, "excess": excess, "share_percent": pricing.share_percent,
        "excess_share": share, "floor": pricing.floor, "cap": pricing.cap, "limited_by": by,
    }, limited_by=by, shortfall=shortfall)


def availability(connected_minutes: Decimal, possible_minutes: int) -> Fraction:
    """Percent of the possible device-minutes in which devices were heard from (exact)."""
    return Fraction(connected_minutes) * 100 / possible_minutes


def published(percent: Fraction) -> Decimal:
    """Availability cut (not rounded) to `PLACES` decimals: the cut figure lands in the same
    band as the exact one, since band limits have fewer decimals."""
    exact = _CUT.divide(Decimal(percent.numerator), Decimal(percent.denominator))
    return exact.quantize(Decimal(1).scaleb(-PLACES), rounding=ROUND_DOWN)


def band_of(bands: tuple[Band, ...], percent: Fraction) -> Band:
    return next(b for b in bands if percent >= Fraction(b.min_availability))


def sla(pricing: Sla, percent: Fraction) -> Fee:
    band = band_of(pricing.bands, percent)
    credit = percent_of(pricing.fee, band.credit_percent)
    amount = EXACT.subtract(pricing.fee, credit) if pricing.bill_fee else negative(credit)
    return Fee(amount, {
        "band": {"min_availability": band.min_availability,
                 "credit_percent": band.credit_percent},
        "service_fee": pricing.fee, "credit": negative(credit),
        "bill_fee": pricing.bill_fee,
    }, band=band)
