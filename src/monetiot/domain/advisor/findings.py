"""Findings in plain words: why a model ranks where it does, and where it fails.

Reasons state what a model does well (its NPV against the best, when its cash flow turns
positive, what a customer earns each month, LTV/CAC, payback). Failures state where it breaks,
with the figure that breaks it: losing money for N months at the hardware or acquisition cost
paid up front, never breaking even, a negative monthly margin, LTV/CAC below 3, customers lost
to payment resistance, customers paying much more than buying outright, prices that must rise.
The winner's findings also say which assumptions, moved by 20 %, would change the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from monetiot.domain.advisor.assumptions import Assumptions
from monetiot.domain.advisor.economics import money, ratio
from monetiot.domain.advisor.sensitivity import Swing
from monetiot.domain.advisor.simulation import Simulation
from monetiot.domain.money import QUOTIENT

GOOD_LTV_TO_CAC = Decimal(3)
EXPENSIVE_TCO = Decimal("1.25")  # customers pay 25 % more than buying outright
FINE_POINTS = ("unit_price", "savings_share")


@dataclass(frozen=True)
class Findings:
    reasons: tuple[str, ...]
    failures: tuple[str, ...]


def findings(s: Simulation, ranked: Sequence[Simulation], a: Assumptions,
             outright: Decimal | None, swings: Sequence[Swing]) -> Findings:
    return Findings(tuple(_reasons(s, ranked, a, swings)),
                    tuple(_failures(s, a, outright)))


def amount(value: Decimal, currency: str) -> str:
    return f"{format(money(value, currency), ',f')} {currency}"


def _reasons(s: Simulation, ranked: Sequence[Simulation], a: Assumptions,
             swings: Sequence[Swing]) -> list[str]:
    cur, best, horizon = s.spec.plan.currency, ranked[0], a.horizon_months
    out = []
    if s is best:
        out.append(f"the highest net present value over {horizon} months: "
                   f"{amount(s.npv, cur)}")
    else:
        out.append(f"net present value {amount(s.npv, cur)} over {horizon} months, "
                   f"{amount(best.npv - s.npv, cur)} less than {best.spec.name}")
    if s.break_even_month is not None:
        out.append(f"the cumulative cash flow turns positive in month {s.break_even_month}"
                   if s.break_even_month > 1 else "the cash flow is positive from the first "
                   "month")
    if s.margin_per_month > 0:
        out.append(f"a customer earns {amount(s.margin_per_month, cur)} a month after "
                   "running costs")
    ltv_to_cac = s.ltv_to_cac
    if ltv_to_cac is not None and ltv_to_cac >= GOOD_LTV_TO_CAC:
        out.append(f"LTV/CAC {ltv_to_cac}: a customer brings {ltv_to_cac} times what winning "
                   "it costs")
    if s.cac_payback_months is not None:
        out.append(f"hardware and acquisition are paid back after {s.cac_payback_months} "
                   f"month{'s' if s.cac_payback_months > 1 else ''} of a customer's margin")
    if s is best:
        out += _what_moves_it(s, ranked, swings)
    return out


def _what_moves_it(s: Simulation, ranked: Sequence[Simulation],
                   swings: Sequence[Swing]) -> list[str]:
    names = {r.spec.id: r.spec.name for r in ranked}
    out = []
    for swing in swings:
        for winner, direction in ((swing.winner_low, "lower"), (swing.winner_high, "higher")):
            if winner != s.spec.id:
                out.append(f"the answer changes to {names[winner]} if "
                           f"{swing.label.lower()} is 20 % {direction}")
    if not out:
        out.append("no assumption moved by 20 % changes the answer")
    return out


def _failures(s: Simulation, a: Assumptions, outright: Decimal | None) -> list[str]:
    cur, name, horizon = s.spec.plan.currency, s.spec.name, a.horizon_months
    out = []
    if s.break_even_month is None:
        out.append(f"{name} never breaks even within {horizon} months: "
                   f"{amount(-s.cumulative[-1], cur)} short at the end")
    elif s.months_losing_money > 0:
        out.append(f"{name} loses money for {s.months_losing_money} months at this "
                   f"{_upfront(s)}")
    typical = s.typical
    if s.margin_per_month < 0:
        out.append(f"{name} loses {amount(-typical.margin, cur)} per customer every month: "
                   f"running costs of {amount(typical.running_costs, cur)} against revenue of "
                   f"{amount(typical.revenue, cur)}")
    ltv_to_cac = s.ltv_to_cac
    if s.ltv <= 0:
        out.append(f"a customer is worth less than nothing: LTV {amount(s.ltv, cur)}")
    elif ltv_to_cac is not None and ltv_to_cac < GOOD_LTV_TO_CAC:
        out.append(f"LTV/CAC of {ltv_to_cac} is below {GOOD_LTV_TO_CAC}: winning a customer "
                   "costs too much for what it brings")
    if s.cac_payback_months is None and s.cac + s.hardware > 0:
        out.append(f"a customer does not pay back its hardware and acquisition within "
                   f"{horizon} months")
    if s.spec.payment_resistance > 0:
        share = ratio(s.spec.payment_resistance * 100).normalize()
        out.append(f"{format(share, 'f')} % of prospects refuse recurring bills: winning a "
                   f"customer costs {amount(s.cac, cur)} instead of "
                   f"{amount(s.spec.acquisition_per_customer, cur)}")
    if outright is not None and outright > 0 and s.tco > outright * EXPENSIVE_TCO:
        times = ratio(QUOTIENT.divide(s.tco, outright))
        out.append(f"a customer pays {times} times the price of buying outright over "
                   f"{horizon} months ({amount(s.tco, cur)} against {amount(outright, cur)})")
    factor = s.break_even_price_factor
    if factor is not None and factor > 1:
        rise = ratio((factor - 1) * 100)
        out.append(f"prices must rise {rise} % to break even over {horizon} months"
                   + _at_price(s, factor))
    return out


def _upfront(s: Simulation) -> str:
    """The cost paid up front that the monthly margin has to earn back: the larger one."""
    cur = s.spec.plan.currency
    if s.hardware >= s.cac:
        return f"hardware cost ({amount(s.hardware, cur)} per customer)"
    return f"acquisition cost ({amount(s.cac, cur)} per customer)"


def _at_price(s: Simulation, factor: Decimal) -> str:
    headline = s.spec.headline
    if headline is None:
        return ""
    point, value = headline
    at = break_even_price(value, factor, point, s.spec.plan.currency)
    return f" ({point} {format(at, 'f')} instead of {format(value, 'f')})"


def break_even_price(value: Decimal, factor: Decimal, point: str, currency: str) -> Decimal:
    """The headline price point at the break-even price level: money rounded to the minor
    unit, but prices per unit of use and shares to 4 places (they are often below a cent)."""
    scaled = QUOTIENT.multiply(value, factor)
    if point in FINE_POINTS:
        return scaled.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) + 0
    return money(scaled, currency)
