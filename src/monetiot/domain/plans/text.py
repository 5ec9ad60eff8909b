"""A rating as plain text a person can check by hand (golden tests and `monetiot plans preview`).

One row per line: kind, charge id, what was counted times what it costs, and the rounded amount,
right-aligned; usage lines are followed by the charge engine's steps (one per tier, fee or
true-up) with their exact amounts; the last row is the total, the sum of the rounded amounts.
Numbers are written exactly, with thousands separated by commas (1,250.5).

    instalment  meter_hw  Smart meter, instalment 1 of 12: 3 devices x 24.91 = 74.73    74.73
    recurring   devices   Active devices: 42.25 device-periods x 1.50 = 63.3750     63.38
    usage       energy    Energy: 1,250 energy_kwh, 100 included, 1,150 billable  165.00
                            tier 1 (up to 1,000): 1,000 x 0.15 = 150.00
                            tier 2 (over 1,000): 150 x 0.10 = 15.00
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from monetiot.domain.plans.model import Plan
from monetiot.domain.plans.rating import MINIMUM_TRUE_UP, USAGE, PeriodRating, RatedLine
from monetiot.domain.pricing import ChargeLine, TierRef

_PLAIN_UNITS = ("period", "subscription")  # "1 x 49": the count needs no noun


def rating_text(plan: Plan, rating: PeriodRating) -> str:
    rows = [(line.kind, line.charge_id, _what(line), number(line.amount_due), _steps(line))
            for line in rating.lines]
    total = number(rating.total)
    kind_w = max((len(r[0]) for r in rows), default=0)
    id_w = max((len(r[1]) for r in rows), default=0)
    what_w = max((len(r[2]) for r in rows), default=0)
    amount_w = max([len(total), *(len(r[3]) for r in rows)])
    out = [_header(plan, rating), ""]
    indent = " " * (kind_w + id_w + 4 + 2)
    for kind, charge_id, what, due, steps in rows:
        out.append(f"{kind:<{kind_w}}  {charge_id:<{id_w}}  {what:<{what_w}}  {due:>{amount_w}}")
        out.extend(indent + step for step in steps)
    label = f"total {rating.currency}"
    width = kind_w + id_w + what_w + 4 if rows else len(label)
    out.append(f"{label:>{width}}  {total:>{amount_w}}")
    return "\n".join(line.rstrip() for line in out) + "\n"


def number(value: Decimal) -> str:
    return format(value, ",f")


def _header(plan: Plan, rating: PeriodRating) -> str:
    head = f"plan {plan.id} ({plan.name}), {plan.currency}, billed {plan.billing_period.value}"
    period = f"period {rating.period_index}"
    if rating.end_ms > rating.start_ms:
        period += f", {_when(rating.start_ms)} to {_when(rating.end_ms)}"
    if rating.in_trial:
        period += ", in trial"
    return f"{head}\n{period}"


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%MZ")


def _what(line: RatedLine) -> str:
    if line.kind == USAGE:
        counted = f"{number(line.quantity)} {line.unit}"
        if line.included:
            counted += f", {number(line.included)} included"
        if line.billable is not None and line.billable != line.quantity:
            counted += f", {number(line.billable)} billable"
        return f"{line.description}: {counted}"
    if line.kind == MINIMUM_TRUE_UP:
        return (f"{line.description}: {number(line.minimum or Decimal(0))} less "
                f"{number(line.counted or Decimal(0))} charged = {number(line.amount)}")
    unit_price = number(line.unit_price or Decimal(0))
    return (f"{line.description}: {_count(line.quantity, line.unit)} x {unit_price} "
            f"= {number(line.amount)}")


def _count(quantity: Decimal, unit: str) -> str:
    if unit in _PLAIN_UNITS:
        return number(quantity)
    return f"{number(quantity)} {unit}{'' if quantity == 1 else 's'}"


def _steps(line: RatedLine) -> list[str]:
    return [f"{_step(step)} = {number(step.amount)}" for step in line.explanation]


def _step(step: ChargeLine) -> str:
    quantity = number(step.quantity) if step.quantity is not None else ""
    times = (f"{quantity} x {number(step.rate)} %" if step.rate is not None
             else f"{quantity} x {number(step.unit_price or Decimal(0))}")
    transaction = "" if step.transaction is None else f"transaction {step.transaction + 1}"
    match step.kind:
        case "tier":
            return f"{_tier(step.tier)}: {times}" if step.tier else times
        case "flat_fee":
            return f"{_tier(step.tier)} flat fee" if step.tier else "flat fee"
        case "flat":
            return "flat"
        case "unit":
            return times
        case "package":
            return f"{quantity} packages x {number(step.unit_price or Decimal(0))}"
        case "percentage":
            return f"{transaction}: {times}"
        case "fixed_fee":
            return f"{transaction} fixed fee"
        case "min_fee":
            return f"{transaction}: {times}, raised to the minimum fee"
        case "max_fee":
            return f"{transaction}: {times}, lowered to the maximum fee"
        case "minimum_true_up":
            return "charge minimum true-up"
        case _:
            return step.kind


def _tier(ref: TierRef | None) -> str:
    if ref is None:
        return "tier"
    if ref.up_to is None:
        bounds = f"over {number(ref.lower)}"
    elif ref.lower == 0:
        bounds = f"up to {number(ref.up_to)}"
    else:
        bounds = f"{number(ref.lower)} to {number(ref.up_to)}"
    return f"tier {ref.index + 1} ({bounds})"
