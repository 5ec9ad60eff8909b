"""Money: exact decimals in, one rounding out, half away from zero at the currency's minor unit."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from monetiot.domain.errors import InvalidInput, OutOfRange
from monetiot.domain.money import (
    currency_exponent,
    decimal_text,
    fraction_decimal,
    round_money,
    to_decimal,
)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),
        ("2.344999", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),  # away from zero, not up
        ("-0.005", "USD", "-0.01"),
        ("0.005", "USD", "0.01"),
        ("0.0049999999999999999999", "USD", "0.00"),
        ("2.5", "JPY", "3"),
        ("-2.5", "JPY", "-3"),
        ("1234.4999", "JPY", "1234"),
        ("1.0005", "KWD", "1.001"),
        ("-1.0005", "KWD", "-1.001"),
        ("1.00049", "KWD", "1.000"),
        ("0.00005", "CLF", "0.0001"),
        ("7", "EUR", "7.00"),
    ],
)
def test_round_money_is_half_away_from_zero_at_the_minor_unit(
    amount: str, currency: str, expected: str
) -> None:
    result = round_money(Decimal(amount), currency)
    assert str(result) == expected


def test_round_money_keeps_the_minor_unit_as_trailing_zeros() -> None:
    assert str(round_money(Decimal("10"), "KWD")) == "10.000"
    assert str(round_money(Decimal("10"), "JPY")) == "10"


@pytest.mark.parametrize(("currency", "exponent"),
                         [("EUR", 2), ("usd", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3),
                          ("BHD", 3), ("TND", 3), ("CLF", 4)])
def test_currency_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


@pytest.mark.parametrize("code", ["EU", "EURO", "E1R", "", "€€€", "XYZ", "XAU", "ABC"])
def test_a_code_that_is_not_iso_4217_is_refused_naming_currency(code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        round_money(Decimal(1), code)
    assert caught.value.field == "currency"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.125", "0.125"),
        ("1.230", "1.230"),  # trailing zeros are digits the user wrote
        (" 42 ", "42"),
        # 33 significant digits: more than a float (17) or Python's default context (28) keep
        ("123456789012345.123456789012345678", "123456789012345.123456789012345678"),
        (7, "7"),
        (10**15 - 1, "9" * 15),
        (Decimal("0.1"), "0.1"),
        ("-0.000000000000000001", "-0.000000000000000001"),
        ("1.000000000000000000000000", "1.000000000000000000000000"),  # zeros are not precision
    ],
)
def test_to_decimal_keeps_every_digit(value: object, expected: str) -> None:
    assert decimal_text(to_decimal(value, "rate")) == expected


@pytest.mark.parametrize(
    "junk",
    ["abc", "", "1,5", "0x10", "NaN", "-Infinity", "inf", "1.2.3", "€5", None, True, False,
     [1], {"v": 1}, Decimal("NaN"), Decimal("Infinity"), b"1"],
)
def test_to_decimal_refuses_junk_naming_the_field(junk: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        to_decimal(junk, "tiers[1].price")
    assert caught.value.field == "tiers[1].price"
    assert str(caught.value).startswith("tiers[1].price: ")


def test_to_decimal_refuses_binary_floats_whose_digits_are_already_lost() -> None:
    # The module promises "never a binary float": 0.1 as a float is not 0.1.
    with pytest.raises(InvalidInput) as caught:
        to_decimal(0.1, "unit_price")
    assert caught.value.field == "unit_price"


def test_decimal_text_never_uses_an_exponent() -> None:
    assert decimal_text(Decimal("1E+3")) == "1000"
    assert decimal_text(Decimal("1.5E-7")) == "0.00000015"
    assert decimal_text(Decimal("2.50")) == "2.50"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("1e15", "too large"), ("-1000000000000000", "too large"), (10**15, "too large"),
        ("2e27", "too large"), ("1e999", "too large"), ("1e10000000", "too large"),
        ("1e-19", "too precise"), ("0.0000000000000000001", "too precise"),
        ("1e-400000", "too precise"), ("9" * 2000, "characters"),
    ],
)
def test_numbers_beyond_the_limits_are_refused_naming_the_field(value: object, why: str) -> None:
    with pytest.raises(OutOfRange) as caught:
        to_decimal(value, "usage.kwh")
    assert caught.value.field == "usage.kwh"
    assert why in str(caught.value)
    assert len(str(caught.value)) < 200  # a 10-million-digit number is never echoed


def test_the_largest_numbers_monetiot_accepts() -> None:
    assert to_decimal("999999999999999.999999999999999999", "q") == Decimal(
        "999999999999999.999999999999999999")
    assert to_decimal("-999999999999999", "q") == Decimal(-999999999999999)
    assert to_decimal("0.000000000000000001", "q") == Decimal("1E-18")


@pytest.mark.parametrize(
    ("fraction", "currency", "expected"),
    [
        (Fraction("21.03") * Fraction(25, 30), "EUR", "17.53"),  # exactly 17.525
        (-Fraction("21.03") * Fraction(25, 30), "EUR", "-17.53"),
        (Fraction(49, 3), "EUR", "16.33"),
        (Fraction(1, 200), "USD", "0.01"),
        (Fraction(1, 200) - Fraction(1, 10**40), "USD", "0.00"),  # a hair below the half
        (Fraction(5, 2), "JPY", "3"),
        (Fraction(10005, 10000), "KWD", "1.001"),
        (Fraction(0), "EUR", "0.00"),
    ],
)
def test_round_money_rounds_an_exact_fraction_once(fraction: Fraction, currency: str,
                                                    expected: str) -> None:
    assert str(round_money(fraction, currency)) == expected


def test_amounts_beyond_the_largest_are_a_named_error_not_a_traceback() -> None:
    for amount in (Decimal("1E+26"), Decimal("1E+999"), Fraction(10**15)):
        with pytest.raises(OutOfRange, match="largest amount"):
            round_money(amount, "EUR")
    assert str(round_money(Decimal("999999999999999.994"), "EUR")) == "999999999999999.99"


def test_fraction_decimal_is_exact_when_the_quotient_terminates() -> None:
    assert fraction_decimal(Fraction("21.03") * Fraction(25, 30)) == Decimal("17.525")
    assert fraction_decimal(Fraction(1, 3)) == Decimal("0.3333333333333333333333333333333333")
    assert fraction_decimal(Fraction(-7, 8)) == Decimal("-0.875")
