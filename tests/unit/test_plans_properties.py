"""Properties every rating keeps, whatever the plan and the usage.

- a rating's total is the sum of its lines' rounded amounts, and each line's `amount_due` is its
  exact amount rounded once, half-up, at the currency's minor unit; no line is negative;
- billing's two calls add up to the preview: `rate_in_advance` plus `rate_period` (told what was
  prepaid) is `price_period`, line for line;
- instalments add up exactly to the one-time amount over their N periods (per subscription, and
  per device for each cohort of new devices), none is negative, and when the amount is whole
  cents the rounded instalments add up to it too.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from monetiot.domain.money import currency_exponent
from monetiot.domain.plans import (
    PeriodInputs,
    Plan,
    RatedLine,
    parse_plan,
    price_period,
    rate_in_advance,
    rate_period,
)

D = Decimal
CURRENCIES = ["EUR", "JPY", "KWD"]


def decimals(max_int: int = 10**6, max_places: int = 4) -> st.SearchStrategy[Decimal]:
    """Non-negative exact decimals, built from digits (never through a float)."""
    return st.builds(lambda n, places: D(f"{n}E-{places}"), st.integers(0, max_int),
                     st.integers(0, max_places))


MODELS = st.sampled_from([
    {"model": "per_unit", "unit_price": "0.0375"},
    {"model": "graduated", "tiers": [{"up_to": "100", "unit_price": "0.125"},
                                     {"up_to": None, "unit_price": "0.0999", "flat_fee": "3"}]},
    {"model": "volume", "tiers": [{"up_to": "50", "unit_price": "0.333"},
                                  {"up_to": None, "unit_price": "0.2"}]},
    {"model": "package", "package_size": "7", "package_price": "1.15"},
    {"model": "flat", "amount": "9.995", "minimum": "10.005"},
])


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    kinds = ["flat", "per_active_device", "per_seat"]
    recurring = [{"id": f"r{i}", "kind": draw(st.sampled_from(kinds)),
                  "price": str(draw(decimals())),
                  "timing": draw(st.sampled_from(["in_advance", "in_arrears"]))}
                 for i in range(draw(st.integers(0, 4)))]
    usage = [{"id": f"u{i}", "meter": f"m{i % 2}", "included": str(draw(decimals(500, 1))),
              "charge": draw(MODELS)} for i in range(draw(st.integers(0, 3)))]
    one_time = [{"id": f"o{i}", "kind": "device_sale", "amount": str(draw(decimals())),
                 "per": draw(st.sampled_from(["device", "subscription"])),
                 "instalments": draw(st.integers(1, 12))} for i in range(draw(st.integers(0, 2)))]
    doc: dict[str, Any] = {"id": "p", "currency": draw(st.sampled_from(CURRENCIES)),
                           "billing_period": "monthly", "recurring": recurring, "usage": usage,
                           "one_time": one_time}
    if draw(st.booleans()):
        doc["minimum_commitment"] = str(draw(decimals(10**4, 2)))
    return parse_plan(doc)


@st.composite
def periods(draw: st.DrawFn) -> PeriodInputs:
    index = draw(st.integers(0, 14))
    earlier = draw(st.lists(st.integers(0, 20), max_size=index))
    return PeriodInputs(
        period_index=index, start_ms=0, end_ms=1000, in_trial=draw(st.booleans()),
        usage={"m0": draw(decimals(10**5, 3)), "m1": draw(decimals(10**5, 3))},
        active_devices=draw(decimals(10**4, 3)), seats=draw(st.integers(0, 50)),
        new_devices=draw(st.integers(0, 20)), earlier_new_devices=tuple(earlier),
        period_factor=draw(decimals(1, 2)) or D(1),
        advance_period_factor=draw(decimals(1, 2)) or D(1),
    )


def rounded(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(D(1).scaleb(-currency_exponent(currency)), rounding=ROUND_HALF_UP)


@given(plans(), periods())
def test_totals_are_the_sum_of_lines_rounded_once(plan: Plan, period: PeriodInputs) -> None:
    for rating in (price_period(plan, period), rate_period(plan, period),
                   rate_in_advance(plan, period)):
        assert rating.total == sum((line.amount_due for line in rating.lines), D(0))
        for line in rating.lines:
            assert line.amount >= 0
            assert line.amount_due == rounded(line.amount, plan.currency)
            if line.explanation:
                assert line.amount == sum((step.amount for step in line.explanation), D(0))
            elif line.unit_price is not None:
                assert line.amount == line.quantity * line.unit_price


@given(plans(), periods())
def test_billings_two_calls_add_up_to_the_preview(plan: Plan, period: PeriodInputs) -> None:
    ahead = rate_in_advance(plan, period)
    closing = rate_period(plan, replace(period, prepaid=ahead.total))
    whole = price_period(plan, period)
    assert ahead.total + closing.total == whole.total
    assert sorted(map(_key, ahead.lines + closing.lines)) == sorted(map(_key, whole.lines))


def _key(line: RatedLine) -> tuple[str, str, int]:
    return (line.kind, line.charge_id, line.instalment or 0)


@given(decimals(10**7, 5), st.integers(1, 60), st.sampled_from(CURRENCIES),
       st.sampled_from(["device", "subscription"]), st.integers(1, 9))
def test_instalments_add_up_exactly_to_the_amount(amount: Decimal, n: int, currency: str,
                                                  per: str, devices: int) -> None:
    plan = parse_plan({"id": "p", "currency": currency, "billing_period": "monthly",
                       "one_time": [{"id": "hw", "kind": "device_sale", "amount": str(amount),
                                     "per": per, "instalments": n}]})
    count = devices if per == "device" else 1
    lines: list[RatedLine] = []
    for index in range(n + 2):  # two periods more: nothing is charged after the last one
        earlier = (devices,) + (0,) * (index - 1) if index else ()
        period = PeriodInputs(period_index=index, start_ms=index, end_ms=index + 1,
                              new_devices=0 if index else devices,
                              earlier_new_devices=earlier)
        lines += rate_period(plan, period).lines
    assert [line.instalment for line in lines] == ([None] if n == 1 else list(range(1, n + 1)))
    assert sum((line.amount for line in lines), D(0)) == amount * count
    assert all(line.amount >= 0 and line.quantity == count for line in lines)
    if amount == rounded(amount, currency):
        assert sum((line.amount_due for line in lines), D(0)) == amount * count
