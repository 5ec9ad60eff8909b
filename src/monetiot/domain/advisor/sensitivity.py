"""Sensitivity: which assumptions move the answer. Each one, 20 % lower and 20 % higher.

Every assumption that is not zero is moved by -20 % and +20 % alone, everything else kept, and
every model is simulated again (prices and savings per unit by replaying the usage through the
re-priced plans, everything else from the same replays). A row keeps each model's NPV at both
ends and the model that wins there: when it is not today's winner, that assumption moves the
answer. Rows are sorted by how far they swing the winner's NPV (the tornado).

Shares stay shares: churn and revenue shares are capped at 1, payment resistance at 0.99.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from monetiot.domain.advisor.assumptions import Assumptions, Costs
from monetiot.domain.advisor.models import scaled_plan
from monetiot.domain.money import EXACT

STEP = Decimal("0.2")
LOW, HIGH = Decimal(1) - STEP, Decimal(1) + STEP
_MAX_RESISTANCE = Decimal("0.99")

Scale = Callable[[Assumptions, Decimal], Assumptions]


@dataclass(frozen=True)
class Lever:
    key: str
    label: str
    scale: Scale
    base: Callable[[Assumptions], Decimal | None]  # the value shown; None: per model


@dataclass(frozen=True, kw_only=True)
class Swing:
    key: str
    label: str
    base: Decimal | None
    low: dict[str, Decimal]  # model id -> NPV at -20 %
    high: dict[str, Decimal]  # model id -> NPV at +20 %
    winner_low: str
    winner_high: str

    def moves_answer(self, winner: str) -> bool:
        return self.winner_low != winner or self.winner_high != winner

    def swing(self, model_id: str) -> Decimal:
        return abs(self.high[model_id] - self.low[model_id])


def _times(value: Decimal, k: Decimal, cap: Decimal | None = None) -> Decimal:
    scaled = EXACT.multiply(value, k)
    return scaled if cap is None else min(scaled, cap)


def _cost(name: str, label: str) -> Lever:
    def scale(a: Assumptions, k: Decimal) -> Assumptions:
        changes: dict[str, Any] = {name: _times(getattr(a.costs, name), k,
                                                Decimal(1) if "rate" in name else None)}
        costs: Costs = replace(a.costs, **changes)
        if name != "acquisition_per_customer":
            return replace(a, costs=costs)
        models = tuple(replace(m, acquisition_per_customer=_times(m.acquisition_per_customer, k))
                       for m in a.models)
        return replace(a, costs=costs, models=models)

    def base(a: Assumptions) -> Decimal | None:
        value: Decimal = getattr(a.costs, name)
        if name == "acquisition_per_customer" and any(
                m.acquisition_per_customer != value for m in a.models):
            return None
        return value

    return Lever(name, label, scale, base)


def _field(name: str, label: str, cap: Decimal | None = None) -> Lever:
    def scale(a: Assumptions, k: Decimal) -> Assumptions:
        changes: dict[str, Any] = {name: _times(getattr(a, name), k, cap)}
        return replace(a, **changes)

    return Lever(name, label, scale, lambda a: getattr(a, name))


def _per_model(name: str, label: str, cap: Decimal) -> Lever:
    def scale(a: Assumptions, k: Decimal) -> Assumptions:
        models = []
        for m in a.models:
            changes: dict[str, Any] = {name: _times(getattr(m, name), k, cap)}
            models.append(replace(m, **changes))
        return replace(a, models=tuple(models))

    def base(a: Assumptions) -> Decimal | None:
        values = {getattr(m, name) for m in a.models}
        return values.pop() if len(values) == 1 else None

    return Lever(name, label, scale, base)


def _prices(a: Assumptions, k: Decimal) -> Assumptions:
    return replace(a, models=tuple(replace(m, plan=scaled_plan(m.plan, k)) for m in a.models))


LEVERS: tuple[Lever, ...] = (
    _cost("hardware_per_device", "Hardware per device"),
    _cost("acquisition_per_customer", "Customer acquisition cost"),
    _per_model("churn", "Churn", Decimal(1)),
    _per_model("payment_resistance", "Payment resistance", _MAX_RESISTANCE),
    Lever("prices", "Every price point", _prices, lambda a: None),
    _cost("connectivity_per_device_month", "Connectivity per device-month"),
    _cost("connectivity_per_mb", "Connectivity per MB"),
    _cost("cloud_per_event", "Cloud cost per event"),
    _cost("security_per_device_month", "Security per device-month"),
    _cost("support_per_customer_month", "Support per customer-month"),
    _cost("payment_fee_rate", "Payment fee rate"),
    _cost("payment_fee_per_bill", "Payment fee per bill"),
    _field("data_revenue_per_device_month", "Data-product revenue per device-month"),
    _field("data_revenue_share", "Data revenue share paid away", Decimal(1)),
    _field("partner_fees_per_device_month", "Partner fees per device-month"),
    _field("savings_per_unit", "Savings per unit (outcome)"),
    _field("discount_rate", "Discount rate"),
)


def matters(lever: Lever, a: Assumptions) -> bool:
    """Whether moving the lever can change anything (20 % of zero is zero)."""
    if lever.key == "prices":
        return True
    return lever.scale(a, HIGH) != a


def tornado(a: Assumptions, winner: str,
            npvs: Callable[[Assumptions], dict[str, Decimal]]) -> tuple[Swing, ...]:
    """The swing of every lever that matters, the winner's widest first."""
    swings = []
    for lever in LEVERS:
        if not matters(lever, a):
            continue
        low, high = npvs(lever.scale(a, LOW)), npvs(lever.scale(a, HIGH))
        swings.append(Swing(key=lever.key, label=lever.label, base=lever.base(a), low=low,
                            high=high, winner_low=_best(low), winner_high=_best(high)))
    return tuple(sorted(swings, key=lambda s: (-s.swing(winner), s.key)))


def _best(npvs: dict[str, Decimal]) -> str:
    return min(npvs, key=lambda model_id: (-npvs[model_id], model_id))
