"""Each charge model on cases worked by hand, and each validation error naming its field."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.pricing import ChargeResult, parse_charge, price, to_json

D = Decimal


def priced(charge: Mapping[str, object], quantity: str | None = None) -> ChargeResult:
    return price(parse_charge(charge), None if quantity is None else D(quantity))


def transacted(charge: Mapping[str, object], *amounts: str) -> ChargeResult:
    return price(parse_charge(charge), transactions=[D(a) for a in amounts])


def kinds(result: ChargeResult) -> list[tuple[str, str]]:
    return [(line.kind, str(line.amount)) for line in result.lines]


# flat and per_unit


def test_flat_charges_its_amount_whatever_the_quantity() -> None:
    for quantity in ("0", "7", "1000000"):
        result = priced({"model": "flat", "amount": "49.90"}, quantity)
        assert result.amount == D("49.90")
        assert kinds(result) == [("flat", "49.90")]


def test_per_unit_is_quantity_times_price() -> None:
    result = priced({"model": "per_unit", "unit_price": "0.125"}, "3")
    assert result.amount == D("0.375")
    assert result.amount_due == D("0.38")  # half-up at the cent
    assert to_json(result)["lines"] == [
        {"kind": "unit", "quantity": "3", "unit_price": "0.125", "amount": "0.375"}
    ]


def test_no_quantity_means_no_usage() -> None:
    assert priced({"model": "per_unit", "unit_price": "5"}).amount == 0


# graduated

TIERS = [
    {"up_to": "10", "unit_price": "10", "flat_fee": "2"},
    {"up_to": "20", "unit_price": "5", "flat_fee": "3"},
    {"up_to": None, "unit_price": "1"},
]


def test_graduated_prices_each_unit_at_its_tier_and_adds_used_tiers_flat_fees() -> None:
    # 10 x 10 + 2, then 10 x 5 + 3, then 5 x 1
    result = priced({"model": "graduated", "tiers": TIERS}, "25")
    assert result.amount == D("160")
    assert kinds(result) == [
        ("tier", "100"),
        ("flat_fee", "2"),
        ("tier", "50"),
        ("flat_fee", "3"),
        ("tier", "5"),
    ]
    first, *_ = to_json(result)["lines"]
    assert first == {
        "kind": "tier",
        "tier": 0,
        "from": "0",
        "up_to": "10",
        "quantity": "10",
        "unit_price": "10",
        "amount": "100",
    }
    assert to_json(result)["lines"][-1]["up_to"] is None


def test_graduated_upper_bound_is_inclusive() -> None:
    assert priced({"model": "graduated", "tiers": TIERS}, "10").amount == D("102")
    assert priced({"model": "graduated", "tiers": TIERS}, "10.5").amount == D("107.5")


def test_graduated_charges_the_first_flat_fee_at_zero_unless_told_not_to() -> None:
    assert kinds(priced({"model": "graduated", "tiers": TIERS}, "0")) == [("flat_fee", "2")]
    off = {"model": "graduated", "tiers": TIERS, "flat_fee_at_zero": False}
    assert priced(off, "0").amount == 0
    assert priced(off, "0").lines == ()
    assert priced(off, "1").amount == D("12")  # the switch only concerns quantity 0


# volume


def test_volume_prices_the_whole_quantity_at_the_tier_containing_it() -> None:
    assert priced({"model": "volume", "tiers": TIERS}, "10").amount == D("102")
    assert priced({"model": "volume", "tiers": TIERS}, "15").amount == D("78")  # 15 x 5 + 3
    assert priced({"model": "volume", "tiers": TIERS}, "100").amount == D("100")


def test_volume_at_zero_charges_the_first_tier_flat_fee_unless_told_not_to() -> None:
    assert priced({"model": "volume", "tiers": TIERS}, "0").amount == D("2")
    off = {"model": "volume", "tiers": TIERS, "flat_fee_at_zero": False}
    assert priced(off, "0").amount == 0


def test_negative_quantity_is_usage_of_nothing() -> None:
    assert priced({"model": "volume", "tiers": TIERS}, "-5").amount == 0
    assert priced({"model": "graduated", "tiers": TIERS}, "-5").amount == 0
    assert priced({"model": "per_unit", "unit_price": "3"}, "-5").amount == 0


# package


def test_package_rounds_packages_up_by_default_and_down_when_told() -> None:
    charge = {"model": "package", "package_size": "10", "package_price": "100"}
    assert priced(charge, "121").amount == D("1300")
    assert priced({**charge, "rounding": "down"}, "121").amount == D("1200")
    assert priced(charge, "120").amount == D("1200")
    assert priced(charge, "0").amount == 0


def test_package_free_units_come_off_first() -> None:
    charge = {"model": "package", "package_size": "10", "package_price": "100", "free_units": 10}
    assert priced(charge, "121").amount == D("1200")
    assert priced(charge, "5").amount == 0


def test_package_size_may_be_fractional() -> None:
    charge = {"model": "package", "package_size": "0.5", "package_price": "3"}
    assert priced(charge, "1.2").amount == D("9")  # 3 packages


# percentage

PERCENT = {
    "model": "percentage",
    "rate": "1.3",
    "fixed_fee": "2",
    "free_events": 3,
    "free_amount": "250",
}


def test_percentage_worked_example_of_the_spec() -> None:
    # The allowance runs out inside the third transaction: it pays on 150, the fourth on 400.
    result = transacted(PERCENT, "50", "100", "250", "400")
    assert result.amount == D("11.15")
    assert result.quantity == D("800")
    assert [(line.kind, line.transaction, line.quantity, line.amount) for line in result.lines] == [
        ("percentage", 2, D("150"), D("1.95")),
        ("fixed_fee", 2, None, D("2")),
        ("percentage", 3, D("400"), D("5.2")),
        ("fixed_fee", 3, None, D("2")),
    ]


def test_percentage_allowance_ends_at_the_first_limit_reached() -> None:
    events_first = {**PERCENT, "free_amount": "500"}
    assert transacted(events_first, "50", "100", "250", "400").amount == D("7.2")  # 400 pays
    only_amount = {**PERCENT, "free_events": 0}
    assert transacted(only_amount, "50", "100", "250", "400").amount == D("11.15")
    nothing_free = {**PERCENT, "free_events": 0, "free_amount": "0"}
    assert transacted(nothing_free, "50", "100", "250", "400").amount == D("18.4")


MIN_MAX = {"model": "percentage", "rate": "2.99", "min_fee": "1.75", "max_fee": "12"}


@pytest.mark.parametrize(
    ("extra", "amount"),
    [
        ({}, "16.142"),  # 1.75 (raised) + 2.392 + 12 (lowered)
        ({"fixed_fee": "2.0"}, "18.691"),  # 2.299 + 4.392 + 12
        ({"free_events": 2}, "12"),  # only the third pays, lowered to 12
        ({"free_amount": "30"}, "13.794"),  # pays on 60 of the second (1.794), 12
        ({"free_events": 3, "free_amount": "10000"}, "2.691"),  # pays on 90 of the third
    ],
)
def test_percentage_min_and_max_fee_apply_per_paying_transaction(
    extra: dict[str, object], amount: str
) -> None:
    assert transacted({**MIN_MAX, **extra}, "10", "80", "10000").amount == D(amount)


def test_percentage_bounded_fee_is_one_line_carrying_the_bound() -> None:
    result = transacted(MIN_MAX, "10")
    assert to_json(result)["lines"] == [
        {"kind": "min_fee", "transaction": 0, "quantity": "10", "rate": "2.99", "amount": "1.75"}
    ]


def test_percentage_zero_value_transactions_cost_nothing() -> None:
    assert transacted({"model": "percentage", "rate": "1", "fixed_fee": "1"}, "0", "0").amount == 0


def test_percentage_quantity_counts_as_one_transaction() -> None:
    charge = parse_charge({"model": "percentage", "rate": "2", "fixed_fee": "0.3"})
    assert price(charge, D("50")).amount == D("1.3")


# graduated_percentage

RATE_TIERS = [
    {"up_to": "10", "rate": "1", "flat_fee": "200"},
    {"up_to": "20", "rate": "2", "flat_fee": "300"},
    {"up_to": None, "rate": "3", "flat_fee": "400"},
]


@pytest.mark.parametrize(
    ("amounts", "amount"),
    [(("1",), "200.01"), (("10",), "200.1"), (("5", "6"), "500.12"), (("21",), "900.33")],
)
def test_graduated_percentage_charges_each_slice_of_the_total_at_its_rate(
    amounts: tuple[str, ...], amount: str
) -> None:
    result = transacted({"model": "graduated_percentage", "tiers": RATE_TIERS}, *amounts)
    assert result.amount == D(amount)


def test_graduated_percentage_flat_fee_at_zero() -> None:
    charge = {"model": "graduated_percentage", "tiers": RATE_TIERS}
    assert transacted(charge).amount == D("200")
    assert transacted({**charge, "flat_fee_at_zero": False}).amount == 0


# unit rounding, currency rounding, minimum


@pytest.mark.parametrize(
    ("mode", "precision", "quantity", "priced_quantity"),
    [
        ("round", 2, "123.455", "123.46"),  # half-up
        ("round", -2, "150", "200"),
        ("round", -2, "149.99", "100"),
        ("ceil", -2, "123.456", "200"),
        ("floor", -2, "123.456", "100"),
        ("floor", -1, "9.99", "0"),
        ("ceil", 0, "0.001", "1"),
    ],
)
def test_unit_rounding_rounds_the_quantity_before_pricing(
    mode: str, precision: int, quantity: str, priced_quantity: str
) -> None:
    charge = {
        "model": "per_unit",
        "unit_price": "2",
        "unit_rounding": {"mode": mode, "precision": precision},
    }
    result = priced(charge, quantity)
    assert to_json(result)["quantity"] == priced_quantity
    assert result.amount == 2 * D(priced_quantity)


@pytest.mark.parametrize(
    ("currency", "unit_price", "amount_due"),
    [
        ("JPY", "1023.5", "1024"),
        ("JPY", "1023.49", "1023"),
        ("KWD", "1.2345", "1.235"),
        ("KWD", "1.2344", "1.234"),
        ("EUR", "0.005", "0.01"),
        ("USD", "999999.999", "1000000.00"),
    ],
)
def test_amount_due_is_rounded_half_up_at_the_currency_minor_unit(
    currency: str, unit_price: str, amount_due: str
) -> None:
    result = priced({"model": "per_unit", "unit_price": unit_price, "currency": currency}, "1")
    assert result.amount == D(unit_price)  # the amount itself is never rounded
    assert to_json(result)["amount_due"] == amount_due


def test_minimum_true_up_brings_the_amount_up_to_the_minimum() -> None:
    charge = {
        "model": "volume",
        "minimum": "150",
        "tiers": [{"up_to": "5", "flat_fee": "100"}, {"up_to": None, "unit_price": "5"}],
    }
    result = priced(charge, "0")
    assert kinds(result) == [("flat_fee", "100"), ("minimum_true_up", "50")]
    assert result.amount == D("150")
    assert kinds(priced(charge, "40")) == [("tier", "200")]  # above the minimum: no true-up


def test_lowercase_currency_is_normalised() -> None:
    assert priced({"model": "flat", "amount": "1", "currency": "jpy"}).currency == "JPY"


# validation: every error names its field

GOOD_TIERS = [{"up_to": "10", "unit_price": "1"}, {"up_to": None, "unit_price": "1"}]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({}, "model"),
        ({"model": "stairstep"}, "model"),
        ({"model": "per_unit"}, "unit_price"),
        ({"model": "per_unit", "unit_price": "-0.01"}, "unit_price"),
        ({"model": "per_unit", "unit_price": "abc"}, "unit_price"),
        ({"model": "per_unit", "unit_price": True}, "unit_price"),
        ({"model": "per_unit", "unit_price": "1", "colour": "red"}, "colour"),
        ({"model": "flat"}, "amount"),
        ({"model": "flat", "amount": "1", "currency": "EURO"}, "currency"),
        ({"model": "flat", "amount": "1", "minimum": "-1"}, "minimum"),
        ({"model": "graduated"}, "tiers"),
        ({"model": "graduated", "tiers": []}, "tiers"),
        ({"model": "graduated", "tiers": "10"}, "tiers"),
        ({"model": "graduated", "tiers": ["10"]}, "tiers[0]"),
        (
            {"model": "graduated", "tiers": [{"up_to": "10"}, {"up_to": "10"}, {"up_to": None}]},
            "tiers[1].up_to",
        ),
        (
            {"model": "graduated", "tiers": [{"up_to": "10"}, {"up_to": "5"}, {"up_to": None}]},
            "tiers[1].up_to",
        ),
        ({"model": "graduated", "tiers": [{"up_to": None}, {"up_to": "5"}]}, "tiers[0].up_to"),
        ({"model": "graduated", "tiers": [{"up_to": "5"}, {"up_to": "10"}]}, "tiers[1].up_to"),
        ({"model": "graduated", "tiers": [{"up_to": "0"}, {"up_to": None}]}, "tiers[0].up_to"),
        ({"model": "graduated", "tiers": [{"unit_price": "1"}]}, "tiers[0].up_to"),
        (
            {"model": "volume", "tiers": [{"up_to": None, "unit_price": "-1"}]},
            "tiers[0].unit_price",
        ),
        ({"model": "volume", "tiers": [{"up_to": None, "flat_fee": "-1"}]}, "tiers[0].flat_fee"),
        ({"model": "volume", "tiers": [{"up_to": None, "price": "1"}]}, "tiers[0].price"),
        ({"model": "volume", "tiers": GOOD_TIERS, "flat_fee_at_zero": "no"}, "flat_fee_at_zero"),
        ({"model": "graduated_percentage", "tiers": GOOD_TIERS}, "tiers[0].unit_price"),
        (
            {"model": "graduated_percentage", "tiers": [{"up_to": None, "rate": "-1"}]},
            "tiers[0].rate",
        ),
        ({"model": "package", "package_price": "1"}, "package_size"),
        ({"model": "package", "package_size": "0", "package_price": "1"}, "package_size"),
        ({"model": "package", "package_size": "1"}, "package_price"),
        (
            {"model": "package", "package_size": "1", "package_price": "1", "rounding": "nearest"},
            "rounding",
        ),
        (
            {"model": "package", "package_size": "1", "package_price": "1", "free_units": "-1"},
            "free_units",
        ),
        ({"model": "percentage"}, "rate"),
        ({"model": "percentage", "rate": "-1"}, "rate"),
        ({"model": "percentage", "rate": "1", "free_events": "1.5"}, "free_events"),
        ({"model": "percentage", "rate": "1", "free_events": -1}, "free_events"),
        ({"model": "percentage", "rate": "1", "min_fee": "5", "max_fee": "2"}, "max_fee"),
        ({"model": "percentage", "rate": "1", "fixed_fee": "-2"}, "fixed_fee"),
        (
            {"model": "per_unit", "unit_price": "1", "unit_rounding": {"precision": 2}},
            "unit_rounding.mode",
        ),
        (
            {"model": "per_unit", "unit_price": "1", "unit_rounding": {"mode": "bankers"}},
            "unit_rounding.mode",
        ),
        (
            {
                "model": "per_unit",
                "unit_price": "1",
                "unit_rounding": {"mode": "round", "precision": "2.5"},
            },
            "unit_rounding.precision",
        ),
        (
            {"model": "per_unit", "unit_price": "1", "unit_rounding": {"mode": "round", "n": 1}},
            "unit_rounding.n",
        ),
        ({"model": "per_unit", "unit_price": "1", "unit_rounding": "round"}, "unit_rounding"),
    ],
)
def test_invalid_charge_names_the_field(document: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_charge(document)
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")


def test_a_charge_must_be_an_object() -> None:
    with pytest.raises(InvalidInput):
        parse_charge(["model", "flat"])


@pytest.mark.parametrize(
    ("document", "quantity", "transactions", "field"),
    [
        ({"model": "per_unit", "unit_price": "1"}, None, ["1"], "transactions"),
        ({"model": "percentage", "rate": "1"}, "1", ["1"], "transactions"),
        ({"model": "percentage", "rate": "1"}, None, ["1", "-1"], "transactions[1]"),
        ({"model": "graduated_percentage", "tiers": [{"up_to": None}]}, "-1", None, "quantity"),
        ({"model": "per_unit", "unit_price": "1"}, "NaN", None, "quantity"),
    ],
)
def test_input_the_charge_cannot_price_names_the_field(
    document: dict[str, object], quantity: str | None, transactions: list[str] | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        price(
            parse_charge(document),
            None if quantity is None else D(quantity),
            None if transactions is None else [D(t) for t in transactions],
        )
    assert raised.value.field == field


def test_numbers_beyond_exact_reach_are_refused_not_rounded() -> None:
    charge = parse_charge({"model": "per_unit", "unit_price": "0.5"})
    with pytest.raises(InvalidInput):
        price(charge, D("1E+5000"))  # its amount_due, to the cent, would need 5003 digits
