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

Invariants: arithmetic is exact (a decimal context that raises rather than rounds, and
`Fraction`s for shares of a period and time-weighted device counts, so that 21.03 x 25/30 is
17.525 exactly); each line is rounded once, half away from zero, at the currency's minor unit
(`amount_due`, from the exact amount), and a rating's `total` is the sum of its lines'
`amount_due`; a line's amount at or beyond the largest amount monetiot bills is an `OutOfRange`
error naming the charge; a trial period has no recurring, usage or minimum lines, while
one-time charges and instalments still apply (hardware is delivered during a trial); the
minimum commitment is prorated like a flat fee (`period_factor`); the instalments of an amount
add up to it exactly: each is the amount / N rounded down to the minor unit, and the last one
takes the remainder.
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
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from typing import Any

from monetiot.domain.errors import InvalidInput, OutOfRange
from monetiot.domain.money import (
    EXACT,
    check_amount,
    currency_exponent,
    fraction_decimal,
    round_money,
)
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
    first or last period), scaling flat and per-seat charges in arrears and the minimum
    commitment; `advance_period_factor`: the fraction of this period billed in advance (normally
    1). Shares and device counts may be exact `Fraction`s (billing passes days over days): they
    are never divided out before the line is rounded. `prepaid`: what `rate_in_advance` already
    billed for this period, counted toward the minimum commitment.
    """

    period_index: int
    start_ms: int
    end_ms: int
    in_trial: bool = False
    usage: Mapping[str, Decimal] = field(default_factory=dict)
    active_devices: Decimal | Fraction = ZERO
    seats: int = 0
    new_devices: int = 0
    earlier_new_devices: tuple[int, ...] = ()
    period_factor: Decimal | Fraction = ONE
    advance_period_factor: Decimal | Fraction = ONE
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
            value: Decimal | Fraction = getattr(self, name)
            if (isinstance(value, Decimal) and not value.is_finite()) or value < 0:
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
    minimum: Decimal | None = None  # minimum_true_up: the commitment, prorated to the period
    counted: Decimal | None = None  # minimum_true_up: the period's charges it tops up
    explanation: tuple[ChargeLine, ...] = ()
    # the amount as an exact ratio when it is a quotient (a prorated fee, device-time over a
    # period): `amount` then shows it as a decimal, and `amount_due` was rounded from this
    exact: Fraction | None = None
    share: Fraction | None = None  # the share of a period a prorated line bills (25/30)

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
        raise OutOfRange("numbers too large or too precise to rate exactly") from None


def _fraction(value: Decimal | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def _times(*factors: Decimal | Fraction | int) -> Decimal | Fraction:
    """The exact product: a Decimal with the digits decimal arithmetic gives (49.00 x 1 is
    49.00, 21.03 x 25/30 is 17.525) whenever it terminates, else the Fraction itself."""
    decimal = Decimal(1)
    numerator, denominator = 1, 1
    for factor in factors:
        if isinstance(factor, Fraction):
            numerator *= factor.numerator
            denominator *= factor.denominator
        else:
            decimal *= factor
    if denominator == 1:
        return decimal * numerator
    try:
        return EXACT.divide(decimal * numerator, Decimal(denominator))
    except Inexact:
        return Fraction(decimal) * Fraction(numerator, denominator)


def _rating(plan: Plan, inputs: PeriodInputs, lines: Sequence[RatedLine]) -> PeriodRating:
    return PeriodRating(
        plan_id=plan.id, currency=plan.currency, period_index=inputs.period_index,
        start_ms=inputs.start_ms, end_ms=inputs.end_ms, in_trial=inputs.in_trial,
        lines=tuple(lines),
        total=sum((line.amount_due for line in lines), ZERO),
    )


def _line(plan: Plan, inputs: PeriodInputs, *, kind: str, charge_id: str, name: str,
          quantity: Decimal | Fraction, unit: str, amount: Decimal | Fraction,
          **details: Any) -> RatedLine:
    """One line; `amount` (and `quantity`) may be an exact Fraction: it is rounded once from it,
    and shown as a decimal."""
    check_amount(amount, field=charge_id, what=f"amount of {kind} line {charge_id!r}")
    exact = None
    if isinstance(amount, Fraction):
        if amount.denominator != 1:
            exact = amount
        amount = fraction_decimal(amount)
    if isinstance(quantity, Fraction):
        quantity = fraction_decimal(quantity)
    amount = amount if amount else ZERO  # no "-0" nor "0E-8" in a sum
    with localcontext(_ROUNDING):
        due = round_money(exact if exact is not None else amount, plan.currency)
    return RatedLine(
        kind=kind, charge_id=charge_id, name=name, quantity=quantity, unit=unit, amount=amount,
        amount_due=due, covers_start_ms=inputs.start_ms,
        covers_end_ms=inputs.end_ms, exact=exact, **details,
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
        quantity, unit, share = _recurring_quantity(charge, inputs)
        if quantity == 0:
            continue
        lines.append(_line(
            plan, inputs, kind=RECURRING, charge_id=charge.id, name=charge.name,
            quantity=quantity, unit=unit, unit_price=charge.price,
            amount=_times(quantity, charge.price), timing=charge.timing,
            share=share if share != 1 else None))
    return lines


def _recurring_quantity(charge: RecurringCharge, inputs: PeriodInputs,
                        ) -> tuple[Decimal | Fraction, str, Fraction | None]:
    """The exact quantity a recurring charge bills, its unit, and the share of the period."""
    factor = (inputs.advance_period_factor if charge.timing is Timing.IN_ADVANCE
              else inputs.period_factor)
    share = _fraction(factor)
    devices = inputs.active_devices
    match charge.kind:
        case RecurringKind.FLAT:
            return factor, "period", share
        case RecurringKind.PER_SEAT:
            return _times(inputs.seats, factor), "seat", share
        case RecurringKind.PER_ACTIVE_DEVICE:
            if charge.timing is Timing.IN_ADVANCE:
                return _times(devices, factor), "device", share
            return devices, "device-period", None


def _usage_lines(plan: Plan, inputs: PeriodInputs) -> list[RatedLine]:
    if inputs.in_trial:
        return []
    lines: list[RatedLine] = []
    for charge in plan.usage:
        used = inputs.usage.get(charge.meter, ZERO)
        billable = max(used - charge.included, ZERO)
        try:
            result = price(charge.charge, billable)
        except OutOfRange as exc:  # name the charge: the engine knows only its amount
            raise OutOfRange(f"usage charge {charge.id!r}: {exc.message}",
                             field=charge.id) from None
        lines.append(_line(
            plan, inputs, kind=USAGE, charge_id=charge.id, name=charge.name, quantity=used,
            unit=charge.meter, amount=result.amount, meter=charge.meter,
            included=charge.included, billable=result.quantity, explanation=result.lines))
    return lines


def _minimum_lines(plan: Plan, inputs: PeriodInputs, lines: Sequence[RatedLine],
                   prepaid: Decimal) -> list[RatedLine]:
    """A true-up bringing the period's recurring and usage charges (one-time charges and
    instalments do not count) up to the plan's minimum commitment, prorated like a flat fee:
    a period billed for 25 of its 30 days commits to 25/30 of the minimum."""
    if plan.minimum_commitment is None or inputs.in_trial:
        return []
    share = _fraction(inputs.period_factor)
    minimum = _times(plan.minimum_commitment, inputs.period_factor)
    counted = prepaid + sum((line.amount_due for line in lines
                             if line.kind in (RECURRING, USAGE)), ZERO)
    if counted >= minimum:
        return []
    shown = minimum if isinstance(minimum, Decimal) else fraction_decimal(minimum)
    amount = (minimum - counted if isinstance(minimum, Decimal)
              else minimum - Fraction(counted))
    return [_line(plan, inputs, kind=MINIMUM_TRUE_UP, charge_id=MINIMUM_CHARGE_ID,
                  name="Minimum commitment", quantity=ONE if share == 1 else share,
                  unit="period", amount=amount, minimum=shown, counted=counted,
                  share=share if share != 1 else None)]
