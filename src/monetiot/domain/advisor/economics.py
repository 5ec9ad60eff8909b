"""Unit economics: the formulas of docs/advisor.md, each small enough to check by hand.

Per customer, for month `a` of its life (a = 0 is the month it was won):
- survival  s(a) = (1 - churn)^a: the chance it is still a customer in that month;
- discount  d(a) = 1 / (1 + rate / 12)^a, with the yearly discount rate split evenly over months;
- margin    m(a) = revenue(a) - running costs(a) (hardware and acquisition are paid once, up
  front, and are not running costs);
- LTV       = sum over the horizon of m(a) x s(a) x d(a), less the hardware per customer;
- effective CAC = CAC / (1 - payment resistance): the same spend wins fewer customers when a
  share of prospects refuses recurring bills;
- CAC payback = the number of months a customer who stays needs for its cumulative margin,
  less the hardware, to cover the effective CAC;
- break-even month = the first month from which the cumulative cash flow stays >= 0.

Precision: quotients and powers keep 34 significant digits (`QUOTIENT`); every money figure
reported is rounded once, half up, to the currency's minor unit (`money`); ratios are rounded to
two places (`ratio`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

from monetiot.domain.money import QUOTIENT, round_money

ZERO = Decimal(0)
ONE = Decimal(1)
TWELVE = Decimal(12)
RATIO = Decimal("0.01")


def survival(churn: Decimal, age: int) -> Decimal:
    with localcontext(QUOTIENT):
        return (ONE - churn) ** age


def discount_factor(yearly_rate: Decimal, month: int) -> Decimal:
    with localcontext(QUOTIENT):
        return ONE / (ONE + yearly_rate / TWELVE) ** month


def effective_cac(cac: Decimal, resistance: Decimal) -> Decimal:
    with localcontext(QUOTIENT):
        return cac / (ONE - resistance)


def ltv(margins: Sequence[Decimal], hardware: Decimal, churn: Decimal,
        yearly_rate: Decimal) -> Decimal:
    """Customer lifetime value over `len(margins)` months (exact to 34 digits, not rounded)."""
    with localcontext(QUOTIENT):
        total = sum((m * survival(churn, a) * discount_factor(yearly_rate, a)
                     for a, m in enumerate(margins)), ZERO)
        return total - hardware


def cac_payback(margins: Sequence[Decimal], hardware: Decimal, cac: Decimal) -> int | None:
    """Months until a customer who stays has earned back hardware and CAC; None: not within
    the horizon."""
    earned = -hardware
    with localcontext(QUOTIENT):
        for age, margin in enumerate(margins):
            earned += margin
            if earned >= cac:
                return age + 1
    return None


def break_even_month(cumulative: Sequence[Decimal]) -> int | None:
    """The first month (1-based) from which the cumulative cash flow stays >= 0; None when it
    ends below 0."""
    month = None
    for index, value in enumerate(cumulative):
        if value < 0:
            month = None
        elif month is None:
            month = index + 1
    return month


def npv(cash_flows: Sequence[Decimal], yearly_rate: Decimal) -> Decimal:
    """Net present value of monthly cash flows, the first month undiscounted (not rounded)."""
    with localcontext(QUOTIENT):
        return sum((c * discount_factor(yearly_rate, t) for t, c in enumerate(cash_flows)),
                   ZERO)


def money(value: Decimal, currency: str) -> Decimal:
    """A money figure as reported: rounded once, half up, at the currency's minor unit."""
    with localcontext(QUOTIENT):
        return round_money(value, currency) + 0  # + 0: no "-0.00"


def ratio(value: Decimal) -> Decimal:
    with localcontext(QUOTIENT):
        return value.quantize(RATIO, rounding=ROUND_HALF_UP) + 0


def average(values: Sequence[Decimal]) -> Decimal:
    with localcontext(QUOTIENT):
        return sum(values, ZERO) / len(values) if values else ZERO
