"""Revenue split: what the platform keeps and what an asset's owner is paid, to the cent.

Every amount collected for a shared asset (a session's charge, a cancellation or no-show fee) is
split into the platform fee (a percentage, set per owner and overridable per asset) and the
owner's payout. `allocate` divides an amount in minor units by weights with the largest-remainder
method: each part is its exact share rounded down to the minor unit, and the units left over go
to the parts with the largest remainders (ties to the earlier part), so the parts always add up
to the amount exactly and the result never depends on anything but its inputs.

An owner's statement lists the items of a period and totals them per currency; its totals are
sums of the items', so collected = platform fee + owner payout holds for every line and total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import currency_exponent

HUNDRED = Decimal(100)

def allocate(amount: Decimal, weights: Sequence[Decimal], exponent: int) -> tuple[Decimal, ...]:
    """`amount` (a multiple of 10^-exponent) in parts proportional to `weights`, summing exactly."""
    unit = Decimal(1).scaleb(-exponent)
    if amount != amount.quantize(unit):
        raise InvalidInput(f"{amount} is not a whole number of minor units", field="amount")
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise InvalidInput("weights must not be negative and must not all be zero",
                           field="weights")
    if amount < 0:
        return tuple(-part for part in allocate(-amount, weights, exponent))
    units = int(amount.scaleb(exponent))
    total = sum((Fraction(w) for w in weights), Fraction(0))
    exact = [units * Fraction(w) / total for w in weights]
    parts = [int(share) for share in exact]  # floor: shares are not negative
    left = units - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return tuple(Decimal(p).scaleb(-exponent).quantize(unit) for p in parts)

@dataclass(frozen=True)
class Split:
    collected: Decimal
    platform_fee_percent: Decimal
    platform_fee: Decimal
    owner_payout: Decimal

def split_revenue(collected: Decimal, platform_fee_percent: Decimal, currency: str) -> Split:
    """The platform's fee and the owner's payout of one collected amount; they add up to it."""
    check_percent(platform_fee_percent, "platform_fee_percent")
    exponent = currency_exponent(currency)
    if platform_fee_percent in (0, HUNDRED) or collected == 0:
        fee = collected if platform_fee_percent == HUNDRED else Decimal(0)
        unit = Decimal(1).scaleb(-exponent)
        return Split(collected, platform_fee_percent, fee.quantize(unit),
                     (collected - fee).quantize(unit))
    fee, payout = allocate(collected, [platform_fee_percent, HUNDRED - platform_fee_percent],
                           exponent)
    return Split(collected, platform_fee_percent, fee, payout)

def check_percent(value: Decimal, field: str) -> Decimal:
    if not 0 <= value <= HUNDRED:
        raise InvalidInput("must be from 0 to 100", field=field)
    return value

@dataclass(frozen=True)
class StatementItem:
    """One collected item of an owner's asset: a session or a booking fee."""

    id: str
    kind: str  # session | cancellation | no_show
    asset: str
    at_ms: int
    currency: str
    collected: Decimal
    platform_fee: Decimal
    owner_payout: Decimal
    energy_kwh: Decimal = Decimal(0)

@dataclass(frozen=True)
class StatementTotal:
    currency: str
    sessions: int
    fees: int
    energy_kwh: Decimal
    collected: Decimal
    platform_fee: Decimal
    owner_payout: Decimal

@dataclass(frozen=True)
class Statement:
    owner: str
    start_ms: int
    end_ms: int
    items: tuple[StatementItem, ...]
    totals: tuple[StatementTotal, ...]

def statement(owner: str, start_ms: int, end_ms: int,
              items: Sequence[StatementItem]) -> Statement:
    """The owner's statement of [start, end): items in time order, totals per currency."""
    ordered = tuple(sorted((i for i in items if start_ms <= i.at_ms < end_ms),
                           key=lambda i: (i.at_ms, i.id)))
    for item in ordered:
        if item.platform_fee + item.owner_payout != item.collected:
            raise InvalidInput(f"item {item.id}: platform fee and payout do not add up to what "
                               "was collected", field="items")
    totals = []
    for currency in sorted({i.currency for i in ordered}):
        mine = [i for i in ordered if i.currency == currency]
        totals.append(StatementTotal(
            currency=currency,
            sessions=sum(1 for i in mine if i.kind == "session"),
            fees=sum(1 for i in mine if i.kind != "session"),
            energy_kwh=sum((i.energy_kwh for i in mine), Decimal(0)),
            collected=sum((i.collected for i in mine), Decimal(0)),
            platform_fee=sum((i.platform_fee for i in mine), Decimal(0)),
            owner_payout=sum((i.owner_payout for i in mine), Decimal(0)),
        ))
    return Statement(owner, start_ms, end_ms, ordered, tuple(totals))
