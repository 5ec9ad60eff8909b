"""Tiered models: graduated, volume and graduated percentage.

Invariants: tier i covers (up_to[i-1], up_to[i]], the first starting at 0; a graduated quantity
is split into slices that add up to it exactly, and only tiers holding a positive slice get a
line (and their flat fee); at quantity 0 only the first tier's flat fee can be charged, and only
when `flat_fee_at_zero`; a negative quantity is usage of nothing and charges nothing. Callers
run these inside the exact decimal context of `engine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from monetiot.domain.pricing.charges import (
    GraduatedCharge,
    GraduatedPercentageCharge,
    RateTier,
    Tier,
    VolumeCharge,
)
from monetiot.domain.pricing.result import FLAT_FEE, TIER, ChargeLine, TierRef


class _Bounded(Protocol):
    @property
    def up_to(self) -> Decimal | None: ...

    @property
    def flat_fee(self) -> Decimal: ...


def _refs(tiers: Sequence[_Bounded]) -> list[TierRef]:
    refs: list[TierRef] = []
    lower = Decimal(0)
    for index, tier in enumerate(tiers):
        refs.append(TierRef(index=index, lower=lower, up_to=tier.up_to))
        if tier.up_to is not None:
            lower = tier.up_to
    return refs


def _slices(tiers: Sequence[_Bounded], quantity: Decimal) -> list[tuple[TierRef, Decimal]]:
    """The tiers holding part of `quantity`, each with the part it holds."""
    held: list[tuple[TierRef, Decimal]] = []
    for ref in _refs(tiers):
        if quantity <= ref.lower:
            break
        top = quantity if ref.up_to is None else min(quantity, ref.up_to)
        held.append((ref, top - ref.lower))
    return held


def _flat_fee(tier: _Bounded, ref: TierRef) -> list[ChargeLine]:
    return [ChargeLine(kind=FLAT_FEE, amount=tier.flat_fee, tier=ref)] if tier.flat_fee else []


def _fee_at_zero(tiers: Sequence[_Bounded], flat_fee_at_zero: bool) -> list[ChargeLine]:
    return _flat_fee(tiers[0], _refs(tiers)[0]) if flat_fee_at_zero else []


def graduated_lines(charge: GraduatedCharge, quantity: Decimal) -> list[ChargeLine]:
    if quantity == 0:
        return _fee_at_zero(charge.tiers, charge.flat_fee_at_zero)
    lines: list[ChargeLine] = []
    for ref, units in _slices(charge.tiers, quantity):
        tier: Tier = charge.tiers[ref.index]
        lines.append(
            ChargeLine(
                kind=TIER,
                tier=ref,
                quantity=units,
                unit_price=tier.unit_price,
                amount=units * tier.unit_price,
            )
        )
        lines.extend(_flat_fee(tier, ref))
    return lines


def volume_lines(charge: VolumeCharge, quantity: Decimal) -> list[ChargeLine]:
    if quantity == 0:
        return _fee_at_zero(charge.tiers, charge.flat_fee_at_zero)
    if quantity < 0:
        return []
    ref = next(r for r in _refs(charge.tiers) if r.up_to is None or quantity <= r.up_to)
    tier = charge.tiers[ref.index]
    unit_line = ChargeLine(
        kind=TIER,
        tier=ref,
        quantity=quantity,
        unit_price=tier.unit_price,
        amount=quantity * tier.unit_price,
    )
    return [unit_line, *_flat_fee(tier, ref)]


def graduated_percentage_lines(
    charge: GraduatedPercentageCharge, total: Decimal
) -> list[ChargeLine]:
    if total == 0:
        return _fee_at_zero(charge.tiers, charge.flat_fee_at_zero)
    lines: list[ChargeLine] = []
    for ref, value in _slices(charge.tiers, total):
        tier: RateTier = charge.tiers[ref.index]
        lines.append(
            ChargeLine(
                kind=TIER,
                tier=ref,
                quantity=value,
                rate=tier.rate,
                amount=value * tier.rate / 100,
            )
        )
        lines.extend(_flat_fee(tier, ref))
    return lines
