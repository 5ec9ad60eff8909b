"""Readings as a SenML pack in CBOR (RFC 8428 section 6), for constrained links.

A SenML device records readings of type `senml`; each field of a reading becomes one SenML
record named after the field. The pack carries the device as base name `DEVICE:` and the first
reading's time as base time; every record's time is its offset from it, in seconds with
microsecond digits (a decimal fraction, so no float rounds it). The server stores each record as
an event of type `senml.FIELD` with data `{"value": ...}` (its meters read the property `value`).

Invariants:
- a record's value is exact: a `Decimal` or `int`, or text that spells a decimal number, is `v`
  (an integer or a CBOR decimal fraction); other text is `vs`, a bool `vb`;
- field names and the device id are valid SenML names (RFC 8428 section 4.5.1), checked when the
  reading is recorded (`check_fields`), never discovered when it is sent;
- the server derives a SenML event's id from device, name and time (SenML records carry no id),
  so a resent pack is counted once; two readings of one device share a time only if the outbox
  gave them the same microsecond, which it never does (outbox.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from monetiot.edge import cbor
from monetiot.edge.values import ReadingError, Value

CONTENT_TYPE = "application/senml+cbor"
TYPE = "senml"
# RFC 8428 section 6: integer labels
BN, BT, N, V, VS, VB, T = -2, -3, 0, 2, 3, 4, 6
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9:./_-]*")
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def check_fields(device: str, data: Mapping[str, Value]) -> None:
    """Refuse, naming it, a reading that SenML cannot carry."""
    if not _NAME.fullmatch(device + ":"):
        raise ReadingError(f"device: {device!r} is not a valid SenML name "
                           "(A-Z a-z 0-9 - : . / _, starting with a letter or digit)")
    if not data:
        raise ReadingError("data: a SenML reading needs at least one field")
    for name, value in data.items():
        if not _NAME.fullmatch(name):
            raise ReadingError(f"data.{name}: not a valid SenML name "
                               "(A-Z a-z 0-9 - : . / _, starting with a letter or digit)")
        _label(value, name)


def _label(value: Value, name: str) -> tuple[int, object]:
    if isinstance(value, bool):
        return VB, value
    if isinstance(value, (int, Decimal)):
        return V, value
    if isinstance(value, str):
        if _DECIMAL_TEXT.fullmatch(value.strip()):
            try:
                return V, Decimal(value.strip())
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                pass
        return VS, value
    raise ReadingError(f"data.{name}: SenML carries a number, text or a bool, "
                       f"not {type(value).__name__}")


def pack(device: str, readings: Sequence[tuple[int, Mapping[str, Value]]]) -> tuple[bytes, int]:
    """One CBOR pack for `readings` of `device`: (bytes, number of SenML records).

    Each reading is (time in epoch microseconds, fields); its records follow in field order.
    """
    records: list[dict[int, object]] = []
    base_us = readings[0][0]
    for index, (time_us, fields) in enumerate(readings):
        for position, (name, value) in enumerate(fields.items()):
            record: dict[int, object] = {}
            if index == 0 and position == 0:
                record[BN] = f"{device}:"
                record[BT] = Decimal(base_us).scaleb(-6)
            record[N] = name
            offset = time_us - base_us
            if offset:
                record[T] = Decimal(offset).scaleb(-6)
            label, encoded = _label(value, name)
            record[label] = encoded
            records.append(record)
    return cbor.dumps(records), len(records)
