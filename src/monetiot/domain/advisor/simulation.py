"""One model, month by month: a customer's revenue and costs, then the cohort's cash flow.

`simulate(spec, replay, assumptions)` turns a replay (what the customers are billed, per month
of life) into:
- per customer (`UnitMonth`, one per month of life): revenue = billed + data-product revenue +
  partner fees; running costs = connectivity + cloud + security + support + payment fees +
  the data revenue share paid away; margin = revenue - running costs;
- per calendar month of the horizon (`CohortMonth`): the customers won (prospects x (1 -
  payment resistance)) in the first month and every later one, shrinking by churn, with the
  hardware and acquisition paid when a customer is won.

Device-bound amounts (hardware, connectivity per device, security, data revenue and partner
fees per device) are divided by `customers_per_asset`. Payment fees apply to what customers are
billed, not to data or partner revenue. Each month's revenue, costs and acquisition are rounded
once to the minor unit; gross margin, cash flow and the cumulative cash flow are sums of those
rounded figures, so a reader can add them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from monetiot.domain.advisor.assumptions import Assumptions
from monetiot.domain.advisor.economics import (
    ONE,
    ZERO,
    average,
    break_even_month,
    cac_payback,
    discount_factor,
    effective_cac,
    ltv,
    money,
    npv,
    ratio,
    survival,
)
from monetiot.domain.advisor.models import ModelSpec
from monetiot.domain.advisor.replay import Replay
from monetiot.domain.money import QUOTIENT


@dataclass(frozen=True, kw_only=True)
class UnitMonth:
    """One month of one customer's life (averaged over the profiles), exact to 34 digits."""

    billed: Decimal
    data_revenue: Decimal
    partner_fees: Decimal
    connectivity: Decimal
    cloud: Decimal
    security: Decimal
    support: Decimal
    payment_fees: Decimal
    revenue_share: Decimal

    @property
    def revenue(self) -> Decimal:
        with localcontext(QUOTIENT):
            return self.billed + self.data_revenue + self.partner_fees

    @property
    def running_costs(self) -> Decimal:
        with localcontext(QUOTIENT):
            return (self.connectivity + self.cloud + self.security + self.support
                    + self.payment_fees + self.revenue_share)

    @property
    def margin(self) -> Decimal:
        with localcontext(QUOTIENT):
            return self.revenue - self.running_costs


@dataclass(frozen=True, kw_only=True)
class CohortMonth:
    month: int  # 1-based
    customers: Decimal  # expected customers during the month (churn makes them fractional)
    revenue: Decimal
    costs: Decimal  # running costs and hardware
    acquisition: Decimal
    billed: Decimal  # the part of revenue customers are billed (not rounded)

    @property
    def gross_margin(self) -> Decimal:
        return self.revenue - self.costs

    @property
    def cash_flow(self) -> Decimal:
        return self.gross_margin - self.acquisition


@dataclass(frozen=True, kw_only=True)
class Simulation:
    spec: ModelSpec
    units: tuple[UnitMonth, ...]
    hardware: Decimal  # per customer, when won
    cac: Decimal  # effective, per customer won
    ltv: Decimal  # rounded
    cac_payback_months: int | None
    months: tuple[CohortMonth, ...]
    cumulative: tuple[Decimal, ...]
    npv: Decimal  # rounded
    break_even_month: int | None
    price_slope: Decimal  # NPV gained per +100 % on every price (billed revenue net of fees)
    tco: Decimal  # what a customer who stays the horizon is billed, rounded

    @property
    def ltv_to_cac(self) -> Decimal | None:
        return None if self.cac == 0 else ratio(QUOTIENT.divide(self.ltv, self.cac))

    @property
    def typical(self) -> UnitMonth:
        """The average month of life after the first (which carries one-time charges)."""
        later = self.units[1:] or self.units
        return UnitMonth(**{name: average([getattr(u, name) for u in later])
                            for name in UnitMonth.__dataclass_fields__})

    @property
    def margin_per_month(self) -> Decimal:
        return money(self.typical.margin, self.spec.plan.currency)

    @property
    def months_losing_money(self) -> int:
        end = len(self.months) if self.break_even_month is None else self.break_even_month - 1
        return sum(1 for c in self.cumulative[:end] if c < 0)

    @property
    def break_even_price_factor(self) -> Decimal | None:
        """The price level (1 = today's) at which the NPV is 0, found on the straight line
        NPV(k) = NPV + (k - 1) x price_slope; None without billed revenue."""
        if self.price_slope <= 0:
            return None
        with localcontext(QUOTIENT):
            factor = max(ZERO, ONE - self.npv / self.price_slope)
        return factor.quantize(Decimal("0.0001")) + 0


def simulate(spec: ModelSpec, replay: Replay, a: Assumptions) -> Simulation:
    currency = spec.plan.currency
    units = tuple(unit_month(spec, replay, age, a) for age in range(len(replay.months)))
    with localcontext(QUOTIENT):
        hardware = a.costs.hardware_per_device / spec.customers_per_asset
    cac = effective_cac(spec.acquisition_per_customer, spec.payment_resistance)
    months = cohort(spec, units, hardware, a)
    cumulative: list[Decimal] = []
    for m in months:
        cumulative.append((cumulative[-1] if cumulative else ZERO) + m.cash_flow)
    margins = [u.margin for u in units]
    with localcontext(QUOTIENT):
        slope = sum((discount_factor(a.discount_rate, i) * m.billed
                     for i, m in enumerate(months)), ZERO) * (ONE - a.costs.payment_fee_rate)
    return Simulation(
        spec=spec, units=units, hardware=hardware, cac=cac,
        ltv=money(ltv(margins, hardware, spec.churn, a.discount_rate), currency),
        cac_payback_months=cac_payback(margins, hardware, cac),
        months=months, cumulative=tuple(cumulative),
        npv=money(npv([m.cash_flow for m in months], a.discount_rate), currency),
        break_even_month=break_even_month(cumulative),
        price_slope=slope,
        tco=money(sum((u.billed for u in units), ZERO), currency),
    )


def unit_month(spec: ModelSpec, replay: Replay, age: int, a: Assumptions) -> UnitMonth:
    life = replay.months[age]
    costs = a.costs
    with localcontext(QUOTIENT):
        profiles = Decimal(replay.profiles)
        share = ONE / spec.customers_per_asset  # of a device, per customer
        billed = life.billed / profiles
        data = a.data_revenue_per_device_month * share if spec.data_products else ZERO
        return UnitMonth(
            billed=billed,
            data_revenue=data,
            partner_fees=(a.partner_fees_per_device_month * share if spec.partner_fees
                          else ZERO),
            connectivity=(costs.connectivity_per_device_month * share
                          + costs.connectivity_per_mb * life.data_mb / profiles),
            cloud=costs.cloud_per_event * life.events / profiles,
            security=costs.security_per_device_month * share,
            support=costs.support_per_customer_month,
            payment_fees=(costs.payment_fee_rate * billed
                          + costs.payment_fee_per_bill * life.bills / profiles),
            revenue_share=a.data_revenue_share * data,
        )


def cohort(spec: ModelSpec, units: tuple[UnitMonth, ...], hardware: Decimal,
           a: Assumptions) -> tuple[CohortMonth, ...]:
    currency = spec.plan.currency
    months = []
    with localcontext(QUOTIENT):
        accept = ONE - spec.payment_resistance
        prospects = [a.prospects] + [a.prospects_per_month] * (len(units) - 1)
        won = [p * accept for p in prospects]
        alive = [survival(spec.churn, age) for age in range(len(units))]
        revenues = [u.revenue for u in units]
        running_costs = [u.running_costs for u in units]
        for t in range(len(units)):
            customers = revenue = running = billed = ZERO
            for c in range(t + 1):
                if not won[c]:
                    continue
                age = t - c
                active = won[c] * alive[age]
                customers += active
                revenue += active * revenues[age]
                running += active * running_costs[age]
                billed += active * units[age].billed
            months.append(CohortMonth(
                month=t + 1, customers=customers, revenue=money(revenue, currency),
                costs=money(running, currency) + money(won[t] * hardware, currency),
                acquisition=money(prospects[t] * spec.acquisition_per_customer, currency),
                billed=billed))
    return tuple(months)
