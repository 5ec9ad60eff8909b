"""The strict CBOR reader SenML uses (`cbor_reader`): values, float widths and every refusal."""

from __future__ import annotations

import math
import struct
from decimal import Decimal

import cbor2
import pytest

from monetiot.ingest.formats.cbor_reader import CborError, loads, shortest_float_text


def read(hex_text: str) -> object:
    return loads(bytes.fromhex(hex_text))


def test_the_values_senml_uses() -> None:
    pack = [
        {-2: "d:", 0: "x", 2: 1, 3: "on", 4: True, 8: b"\x00\xff", "ext_": None},
        {-1: 5, 6: -1, 5: -(2**64)},
    ]
    assert loads(cbor2.dumps(pack)) == pack


def test_indefinite_lengths_are_read_like_definite_ones() -> None:
    # [_ {_ 0: (_ "a", "b"), 8: (_ h'01', h'02')}, [_ ]]
    assert read("9f bf 00 7f 6161 6162 ff 08 5f 4101 4102 ff ff 9f ff ff") == [
        {0: "ab", 8: b"\x01\x02"},
        [],
    ]


def test_decimal_fractions_bignums_and_the_self_described_tag() -> None:
    assert read("c4 82 21 196ab3") == Decimal("273.15")  # 4([-2, 27315])
    assert read("c4 82 20 c2 49 010000000000000000") == Decimal("1844674407370955161.6")
    assert read("c3 49 010000000000000000") == -1 - 2**64
    assert read("d9d9f7 81 00") == [0]
    assert loads(cbor2.dumps(Decimal("-0.1000000000000000000001"))) == Decimal(
        "-0.1000000000000000000001"
    )


def test_non_finite_floats_stay_floats_for_the_resolver_to_refuse() -> None:
    assert math.isnan(read("f97e00"))  # type: ignore[arg-type]
    assert read("fa7f800000") == math.inf
    assert read("fbfff0000000000000") == -math.inf


@pytest.mark.parametrize("value", [0.1, 120.1, 1.2, 23.1, 1e-7, 3.0e38, 1 / 3, 65504.0])
def test_shortest_single_text_reads_back_to_the_same_single(value: float) -> None:
    def as_single(x: float) -> float:
        return float(struct.unpack(">f", struct.pack(">f", x))[0])

    single = as_single(value)
    text = shortest_float_text(single, 32)
    assert as_single(float(text)) == single
    digits = len(Decimal(text).as_tuple().digits)
    assert all(as_single(float(format(single, f".{p}g"))) != single for p in range(1, digits))


def test_shortest_text_per_width() -> None:
    assert shortest_float_text(struct.unpack(">f", struct.pack(">f", 120.1))[0], 32) == "120.1"
    assert shortest_float_text(struct.unpack(">e", struct.pack(">e", 0.1))[0], 16) == "0.1"
    assert shortest_float_text(0.1 + 0.2, 64) == "0.30000000000000004"


@pytest.mark.parametrize(
    ("hex_text", "reason"),
    [
        ("", "empty"),
        ("8000", "1 bytes after the pack"),
        ("82 00", "truncated"),
        ("62 61", "truncated"),
        ("fa 0000", "truncated"),
        ("ff", "byte 0: a break (0xff) outside"),
        ("1f", "byte 0: an integer cannot have an indefinite length"),
        ("df 00", "byte 0: a tag cannot have an indefinite length"),
        ("7f 4161 ff", "byte 1: a chunk of an indefinite-length string"),
        ("5f 5f ff ff", "byte 1: a chunk of an indefinite-length string"),
        ("a2 00 00 00 01", "byte 3: duplicate map key 0"),
        ("a2 6161 00 6161 01", "byte 4: duplicate map key 'a'"),
        ("a1 41 00 00", "byte 1: a map key is an integer or a text string in SenML, not a byte"),
        ("a1 fa3f800000 00", "not a float"),
        ("bf 00 ff", "byte 2: a break (0xff) outside"),
        ("c1 00", "byte 0: CBOR tag 1 is not used by SenML"),
        ("c5 82 00 01", "byte 0: CBOR tag 5 is not used by SenML"),
        ("c4 82 00 f5", "byte 0: a decimal fraction (tag 4) is [exponent, mantissa]"),
        ("c4 83 00 01 02", "byte 0: a decimal fraction (tag 4) is [exponent, mantissa]"),
        ("c4 82 1a 05f5e100 01", "decimal fraction exponent 100000000 is beyond +/-999999"),
        ("c2 00", "byte 0: a bignum (tag 2) holds a byte string"),
        ("f7", "byte 0: undefined is not a SenML value"),
        ("e0", "byte 0: simple value 0 is not a SenML value"),
        ("f8 10", "byte 0: simple value 16 must be encoded in one byte"),
        ("f8 ff", "byte 0: simple value 255 is not a SenML value"),
        ("1c", "byte 0: reserved additional information 28"),
        ("62 c3 28", "byte 0: a text string that is not valid UTF-8"),
        ("9b ffffffffffffffff", "truncated: the item at byte 0 announces"),
        ("bb 7fffffffffffffff", "truncated: the item at byte 0 announces"),
        ("d9d9f7" * 70 + "00", "nested deeper than 64 levels"),
    ],
)
def test_refusals_say_where_and_why(hex_text: str, reason: str) -> None:
    with pytest.raises(CborError) as caught:
        read(hex_text)
    assert reason in caught.value.reason
