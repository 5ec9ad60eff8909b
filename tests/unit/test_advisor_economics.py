"""The advisor's unit economics against cases computed by hand (docs/advisor.md).

First the formulas one by one, then a whole simulation small enough to follow on paper: one
customer profile, a subscription of 10 a month, hardware 50, CAC 20, 10 prospects.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain.advisor import (
    advise,
    break_even_month,
    cac_payback,
    discount_factor,
    effective_cac,
    ltv,
    npv,
    parse_assumptions,
    parse_usage_csv,
    survival,
)
from monetiot.domain.advisor.advice import Replays, evaluate
from monetiot.domain.advisor.simulation import Simulation

D = Decimal


def close(value: Decimal, expected: str, places: int = 20) -> bool:
    return abs(value - D(expected)) < D(1).scaleb(-places)


def test_survival_is_one_less_churn_to_the_age() -> None:
    assert survival(D("0.02"), 0) == 1
    assert survival(D("0.02"), 3) == D("0.941192")  # 0.98 x 0.98 x 0.98


def test_discount_factor_splits_the_yearly_rate_over_twelve_months() -> None:
    assert discount_factor(D("0.12"), 0) == 1
    assert close(discount_factor(D("0.12"), 1), str(D(1) / D("1.01")))
    assert close(discount_factor(D("0.12"), 2), str(D(1) / D("1.0201")))
    assert discount_factor(D(0), 24) == 1


def test_effective_cac_is_the_cac_over_the_share_that_accepts() -> None:
    assert effective_cac(D(60), D("0.25")) == 80
    assert effective_cac(D(60), D(0)) == 60


def test_ltv_adds_survival_weighted_margins_less_the_hardware() -> None:
    # 10 + 10 x 0.9 + 10 x 0.81 = 27.1, less 100 of hardware
    assert ltv([D(10)] * 3, D(100), D("0.1"), D(0)) == D("-72.9")
    # discounted at 1 % a month, nobody churns: 10 + 10 / 1.01
    assert close(ltv([D(10), D(10)], D(0), D(0), D("0.12")),
                 "19.90099009900990099009900990099")


def test_cac_payback_counts_the_months_of_margin_a_staying_customer_needs() -> None:
    assert cac_payback([D("9.60")] * 36, D(120), D(80)) == 21  # 200 / 9.60 = 20.8
    assert cac_payback([D(10)] * 20, D(120), D(80)) == 20  # exactly 200 after 20 months
    assert cac_payback([D(300), D(-2)], D(120), D(60)) == 1
    assert cac_payback([D(1)] * 12, D(120), D(80)) is None


def test_break_even_month_is_where_the_cumulative_cash_flow_stays_positive() -> None:
    assert break_even_month([D(-5), D(3), D(-1), D(2), D(4)]) == 4
    assert break_even_month([D(1), D(2)]) == 1
    assert break_even_month([D(0)]) == 1
    assert break_even_month([D(1), D(-1)]) is None


def test_npv_discounts_from_the_second_month() -> None:
    assert close(npv([D(-100), D(60), D(60)], D("0.12")),
                 str(D(-100) + D(60) / D("1.01") + D(60) / D("1.0201")), 24)


USAGE = "device,month,meter,quantity\nd1,2026-01,kwh,100\nd1,2026-02,kwh,300\n"


def assumptions(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "currency": "EUR", "horizon_months": 12, "discount_rate": "0", "prospects": 10,
        "meters": {"usage": "kwh"},
        "costs": {"hardware_per_device": "50", "acquisition_per_customer": "20",
                  "support_per_customer_month": "1"},
        "models": {"subscription": {"monthly_fee": "10", "churn": "0"}},
    }
    doc.update(changes)
    return doc


def simulation(doc: dict[str, Any], model: str = "subscription") -> Simulation:
    a = parse_assumptions(doc)
    found = {s.spec.id: s for s in evaluate(a, Replays(parse_usage_csv(USAGE)))}
    return found[model]


def test_a_subscription_cohort_by_hand() -> None:
    """10 customers x (10 - 1) = 90 a month; month 1 also pays 10 x 50 of hardware and 10 x
    20 of acquisition: 90 - 500 - 200 = -610; then +90 a month: -610 + 7 x 90 = 20 >= 0 after
    month 8. A customer: 9 a month earns back 50 + 20 = 70 after 8 months (72)."""
    s = simulation(assumptions())
    first, second = s.months[0], s.months[1]
    assert (first.customers, first.revenue, first.costs, first.acquisition) == (10, 100, 510, 200)
    assert (first.gross_margin, first.cash_flow) == (-410, -610)
    assert (second.revenue, second.costs, second.cash_flow) == (100, 10, 90)
    assert s.cumulative[6] == -70 and s.cumulative[7] == 20
    assert s.break_even_month == 8 and s.months_losing_money == 7
    assert s.margin_per_month == 9
    assert s.cac_payback_months == 8
    assert s.ltv == 12 * 9 - 50  # no churn, no discount: 12 months of 9, less the hardware
    assert s.ltv_to_cac == D("2.90")  # 58 / 20
    assert s.npv == -610 + 11 * 90
    assert s.tco == 120


def test_churn_and_payment_resistance_shape_the_customers() -> None:
    """Half the prospects refuse recurring bills: 5 customers won, the same 200 spent on 10
    prospects (an effective CAC of 40); 10 % leave each month."""
    doc = assumptions(payment_resistance="0.5")
    doc["models"]["subscription"]["churn"] = "0.1"
    s = simulation(doc)
    assert [m.customers for m in s.months[:3]] == [5, D("4.5"), D("4.05")]
    assert s.months[0].acquisition == 200
    assert s.cac == 40
    assert s.months[2].revenue == D("40.50")


def test_running_costs_per_customer_month() -> None:
    """Connectivity 0.50 + 20 MB x 0.02, cloud 1,000 x 0.0001, security 0.30, support 1,
    payment fees 3 % x 10 + 0.05: 0.90 + 0.10 + 0.30 + 1 + 0.35 = 2.65."""
    doc = assumptions(meters={"usage": "kwh", "data": "mb", "events": "ev"})
    doc["costs"].update({"connectivity_per_device_month": "0.50", "connectivity_per_mb": "0.02",
                         "cloud_per_event": "0.0001", "security_per_device_month": "0.30",
                         "payment_fee_rate": "0.03", "payment_fee_per_bill": "0.05"})
    a = parse_assumptions(doc)
    history = parse_usage_csv(USAGE + "d1,2026-01,mb,20\nd1,2026-02,mb,20\n"
                              "d1,2026-01,ev,1000\nd1,2026-02,ev,1000\n")
    s = evaluate(a, Replays(history))[0]
    unit = s.units[1]
    assert (unit.connectivity, unit.cloud, unit.security, unit.support, unit.payment_fees) == (
        D("0.90"), D("0.1"), D("0.30"), 1, D("0.35"))
    assert unit.margin == D("7.35")


def test_data_products_partner_fees_and_shared_assets() -> None:
    """Data revenue 4 a device-month, a quarter paid away; partner fees 2; two customers share
    a device: each gets half of the device-bound amounts (hardware 25, data 2, partners 1)."""
    doc = assumptions(data_products={"revenue_per_device_month": "4", "revenue_share": "0.25"},
                      platform={"partner_fees_per_device_month": "2"})
    doc["hybrids"] = [{"id": "shared", "monthly_fee": "10", "churn": "0", "data_products": True,
                       "partner_fees": True, "customers_per_asset": "2"}]
    s = simulation(doc, "shared")
    unit = s.units[1]
    assert (unit.billed, unit.data_revenue, unit.partner_fees, unit.revenue_share) == (
        5, 2, 1, D("0.5"))  # the service fee is per active device: half a device each
    assert s.hardware == 25
    assert unit.margin == D("6.5")  # 5 + 2 + 1 - (support 1 + share 0.5)


def test_models_are_ranked_by_npv() -> None:
    doc = assumptions()
    doc["models"]["product_sale"] = {"device_price": "80", "churn": "0"}
    doc["models"]["pay_per_use"] = {"unit_price": "0.01", "churn": "0"}
    advice = advise(parse_assumptions(doc), parse_usage_csv(USAGE))
    npvs = [s.npv for s in advice.ranked]
    assert npvs == sorted(npvs, reverse=True)
    assert advice.best.spec.id == "subscription"


@pytest.mark.parametrize("price", ["10", "7", "25"])
def test_break_even_price_gives_an_npv_of_zero(price: str) -> None:
    """Re-priced at the break-even factor, the NPV is zero to within the rounding of lines."""
    from monetiot.domain.advisor import scaled_plan
    from monetiot.domain.advisor.simulation import simulate

    doc = assumptions(discount_rate="0.1")
    doc["models"]["subscription"]["monthly_fee"] = price
    doc["models"]["subscription"]["churn"] = "0.05"
    a = parse_assumptions(doc)
    replays = Replays(parse_usage_csv(USAGE))
    s = evaluate(a, replays)[0]
    factor = s.break_even_price_factor
    assert factor is not None
    spec = a.models[0]
    moved = replace(spec, plan=scaled_plan(spec.plan, factor))
    again = simulate(moved, replays.of(moved, a), a)
    assert abs(again.npv) < D("0.50"), (factor, again.npv)
