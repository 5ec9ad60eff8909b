"""The revenue split always adds up to what was collected, to the cent, for any amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monetiot.domain.errors import InvalidInput
from monetiot.domain.sharing import StatementItem, allocate, split_revenue, statement

CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD"])  # 2, 0 and 3 decimal places
EXPONENT = {"EUR": 2, "JPY": 0, "KWD": 3}


@st.composite
def amounts(draw: st.DrawFn) -> tuple[Decimal, str]:
    currency = draw(CURRENCIES)
    units = draw(st.integers(min_value=-10**9, max_value=10**9))
    return Decimal(units).scaleb(-EXPONENT[currency]), currency


PERCENTS = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False,
                       allow_infinity=False)


@given(amounts(), PERCENTS)
def test_the_platform_fee_and_the_payout_add_up_to_what_was_collected(
        amount: tuple[Decimal, str], percent: Decimal) -> None:
    collected, currency = amount
    split = split_revenue(collected, percent, currency)
    assert split.platform_fee + split.owner_payout == collected
    unit = Decimal(1).scaleb(-EXPONENT[currency])
    assert split.platform_fee == split.platform_fee.quantize(unit)
    assert abs(split.platform_fee - collected * percent / 100) < unit  # within one minor unit


@given(st.integers(min_value=0, max_value=10**7),
       st.lists(st.decimals(min_value=0, max_value=1000, places=2), min_size=1, max_size=6)
       .filter(lambda ws: sum(ws) > 0),
       st.integers(min_value=0, max_value=3))
def test_allocate_is_exact_fair_and_deterministic(units: int, weights: list[Decimal],
                                                  exponent: int) -> None:
    amount = Decimal(units).scaleb(-exponent)
    parts = allocate(amount, weights, exponent)
    assert sum(parts) == amount
    assert parts == allocate(amount, weights, exponent)
    unit = Decimal(1).scaleb(-exponent)
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - amount * weight / total) < unit


def test_remainders_go_to_the_largest_fraction_then_to_the_earlier_part() -> None:
    assert allocate(Decimal("1.00"), [Decimal(1)] * 3, 2) == (
        Decimal("0.34"), Decimal("0.33"), Decimal("0.33"))
    # 15 % of 1.70 is 0.255: a tie of halves goes to the platform (the earlier part)
    assert split_revenue(Decimal("1.70"), Decimal(15), "EUR").platform_fee == Decimal("0.26")
    assert split_revenue(Decimal("2.35"), Decimal(15), "EUR").platform_fee == Decimal("0.35")
    assert split_revenue(Decimal("-2.35"), Decimal(15), "EUR").platform_fee == Decimal("-0.35")


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InvalidInput) as fee:
        split_revenue(Decimal("1"), Decimal("100.5"), "EUR")
    assert fee.value.field == "platform_fee_percent"
    with pytest.raises(InvalidInput) as amount:
        split_revenue(Decimal("1.005"), Decimal(10), "EUR")
    assert amount.value.field == "amount"


@given(st.lists(st.tuples(amounts(), PERCENTS, st.integers(0, 10**6)), max_size=30))
def test_statement_totals_are_the_sums_of_their_lines(
        rows: list[tuple[tuple[Decimal, str], Decimal, int]]) -> None:
    items = []
    for n, ((collected, currency), percent, at) in enumerate(rows):
        split = split_revenue(collected, percent, currency)
        items.append(StatementItem(id=f"i{n}", kind="session" if n % 3 else "no_show",
                                   asset="cp-1", at_ms=at, currency=currency,
                                   collected=collected, platform_fee=split.platform_fee,
                                   owner_payout=split.owner_payout))
    found = statement("o1", 0, 10**6, items)
    assert [i.id for i in found.items] == [i.id for i in sorted(
        (i for i in items if i.at_ms < 10**6), key=lambda i: (i.at_ms, i.id))]
    for total in found.totals:
        mine = [i for i in found.items if i.currency == total.currency]
        assert total.collected == sum(i.collected for i in mine)
        assert total.collected == total.platform_fee + total.owner_payout
        assert total.sessions + total.fees == len(mine)
