"""Rating one period: which lines appear, what they cover, how they are rounded and added up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.plans import (
    PeriodInputs,
    Plan,
    instalment_amount,
    parse_period_inputs,
    parse_plan,
    price_period,
    rate_in_advance,
    rate_period,
)

D = Decimal
JAN, FEB, MAR = 1767225600000, 1769904000000, 1772323200000  # 2026-01-01, 02-01, 03-01 UTC


def plan(**parts: Any) -> Plan:
    return parse_plan({"id": "p", "currency": "EUR", "billing_period": "monthly", **parts})


def inputs(**fields: Any) -> PeriodInputs:
    values: dict[str, Any] = {"period_index": 0, "start_ms": JAN, "end_ms": FEB, **fields}
    return PeriodInputs(**values)


def summary(rating: Any) -> list[tuple[str, str, str]]:
    return [(line.kind, line.charge_id, str(line.amount_due)) for line in rating.lines]


PLATFORM = {"id": "platform", "kind": "flat", "price": "49", "timing": "in_advance"}
DEVICES = {"id": "devices", "kind": "per_active_device", "price": "1.50"}
SEATS = {"id": "seats", "kind": "per_seat", "price": "10", "timing": "in_arrears"}
ENERGY = {"id": "energy", "meter": "energy_kwh", "included": "100",
          "charge": {"model": "graduated", "tiers": [{"up_to": "1000", "unit_price": "0.15"},
                                                     {"up_to": None, "unit_price": "0.10"}]}}


def test_rate_period_bills_arrears_and_usage_and_rate_in_advance_the_rest() -> None:
    p = plan(recurring=[PLATFORM, DEVICES, SEATS], usage=[ENERGY])
    period = inputs(active_devices=D("2.5"), seats=3, usage={"energy_kwh": D("1250")})
    closing = rate_period(p, period)
    assert summary(closing) == [("recurring", "devices", "3.75"), ("recurring", "seats", "30.00"),
                                ("usage", "energy", "165.00")]
    assert closing.total == D("198.75")
    ahead = rate_in_advance(p, period)
    assert summary(ahead) == [("recurring", "platform", "49.00")]
    whole = price_period(p, period)
    assert [line.charge_id for line in whole.lines] == ["platform", "devices", "seats", "energy"]
    assert whole.total == closing.total + ahead.total


def test_every_line_covers_the_period_it_was_rated_for() -> None:
    p = plan(recurring=[PLATFORM, DEVICES], one_time=[
        {"id": "act", "kind": "activation", "amount": "25", "per": "subscription"}])
    closing = rate_period(p, inputs(active_devices=D(1)))
    assert {(line.covers_start_ms, line.covers_end_ms) for line in closing.lines} == {(JAN, FEB)}
    # billing rates the next period's in-advance lines when this one closes
    ahead = rate_in_advance(p, inputs(period_index=1, start_ms=FEB, end_ms=MAR))
    assert [(line.charge_id, line.covers_start_ms, line.covers_end_ms)
            for line in ahead.lines] == [("platform", FEB, MAR)]


def test_usage_prices_only_the_overage_and_explains_the_tiers() -> None:
    rating = rate_period(plan(usage=[ENERGY]), inputs(usage={"energy_kwh": D("1250")}))
    (line,) = rating.lines
    assert (line.quantity, line.included, line.billable) == (D(1250), D(100), D(1150))
    assert [(step.kind, step.quantity, step.amount) for step in line.explanation] == [
        ("tier", D(1000), D("150.00")), ("tier", D(150), D("15.00"))]
    assert line.amount == D("165.00") and line.meter == "energy_kwh"


def test_usage_within_the_allowance_costs_nothing_and_missing_usage_is_zero() -> None:
    p = plan(usage=[ENERGY])
    assert rate_period(p, inputs(usage={"energy_kwh": D(80)})).total == 0
    (line,) = rate_period(p, inputs()).lines
    assert line.quantity == 0 and line.amount_due == D("0.00")


def test_a_trial_period_charges_only_one_time_charges() -> None:
    p = plan(recurring=[PLATFORM, DEVICES], usage=[ENERGY], minimum_commitment="100",
             one_time=[{"id": "hw", "kind": "device_sale", "amount": "99", "per": "device"}])
    trial = inputs(in_trial=True, new_devices=2, active_devices=D(2),
                   usage={"energy_kwh": D(5000)})
    assert summary(price_period(p, trial)) == [("one_time", "hw", "198.00")]
    assert rate_in_advance(p, trial).lines == ()


def test_one_time_charges_per_subscription_come_in_the_first_period_only() -> None:
    p = plan(one_time=[{"id": "act", "kind": "activation", "amount": "25",
                        "per": "subscription"}])
    assert summary(rate_period(p, inputs())) == [("one_time", "act", "25.00")]
    assert rate_period(p, inputs(period_index=1)).lines == ()


def test_one_time_charges_per_device_count_the_devices_new_in_the_period() -> None:
    p = plan(one_time=[{"id": "hw", "kind": "device_sale", "amount": "99", "per": "device"}])
    (line,) = rate_period(p, inputs(period_index=4, new_devices=3)).lines
    assert (line.quantity, line.unit_price, line.amount_due) == (D(3), D(99), D("297.00"))
    assert rate_period(p, inputs(period_index=4)).lines == ()


def test_device_instalments_follow_each_cohort_of_new_devices() -> None:
    p = plan(one_time=[{"id": "hw", "kind": "device_sale", "amount": "100", "per": "device",
                        "instalments": 3}])
    # 2 devices in period 0, none in 1, 5 in period 2, 1 now (period 3)
    rating = rate_period(p, inputs(period_index=3, new_devices=1, earlier_new_devices=(2, 0, 5)))
    assert [(line.instalment, line.quantity, line.unit_price) for line in rating.lines] == [
        (2, D(5), D("33.33")), (1, D(1), D("33.33"))]  # period 0's devices are paid off
    last = rate_period(p, inputs(period_index=2, earlier_new_devices=(2, 0)))
    assert [(line.instalment, line.quantity, line.unit_price) for line in last.lines] == [
        (3, D(2), D("33.34"))]


def test_instalments_round_down_and_the_last_takes_the_remainder() -> None:
    amounts = [instalment_amount(D(299), 12, n, "EUR") for n in range(12)]
    assert amounts[:11] == [D("24.91")] * 11 and amounts[11] == D("24.99")
    assert sum(amounts) == 299
    assert [instalment_amount(D(1000), 3, n, "JPY") for n in range(3)] == [333, 333, 334]
    assert [instalment_amount(D("0.10"), 12, n, "EUR") for n in (0, 11)] == [0, D("0.10")]
    with pytest.raises(InvalidInput):
        instalment_amount(D(1), 2, 2, "EUR")


def test_subscription_instalments_run_from_the_first_period() -> None:
    p = plan(one_time=[{"id": "setup", "kind": "installation", "amount": "100",
                        "per": "subscription", "instalments": 2}])
    assert [rate_period(p, inputs(period_index=i)).total for i in range(3)] == [
        D("50.00"), D("50.00"), 0]


def test_the_minimum_commitment_tops_up_recurring_and_usage_but_not_one_time_charges() -> None:
    p = plan(minimum_commitment="100", recurring=[PLATFORM, DEVICES],
             one_time=[{"id": "hw", "kind": "device_sale", "amount": "500", "per": "device"}])
    whole = price_period(p, inputs(active_devices=D(10), new_devices=1))
    assert summary(whole)[-1] == ("minimum_true_up", "minimum_commitment", "36.00")
    assert whole.total == D("600.00")  # 500 + 49 + 15 + 36
    true_up = whole.lines[-1]
    assert (true_up.minimum, true_up.counted) == (D(100), D("64.00"))
    # at close, what was billed in advance for the period counts toward the minimum
    closing = rate_period(p, inputs(active_devices=D(10), prepaid=D("49.00")))
    assert summary(closing)[-1] == ("minimum_true_up", "minimum_commitment", "36.00")
    assert rate_period(p, inputs(active_devices=D(100), prepaid=D(49))).lines[-1].kind \
        == "recurring"


def test_factors_scale_partial_periods() -> None:
    p = plan(recurring=[PLATFORM, {**DEVICES, "timing": "in_advance"},
                        {**SEATS, "price": "10"}, {"id": "base", "kind": "flat", "price": "30"}])
    half = inputs(advance_period_factor=D("0.5"), period_factor=D("0.25"), seats=2,
                  active_devices=D(4))
    assert summary(price_period(p, half)) == [
        ("recurring", "platform", "24.50"),  # 49 x 0.5
        ("recurring", "devices", "3.00"),  # 4 devices x 0.5 x 1.50
        ("recurring", "seats", "5.00"),  # 2 seats x 0.25 x 10
        ("recurring", "base", "7.50"),  # 30 x 0.25
    ]


def test_each_line_is_rounded_once_half_up_and_the_total_adds_the_rounded_lines() -> None:
    p = plan(recurring=[{"id": "a", "kind": "per_active_device", "price": "0.005"},
                        {"id": "b", "kind": "per_active_device", "price": "0.005"}])
    rating = rate_period(p, inputs(active_devices=D(1)))
    assert [line.amount for line in rating.lines] == [D("0.005"), D("0.005")]
    assert [line.amount_due for line in rating.lines] == [D("0.01"), D("0.01")]
    assert rating.total == D("0.02")  # not round(0.010) = 0.01


def test_amounts_keep_every_digit() -> None:
    p = plan(recurring=[{"id": "a", "kind": "per_active_device",
                         "price": "0.100000000000000001"}])
    (line,) = rate_period(p, inputs(active_devices=D("3"))).lines
    assert line.amount == D("0.300000000000000003")


def test_period_inputs_are_checked() -> None:
    with pytest.raises(InvalidInput) as caught:
        inputs(end_ms=JAN - 1)
    assert caught.value.field == "end"
    with pytest.raises(InvalidInput) as caught:
        inputs(period_index=1, earlier_new_devices=(1, 2))
    assert caught.value.field == "earlier_new_devices"
    with pytest.raises(InvalidInput) as caught:
        inputs(active_devices=D(-1))
    assert caught.value.field == "active_devices"


def test_a_usage_table_is_read_exactly_and_checked_against_the_plan() -> None:
    p = plan(usage=[ENERGY])
    table = parse_period_inputs({"period_index": 2, "start": "2026-01-01T00:00:00Z",
                                 "end": FEB, "usage": {"energy_kwh": "0.1"}, "seats": 3,
                                 "active_devices": D("1.5"), "earlier_new_devices": [1, 0]}, p)
    assert (table.start_ms, table.end_ms, table.usage) == (JAN, FEB, {"energy_kwh": D("0.1")})
    assert (table.seats, table.active_devices, table.earlier_new_devices) == (3, D("1.5"), (1, 0))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"usage": {"energy_kvh": "1"}}, "usage.energy_kvh"),
        ({"start": "2026-01-01T00:00:00Z"}, "end"),
        ({"seats": "1.5"}, "seats"),
        ({"in_trial": "yes"}, "in_trial"),
        ({"usage": {"energy_kwh": 1.5}}, "usage.energy_kwh"),
        ({"earlier_new_devices": [1, -1]}, "earlier_new_devices[1]"),
        ({"sets": 1}, "sets"),
    ]
    for doc, field in cases:
        with pytest.raises(InvalidInput) as caught:
            parse_period_inputs({"period_index": 2, **doc}, p)
        assert caught.value.field == field, doc
