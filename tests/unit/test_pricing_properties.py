"""Properties every charge keeps, whatever the tiers, prices and quantities.

- graduated totals never decrease as the quantity grows;
- volume totals do not have that property: crossing into a cheaper tier reprices every unit, so
  the total can drop (10 units at 2 = 20, 11 units at 1 = 11) even with non-increasing unit
  prices and no flat fees. What holds: within one tier the total never decreases; across tiers
  it never decreases when unit prices and flat fees never decrease from tier to tier; and with
  non-increasing unit prices and no flat fees, volume never charges more than graduated;
- the lines always add up exactly to the amount, and no amount or line is negative;
- a package amount is a whole number of packages times the package price;
- amount_due is the amount rounded half-up at the currency's minor unit;
- every digit of a decimal input is kept (a 33-digit price (the most monetiot
  accepts: 15 digits before the point, 18 after) gives the exact product);
- a free allowance never makes a percentage charge dearer.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from monetiot.domain.pricing import ChargeResult, parse_charge, price, to_json

D = Decimal


def decimals(max_int: int = 10**6, max_places: int = 3) -> st.SearchStrategy[Decimal]:
    """Non-negative exact decimals, built from digits (never through a float)."""
    return st.builds(
        lambda n, places: D(f"{n}E-{places}"),
        st.integers(0, max_int),
        st.integers(0, max_places),
    )


quantities = decimals(10**7, 3)
prices = decimals(10**5, 4)


@st.composite
def tiers(draw: st.DrawFn, key: str = "unit_price", fees: bool = True) -> list[dict[str, Any]]:
    bounds = sorted({b for b in draw(st.lists(decimals(10**5, 2), max_size=4)) if b > 0})
    ups: list[Decimal | None] = [*bounds, None]
    return [
        {
            "up_to": None if up is None else str(up),
            key: str(draw(prices)),
            "flat_fee": str(draw(prices)) if fees else "0",
        }
        for up in ups
    ]


def tiered(model: str, tier_list: list[dict[str, Any]], at_zero: bool = True) -> Any:
    return parse_charge({"model": model, "tiers": tier_list, "flat_fee_at_zero": at_zero})


def tier_index(tier_list: list[dict[str, Any]], quantity: Decimal) -> int:
    return next(
        i for i, t in enumerate(tier_list) if t["up_to"] is None or quantity <= D(t["up_to"])
    )


# monotonicity


@given(tiers(), quantities, quantities, st.booleans())
def test_graduated_total_never_decreases_as_quantity_grows(
    tier_list: list[dict[str, Any]], a: Decimal, b: Decimal, at_zero: bool
) -> None:
    charge = tiered("graduated", tier_list, at_zero)
    low, high = sorted((a, b))
    assert price(charge, low).amount <= price(charge, high).amount


def test_volume_total_can_decrease_at_a_tier_boundary() -> None:
    charge = tiered(
        "volume", [{"up_to": "10", "unit_price": "2"}, {"up_to": None, "unit_price": "1"}]
    )
    assert price(charge, D(10)).amount == 20
    assert price(charge, D(11)).amount == 11


@given(tiers(), quantities, quantities)
def test_volume_total_never_decreases_within_a_tier(
    tier_list: list[dict[str, Any]], a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    assume(low > 0 and tier_index(tier_list, low) == tier_index(tier_list, high))
    charge = tiered("volume", tier_list)
    assert price(charge, low).amount <= price(charge, high).amount


@given(tiers(), quantities, quantities)
def test_volume_total_never_decreases_when_prices_and_fees_never_decrease(
    tier_list: list[dict[str, Any]], a: Decimal, b: Decimal
) -> None:
    ordered = [sorted((t[k] for t in tier_list), key=D) for k in ("unit_price", "flat_fee")]
    rising = [
        {**t, "unit_price": ordered[0][i], "flat_fee": ordered[1][i]}
        for i, t in enumerate(tier_list)
    ]
    charge = tiered("volume", rising)
    low, high = sorted((a, b))
    assert price(charge, low).amount <= price(charge, high).amount


@given(tiers(fees=False), quantities)
def test_volume_never_exceeds_graduated_when_unit_prices_fall(
    tier_list: list[dict[str, Any]], quantity: Decimal
) -> None:
    falling = sorted((t["unit_price"] for t in tier_list), key=D, reverse=True)
    tier_list = [{**t, "unit_price": p} for t, p in zip(tier_list, falling, strict=True)]
    volume = price(tiered("volume", tier_list), quantity).amount
    assert volume <= price(tiered("graduated", tier_list), quantity).amount


# any charge

transactions = st.lists(decimals(10**6, 2), max_size=6)


@st.composite
def charges(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(
        st.sampled_from(
            [
                "flat",
                "per_unit",
                "graduated",
                "volume",
                "package",
                "percentage",
                "graduated_percentage",
            ]
        )
    )
    doc: dict[str, Any] = {"model": model, "currency": draw(st.sampled_from(["EUR", "JPY", "KWD"]))}
    if draw(st.booleans()):
        doc["minimum"] = str(draw(prices))
    if draw(st.booleans()):
        doc["unit_rounding"] = {
            "mode": draw(st.sampled_from(["round", "ceil", "floor"])),
            "precision": draw(st.integers(-3, 3)),
        }
    if model == "flat":
        doc["amount"] = str(draw(prices))
    elif model == "per_unit":
        doc["unit_price"] = str(draw(prices))
    elif model in ("graduated", "volume"):
        doc["tiers"] = draw(tiers())
        doc["flat_fee_at_zero"] = draw(st.booleans())
    elif model == "graduated_percentage":
        doc["tiers"] = draw(tiers(key="rate"))
    elif model == "package":
        doc["package_size"] = str(draw(decimals(1000, 2).filter(lambda d: d > 0)))
        doc["package_price"] = str(draw(prices))
        doc["free_units"] = str(draw(decimals(1000, 1)))
        doc["rounding"] = draw(st.sampled_from(["up", "down"]))
    else:
        doc.update(draw(percentage_fields()))
    return doc


@st.composite
def percentage_fields(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "rate": str(draw(decimals(1000, 2))),
        "fixed_fee": str(draw(decimals(500, 2))),
        "free_events": draw(st.integers(0, 4)),
        "free_amount": str(draw(decimals(10**5, 2))),
    }
    bounds = sorted(draw(st.lists(decimals(10**4, 2), min_size=2, max_size=2)))
    if draw(st.booleans()):
        fields["min_fee"] = str(bounds[0])
    if draw(st.booleans()):
        fields["max_fee"] = str(bounds[1])
    return fields


def price_any(doc: dict[str, Any], quantity: Decimal, amounts: list[Decimal]) -> ChargeResult:
    charge = parse_charge(doc)
    if doc["model"] in ("percentage", "graduated_percentage"):
        return price(charge, transactions=amounts)
    return price(charge, quantity)


@given(charges(), st.one_of(quantities, quantities.map(lambda q: -q)), transactions)
def test_lines_add_up_to_the_amount_and_nothing_is_negative(
    doc: dict[str, Any], quantity: Decimal, amounts: list[Decimal]
) -> None:
    result = price_any(doc, quantity, amounts)
    assert sum((line.amount for line in result.lines), D(0)) == result.amount
    assert all(line.amount >= 0 for line in result.lines)
    assert result.amount >= 0
    assert result.amount_due >= 0
    preview = to_json(result)
    line_amounts = [D(str(line["amount"])) for line in preview["lines"]]
    assert sum(line_amounts, D(0)) == D(preview["amount"])
    numbers = [preview["quantity"], preview["amount"], preview["amount_due"]] + [
        value
        for line in preview["lines"]
        for key, value in line.items()
        if key not in ("kind", "up_to") and isinstance(value, str)
    ]
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers


@given(charges(), quantities, transactions)
def test_amount_due_is_the_amount_rounded_half_up_at_the_minor_unit(
    doc: dict[str, Any], quantity: Decimal, amounts: list[Decimal]
) -> None:
    result = price_any(doc, quantity, amounts)
    quantum = {"EUR": D("0.01"), "JPY": D("1"), "KWD": D("0.001")}[doc["currency"]]
    assert result.amount_due == result.amount.quantize(quantum, rounding=ROUND_HALF_UP)
    assert result.amount_due.as_tuple().exponent == quantum.as_tuple().exponent
    if doc.get("minimum") is not None:
        assert result.amount >= D(doc["minimum"])


# package


@given(
    decimals(1000, 2).filter(lambda d: d > 0),
    prices,
    decimals(100, 1),
    quantities,
    st.sampled_from(["up", "down"]),
)
def test_package_amount_is_whole_packages_times_the_package_price(
    size: Decimal, package_price: Decimal, free: Decimal, quantity: Decimal, rounding: str
) -> None:
    charge = parse_charge(
        {
            "model": "package",
            "package_size": str(size),
            "package_price": str(package_price),
            "free_units": str(free),
            "rounding": rounding,
        }
    )
    result = price(charge, quantity)
    (line,) = result.lines
    packages = line.quantity
    assert packages is not None and packages == packages.to_integral_value() and packages >= 0
    assert result.amount == packages * package_price
    paying = max(quantity - free, D(0))
    exact = math.ceil(paying / size) if rounding == "up" else math.floor(paying / size)
    assert packages == exact


# exact digits


@given(
    st.integers(10**32, 10**33 - 1), st.integers(18, 18), st.integers(0, 10**6 - 1),
    st.integers(6, 6)  # a quantity below 1 keeps the amount below the largest one billed
)
def test_per_unit_keeps_every_digit_of_a_33_digit_price(
    digits: int, places: int, units: int, unit_places: int
) -> None:
    unit_price = D(f"{digits}E-{places}")
    quantity = D(f"{units}E-{unit_places}")
    result = price(parse_charge({"model": "per_unit", "unit_price": str(unit_price)}), quantity)
    assert result.amount == D(f"{digits * units}E-{places + unit_places}")
    assert D(to_json(result)["amount"]) == result.amount


# percentage


@given(percentage_fields(), transactions)
def test_a_free_allowance_never_makes_a_percentage_charge_dearer(
    fields: dict[str, Any], amounts: list[Decimal]
) -> None:
    with_allowance = parse_charge({"model": "percentage", **fields})
    without = parse_charge({"model": "percentage", **fields, "free_events": 0, "free_amount": 0})
    assert (
        price(with_allowance, transactions=amounts).amount
        <= price(without, transactions=amounts).amount
    )


@given(decimals(1000, 2), decimals(500, 2), transactions)
def test_percentage_without_allowance_or_bounds_is_rate_of_value_plus_fixed_fees(
    rate: Decimal, fixed_fee: Decimal, amounts: list[Decimal]
) -> None:
    charge = parse_charge({"model": "percentage", "rate": str(rate), "fixed_fee": str(fixed_fee)})
    paying = [a for a in amounts if a > 0]
    expected = sum(paying, D(0)) * rate / 100 + len(paying) * fixed_fee
    assert price(charge, transactions=amounts).amount == expected
