"""Rating: what one billing period of a subscription costs under a plan. Pure.

Billing calls two functions per period, and a preview calls their sum:
- `rate_period(plan, inputs)`: the lines known when the period [start_ms, end_ms) closes:
  one-time charges and instalments, in-arrears recurring charges, usage charges and the
  minimum-commitment true-up;
- `rate_in_advance(plan, inputs)`: the in-advance recurring lines of the period `inputs`
  describes. Billing calls it with the NEXT period's inputs when the current one closes (and with
  period 0's when the subscription starts), so that period is paid before it runs;
- `price_period(plan, inputs)`: everything the period costs (both of the above; the in-advance
  lines count toward the minimum commitment): what previews, golden tests and the advisor use.
Every line covers the period of the inputs it was rated from (`covers_start_ms`,
`covers_end_ms`).

Invariants: arithmetic is exact (a decimal context that raises rather than rounds); each line is
rounded once, half away from zero, at the currency's minor unit (`amount_due`), and a rating's
`total` is the sum of its lines' `amount_due`; a trial period has no recurring, usage or
minimum lines, while one-time charges and instalments still apply (hardware is delivered during
a trial); the instalments of an amount add up to it exactly: each is the amount / N rounded down
to the minor unit, and the last one takes the remainder.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import EXACT, currency_exponent, round_money
from monetiot.domain.plans.model import (
    ONE,
    ZERO,
    OneTimeCharge,
    Per,
    Plan,
    RecurringCharge,
    RecurringKind,
    Timing,
)
from monetiot.domain.pricing import ChargeLine, price

# Line kinds
ONE_TIME = "one_time"
INSTALMENT = "instalment"
RECURRING = "recurring"
USAGE = "usage"
MINIMUM_TRUE_UP = "minimum_true_up"
MINIMUM_CHARGE_ID = "minimum_commitment"

# The one rounding we mean to do, amount_due, runs outside the exact context that forbids it.
_ROUNDING = Context(prec=1000, rounding=ROUND_HALF_UP,
                    traps=[InvalidOperation, DivisionByZero, Overflow])


@dataclass(frozen=True, kw_only=True)
class PeriodInputs:
    """What billing knows about one period of one subscription.

    `active_devices`: in arrears, device-periods, time-weighted (a device active half the period
    counts 0.5); in advance, the devices expected to be active (normally those assigned when the
    period starts). `earlier_new_devices`: devices newly assigned in the periods before this one,
    most recent last (`[-1]` is period `period_index - 1`): per-device instalments need the last
    N - 1 of them. `period_factor`: the fraction of a full period that [start, end) is (a partial
    first or last period), scaling flat and per-seat charges in arrears; `advance_period_factor`:
    the fraction of this period billed in advance (normally 1). `prepaid`: what
    `rate_in_advance` already billed for this period, counted toward the minimum commitment.
    """

    period_index: int
    start_ms: int
    end_ms: int
    in_trial: bool = False
    usage: Mapping[str, Decimal] = field(default_factory=dict)
    active_devices: Decimal = ZERO
    seats: int = 0
    new_devices: int = 0
    earlier_new_devices: tuple[int, ...] = ()
    period_factor: Decimal = ONE
    advance_period_factor: Decimal = ONE
    prepaid: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("period_index", "seats", "new_devices"):
            if getattr(self, name) < 0:
                raise InvalidInput("must not be negative", field=name)
        if self.end_ms < self.start_ms:
            raise InvalidInput("must not be before start", field="end")
        if len(self.earlier_new_devices) > self.period_index:
            raise InvalidInput(f"at most {self.period_index} earlier periods (one per period "
                               "before this one)", field="earlier_new_devices")
        for i, count in enumerate(self.earlier_new_devices):
            if count < 0:
                raise InvalidInput("must not be negative", field=f"earlier_new_devices[{i}]")
        for name in ("active_devices", "period_factor", "advance_period_factor", "prepaid"):
            value: Decimal = getattr(self, name)
            if not value.is_finite() or value < 0:
                raise InvalidInput(f"must be a finite number >= 0, got {value}", field=name)
        for meter, quantity in self.usage.items():
            if not quantity.is_finite():
                raise InvalidInput(f"not a finite number: {quantity}", field=f"usage.{meter}")


@dataclass(frozen=True, kw_only=True)
class RatedLine:
    """One line of a rating: `amount` = `quantity` x `unit_price` (usage: the charge engine's
    `explanation` lines add up to it), exact; `amount_due` is it rounded once.

    `unit` says what `quantity` counts: device, device-period, seat, period, subscription, or
    the meter's units (usage: `quantity` is the metered total, `billable` what is left after the
    `included` allowance and is what the charge priced).
    """

    kind: str  # one_time | instalment | recurring | usage | minimum_true_up
    charge_id: str
    name: str
    quantity: Decimal
    unit: str
    amount: Decimal
    amount_due: Decimal
    covers_start_ms: int
    covers_end_ms: int
    unit_price: Decimal | None = None
    timing: Timing | None = None
    instalment: int | None = None  # 1-based
    instalments: int | None = None
    meter: str | None = None
    included: Decimal | None = None
    billable: Decimal | None = None
    minimum: Decimal | None = None
    counted: Decimal | None = None  # minimum_true_up: the period's charges it tops up
    explanation: tuple[ChargeLine, ...] = ()

    @property
    def description(self) -> str:
        """The line as an invoice would print it, before quantities."""
        if self.kind == INSTALMENT:
            return f"{self.name}, instalment {self.instalment} of {self.instalments}"
        if self.kind == RECURRING and self.timing is Timing.IN_ADVANCE:
            return f"{self.name} (in advance)"
        return self.name


@dataclass(frozen=True, kw_only=True)
class PeriodRating:
    plan_id: str
    currency: str
    period_index: int
    start_ms: int
    end_ms: int
    in_trial: bool
    lines: tuple[RatedLine, ...]
    total: Decimal  # the sum of the lines' amount_due


def rate_period(plan: Plan, inputs: PeriodInputs) -> PeriodRating:
    """The lines of [start, end) known when it closes (everything but in-advance charges)."""
    with _exact():
        lines = _one_time_lines(plan, inputs)
        lines += _recurring_lines(plan, inputs, {Timing.IN_ARREARS})
        lines += _usage_lines(plan, inputs)
        lines += _minimum_lines(plan, inputs, lines, inputs.prepaid)
    return _rating(plan, inputs, lines)


def rate_in_advance(plan: Plan, inputs: PeriodInputs) -> PeriodRating:
    """The in-advance recurring lines of the period `inputs` describes (pass the next period's
    inputs to bill it ahead), scaled by `advance_period_factor`."""
    with _exact():
        lines = _recurring_lines(plan, inputs, {Timing.IN_ADVANCE})
    return _rating(plan, inputs, lines)


def price_period(plan: Plan, inputs: PeriodInputs) -> PeriodRating:
    """Everything the period costs: `rate_period` and `rate_in_advance` of the same inputs, lines
    in plan order (`inputs.prepaid` is ignored: the in-advance lines are here)."""
    with _exact():
        lines = _one_time_lines(plan, inputs)
        lines += _recurring_lines(plan, inputs, {Timing.IN_ADVANCE, Timing.IN_ARREARS})
        lines += _usage_lines(plan, inputs)
        lines += _minimum_lines(plan, inputs, lines, ZERO)
    return _rating(plan, inputs, lines)


def instalment_amount(amount: Decimal, instalments: int, number: int, currency: str) -> Decimal:
    """Instalment `number` (0-based) of `amount` split into `instalments`: amount / N rounded
    down to the minor unit, the last one taking the remainder, so that they add up exactly."""
    if not 0 <= number < instalments:
        raise InvalidInput(f"instalment {number} of {instalments} does not exist")
    exponent = currency_exponent(currency)
    with _exact():
        regular = (amount.scaleb(exponent) // instalments).scaleb(-exponent)
        if number < instalments - 1:
            return regular
        return amount - regular * (instalments - 1)


@contextmanager
def _exact() -> Iterator[None]:
    """The exact decimal context; a result too long to keep exactly is bad input."""
    try:
        with localcontext(EXACT):
            yield
    except DecimalException:
        raise InvalidInput("numbers too large or too precise to rate exactly") from None


def _rating(plan: Plan, inputs: PeriodInputs, lines: Sequence[RatedLine]) -> PeriodRating:
    return PeriodRating(
        plan_id=plan.id, currency=plan.currency, period_index=inputs.period_index,
        start_ms=inputs.start_ms, end_ms=inputs.end_ms, in_trial=inputs.in_trial,
        lines=tuple(lines),
        total=sum((line.amount_due for line in lines), ZERO),
    )


def _line(plan: Plan, inputs: PeriodInputs, *, kind: str, charge_id: str, name: str,
          quantity: Decimal, unit: str, amount: Decimal, **details: Any) -> RatedLine:
    amount = amount if amount else ZERO  # no "-0" nor "0E-8" in a sum
    with localcontext(_ROUNDING):
        due = round_money(amount, plan.currency)
    return RatedLine(
        kind=kind, charge_id=charge_id, name=name, quantity=quantity, unit=unit, amount=amount,
        amount_due=due, covers_start_ms=inputs.start_ms,
        covers_end_ms=inputs.end_ms, **details,
    )


def _one_time_lines(plan: Plan, inputs: PeriodInputs) -> list[RatedLine]:
    lines: list[RatedLine] = []
    for charge in plan.one_time:
        for cohort_index, count in _cohorts(charge, inputs):
            number = inputs.period_index - cohort_index  # 0-based instalment of this cohort
            if number >= charge.instalments:
                continue
            unit = "device" if charge.per is Per.DEVICE else "subscription"
            quantity = Decimal(count)
            if charge.instalments == 1:
                lines.append(_line(
                    plan, inputs, kind=ONE_TIME, charge_id=charge.id, name=charge.name,
                    quantity=quantity, unit=unit, unit_price=charge.amount,
                    amount=quantity * charge.amount))
                continue
            each = instalment_amount(charge.amount, charge.instalments, number, plan.currency)
            lines.append(_line(
                plan, inputs, kind=INSTALMENT, charge_id=charge.id, name=charge.name,
                quantity=quantity, unit=unit, unit_price=each, amount=quantity * each,
                instalment=number + 1, instalments=charge.instalments))
    return lines


def _cohorts(charge: OneTimeCharge, inputs: PeriodInputs) -> list[tuple[int, int]]:
    """(period index, count) of what the charge is counted on, oldest first, counts > 0."""
    if charge.per is Per.SUBSCRIPTION:
        return [(0, 1)]
    earlier = inputs.earlier_new_devices
    first = inputs.period_index - len(earlier)
    cohorts = [(first + i, count) for i, count in enumerate(earlier)]
    cohorts.append((inputs.period_index, inputs.new_devices))
    return [(index, count) for index, count in cohorts if count > 0]


def _recurring_lines(plan: Plan, inputs: PeriodInputs, timings: set[Timing]) -> list[RatedLine]:
    if inputs.in_trial:
        return []
    lines: list[RatedLine] = []
    for charge in plan.recurring:
        if charge.timing not in timings:
            continue
        quantity, unit = _recurring_quantity(charge, inputs)
        if quantity == 0:
            continue
        lines.append(_line(
            plan, inputs, kind=RECURRING, charge_id=charge.id, name=charge.name,
            quantity=quantity, unit=unit, unit_price=charge.price,
            amount=quantity * charge.price, timing=charge.timing))
    return lines


def _recurring_quantity(charge: RecurringCharge, inputs: PeriodInputs) -> tuple[Decimal, str]:
    factor = (inputs.advance_period_factor if charge.timing is Timing.IN_ADVANCE
              else inputs.period_factor)
    match charge.kind:
        case RecurringKind.FLAT:
            return factor, "period"
        case RecurringKind.PER_SEAT:
            return Decimal(inputs.seats) * factor, "seat"
        case RecurringKind.PER_ACTIVE_DEVICE:
            if charge.timing is Timing.IN_ADVANCE:
                return inputs.active_devices * factor, "device"
            return inputs.active_devices, "device-period"


def _usage_lines(plan: Plan, inputs: PeriodInputs) -> list[RatedLine]:
    if inputs.in_trial:
        return []
    lines: list[RatedLine] = []
    for charge in plan.usage:
        used = inputs.usage.get(charge.meter, ZERO)
        billable = max(used - charge.included, ZERO)
        result = price(charge.charge, billable)
        lines.append(_line(
            plan, inputs, kind=USAGE, charge_id=charge.id, name=charge.name, quantity=used,
            unit=charge.meter, amount=result.amount, meter=charge.meter,
            included=charge.included, billable=result.quantity, explanation=result.lines))
    return lines


def _minimum_lines(plan: Plan, inputs: PeriodInputs, lines: Sequence[RatedLine],
                   prepaid: Decimal) -> list[RatedLine]:
    """A true-up bringing the period's recurring and usage charges (one-time charges and
    instalments do not count) up to the plan's minimum commitment."""
    minimum = plan.minimum_commitment
    if minimum is None or inputs.in_trial:
        return []
    counted = prepaid + sum((line.amount_due for line in lines
                             if line.kind in (RECURRING, USAGE)), ZERO)
    if counted >= minimum:
        return []
    return [_line(plan, inputs, kind=MINIMUM_TRUE_UP, charge_id=MINIMUM_CHARGE_ID,
                  name="Minimum commitment", quantity=ONE, unit="period",
                  amount=minimum - counted, minimum=minimum, counted=counted)]
