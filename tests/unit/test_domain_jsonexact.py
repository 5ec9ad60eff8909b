"""jsonexact: JSON numbers are Decimals with exactly the digits sent, both ways."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monetiot.domain.jsonexact import dumps, loads, number_text


def test_every_number_is_read_as_a_decimal_with_its_digits() -> None:
    doc = loads('{"a": 0.1, "b": 3, "c": 1.50, "d": -0.000001, "e": 1e3, '
                '"f": 123456789012345678901234567890.123456789}')
    assert all(isinstance(v, Decimal) for v in doc.values())
    assert doc["a"] + Decimal("0.2") == Decimal("0.3")
    assert str(doc["c"]) == "1.50"
    assert doc["f"] == Decimal("123456789012345678901234567890.123456789")


@pytest.mark.parametrize(
    "text",
    [
        '{"kwh":0.125,"phase":"L1","ok":true,"none":null,"list":[1,2.50,"x"]}',
        '[{"a":{"b":[0.30000000000000004]}}]',
        '{"big":123456789012345678901234567890.123456789}',
        '{"neg":-0.000000000000000000000000000001}',
        '{"text":"caf\\u00e9 \\"quoted\\""}',
        "[]",
        "{}",
    ],
)
def test_round_trip_keeps_the_text_of_every_number(text: str) -> None:
    value = loads(text)
    assert dumps(value) == text
    assert loads(dumps(value)) == value


def test_dumps_sorts_keys_only_when_asked() -> None:
    value = {"b": Decimal(1), "a": {"d": Decimal(2), "c": Decimal(3)}}
    assert dumps(value) == '{"b":1,"a":{"d":2,"c":3}}'
    assert dumps(value, sort_keys=True) == '{"a":{"c":3,"d":2},"b":1}'


def test_tuples_are_written_as_arrays() -> None:
    assert dumps((Decimal("1.0"), "x")) == '[1.0,"x"]'


@pytest.mark.parametrize(
    "number", ["1E+50", "1.5E-60", "12345678901234567890123456789012345678901234567890"]
)
def test_very_long_numbers_stay_valid_json_with_their_value(number: str) -> None:
    text = number_text(Decimal(number))
    assert loads(text) == Decimal(number)
    assert dumps({"v": Decimal(number)}) == '{"v":' + text + "}"


def test_number_text_writes_plain_digits_for_ordinary_numbers() -> None:
    assert number_text(Decimal("1E+3")) == "1000"
    assert number_text(Decimal("0.00000015")) == "0.00000015"
