"""The replay prices the usage history with the real pricing engine, month of life by month.

Each expectation is a rating a person can redo with `monetiot plans preview`: the replay must
bill exactly what `price_period` bills for the same plan and usage, whatever it caches.
"""

from __future__ import annotations

from decimal import Decimal

from monetiot.domain.advisor import (
    SAVINGS_METER,
    ReplayInputs,
    parse_assumptions,
    parse_usage_csv,
    period_inputs,
    plan_document,
    replay,
    scaled_plan,
)
from monetiot.domain.plans import parse_plan, plan_to_doc, price_period

D = Decimal

HISTORY = parse_usage_csv("""device,month,meter,quantity
a,2026-01,kwh,150
a,2026-02,kwh,80
a,2026-03,kwh,1200
b,2026-02,kwh,40
b,2026-03,kwh,10
""")

GRADUATED = parse_plan({
    "id": "ppu", "currency": "EUR", "billing_period": "monthly",
    "one_time": [{"id": "hw", "name": "Device", "kind": "device_sale", "amount": "100",
                  "per": "device", "instalments": 3}],
    "recurring": [{"id": "fee", "name": "Fee", "kind": "per_active_device", "price": "5"}],
    "usage": [{"id": "e", "name": "Energy", "meter": "kwh", "included": "50", "charge": {
        "model": "graduated", "tiers": [{"up_to": "100", "unit_price": "0.20"},
                                        {"up_to": None, "unit_price": "0.10"}]}}],
})


def test_every_month_bills_what_price_period_bills_for_that_usage() -> None:
    """Profile a starts in January, b in February (its first month with usage); both repeat
    their months after the history's end."""
    result = replay(GRADUATED, HISTORY, ReplayInputs(horizon_months=7))
    a_usage = [D(150), D(80), D(1200)]
    b_usage = [D(40), D(10)]
    for age in range(7):
        expected = sum((price_period(GRADUATED, period_inputs(
            GRADUATED, {"kwh": usage[age % len(usage)]}, age)).total
            for usage in (a_usage, b_usage)), D(0))
        assert result.months[age].billed == expected, age
    # month 0 of a: instalment 33.33 + fee 5 + (100 x 0.20 = 20) = 58.33;
    # month 0 of b: 33.33 + 5 + 0 (40 kWh, all included) = 38.33
    assert result.months[0].billed == D("96.66")
    # month 2 of a: the last instalment 33.34 + 5 + 20 + 1,050 x 0.10 = 163.34; b repeats
    # February: 33.34 + 5 = 38.34
    assert result.months[2].billed == D("201.68")
    # month 3: no instalment left; a repeats January (5 + 20), b its second month (5 + 0)
    assert result.months[3].billed == D("30.00")
    assert result.profiles == 2 and result.months[3].bills == 2


def test_instalments_count_the_device_won_in_month_zero() -> None:
    inputs = [period_inputs(GRADUATED, {}, age) for age in range(4)]
    assert [i.new_devices for i in inputs] == [1, 0, 0, 0]
    assert [i.earlier_new_devices for i in inputs] == [(), (1,), (1, 0), (0, 0)]
    assert [price_period(GRADUATED, i).total for i in inputs] == [
        D("38.33"), D("38.33"), D("38.34"), D(5)]


def test_trial_months_bill_no_recurring_or_usage_charges() -> None:
    plan = parse_plan(plan_to_doc(GRADUATED) | {"trial_days": 61})  # two whole months
    result = replay(plan, parse_usage_csv("device,month,meter,quantity\na,2026-01,kwh,500\n"),
                    ReplayInputs(horizon_months=4))
    assert [m.billed for m in result.months] == [D("33.33"), D("33.33"), D("93.34"), D(60)]


def test_outcome_savings_are_the_meter_times_the_savings_per_unit() -> None:
    """300 m3 saving 0.40 each: 120 of savings, of which the plan charges 30 %: 36."""
    a = parse_assumptions({
        "currency": "EUR", "prospects": 1, "churn": "0",
        "outcome": {"meter": "water", "savings_per_unit": "0.40"},
        "models": {"outcome_based": {"savings_share": "0.30"}},
    })
    plan = a.models[0].plan
    assert plan.usage[0].meter == SAVINGS_METER
    history = parse_usage_csv("device,month,meter,quantity\nf,2025-07,water,300\n")
    result = replay(plan, history, ReplayInputs(horizon_months=1, outcome_meter="water",
                                                savings_per_unit=D("0.40")))
    assert result.months[0].billed == 36


def test_price_points_become_a_plan_document() -> None:
    doc = plan_document("starter", "Starter", "EUR", {
        "device_price": D(99), "instalments": 2, "activation_fee": D(25), "monthly_fee": D(7),
        "unit_price": D("0.05"), "included": D(100), "minimum_commitment": D(10)}, "kwh")
    plan = parse_plan(doc)
    assert [(c.id, c.amount, c.instalments) for c in plan.one_time] == [
        ("device", 99, 2), ("activation", 25, 1)]
    assert [(c.id, c.kind.value, c.price, c.timing.value) for c in plan.recurring] == [
        ("service", "per_active_device", 7, "in_arrears")]
    assert [(c.meter, c.included) for c in plan.usage] == [("kwh", 100)]
    assert plan.minimum_commitment == 10


def test_scaling_a_plan_scales_prices_not_allowances() -> None:
    scaled = scaled_plan(GRADUATED, D("1.2"))
    assert scaled.one_time[0].amount == 120
    assert scaled.recurring[0].price == 6
    assert scaled.usage[0].included == 50
    tiers = scaled.usage[0].charge.tiers  # type: ignore[union-attr]
    assert [(t.up_to, t.unit_price) for t in tiers] == [(100, D("0.24")), (None, D("0.12"))]
    assert scaled_plan(GRADUATED, D(1)) is GRADUATED
