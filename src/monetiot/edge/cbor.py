"""A minimal CBOR (RFC 8949) encoder for what SenML packs hold, standard library only.

Encodes integers of any size (major types 0 and 1, bignums as tags 2 and 3 beyond 64 bits),
byte strings, text, arrays, maps, true/false/null, and `Decimal` as a decimal fraction (tag 4,
`[exponent, mantissa]`, RFC 8949 section 3.4.4).

Invariants:
- every item uses the shortest head for its argument (preferred serialization, section 4.1), and
  definite lengths only, so the same value always gives the same bytes;
- a `Decimal` keeps its digits exactly (`Decimal("0.125")` is `4([-3, 125])`); an integral
  `Decimal` with exponent 0 is written as a plain integer;
- floats are never written: the SDK refuses them before they get here (values.py), and this
  encoder raises `TypeError` for anything it does not know, rather than guessing.
"""

from __future__ import annotations

import struct
from decimal import Decimal

_TAG_BIGNUM_POS = 2
_TAG_BIGNUM_NEG = 3
_TAG_DECIMAL = 4


def dumps(value: object) -> bytes:
    """The CBOR encoding of `value`."""
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _head(major: int, argument: int, out: bytearray) -> None:
    top = major << 5
    if argument < 24:
        out.append(top | argument)
    elif argument < 0x100:
        out += struct.pack(">BB", top | 24, argument)
    elif argument < 0x10000:
        out += struct.pack(">BH", top | 25, argument)
    elif argument < 0x100000000:
        out += struct.pack(">BI", top | 26, argument)
    else:
        out += struct.pack(">BQ", top | 27, argument)


def _integer(value: int, out: bytearray) -> None:
    if 0 <= value < 2**64:
        _head(0, value, out)
    elif -(2**64) <= value < 0:
        _head(1, -1 - value, out)
    else:
        magnitude = value if value >= 0 else -1 - value
        _head(6, _TAG_BIGNUM_POS if value >= 0 else _TAG_BIGNUM_NEG, out)
        raw = magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "big")
        _head(2, len(raw), out)
        out += raw


def _decimal(value: Decimal, out: bytearray) -> None:
    if not value.is_finite():
        raise TypeError(f"{value} has no CBOR decimal fraction")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    mantissa = int("".join(map(str, digits)) or "0")
    if sign:
        mantissa = -mantissa
    if exponent == 0:
        _integer(mantissa, out)
        return
    _head(6, _TAG_DECIMAL, out)
    _head(4, 2, out)
    _integer(exponent, out)
    _integer(mantissa, out)


def _encode(value: object, out: bytearray) -> None:
    if value is False:
        out.append(0xF4)
    elif value is True:
        out.append(0xF5)
    elif value is None:
        out.append(0xF6)
    elif isinstance(value, int):
        _integer(value, out)
    elif isinstance(value, Decimal):
        _decimal(value, out)
    elif isinstance(value, bytes):
        _head(2, len(value), out)
        out += value
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        _head(3, len(raw), out)
        out += raw
    elif isinstance(value, (list, tuple)):
        _head(4, len(value), out)
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        _head(5, len(value), out)
        for key, item in value.items():
            _encode(key, out)
            _encode(item, out)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as CBOR")
