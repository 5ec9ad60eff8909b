"""What a reading may hold, and how it is written as JSON without losing a digit.

A reading's `data` is a mapping of text keys to values: text, `Decimal`, `int`, `bool`, `None`,
lists and nested mappings of those.

Invariants:
- a number keeps the exact digits it was given: a `Decimal` is written as its own text (`0.125`,
  `1E+3`), an `int` as its digits; the server reads JSON numbers as exact decimals;
- a `float` is refused, naming the field: `0.1` as a binary float is 0.1000000000000000055...,
  and which decimal the caller meant is a guess the SDK does not make (pass `"0.1"` or
  `Decimal("0.1")`; `Decimal(repr(x))` is the shortest text of a float, if that is what is meant);
- NaN and infinities are refused: JSON has no number for them;
- text stays text: `"0.125"` is sent as the string the caller chose (the server's meters read
  decimal text as the number it spells).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

Value = str | Decimal | int | bool | None | list["Value"] | dict[str, "Value"]

MAX_ID = 200
MAX_TYPE = 200
MAX_DEPTH = 32
_ID = re.compile(r"[^\x00-\x1f\x7f]{1,200}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ReadingError(ValueError):
    """A reading that cannot be recorded; the message names the field at fault."""


def check_data(data: Mapping[str, object]) -> dict[str, Value]:
    """`data` as a plain dict after checking every value; raises `ReadingError` naming the field."""
    if not isinstance(data, Mapping):
        raise ReadingError(f"data: must be a mapping of field names to values, not "
                           f"{type(data).__name__}")
    return {str(k): v for k, v in _checked(data, "data", 0).items()}  # type: ignore[union-attr]


def _checked(value: object, where: str, depth: int) -> Value:
    if depth > MAX_DEPTH:
        raise ReadingError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise ReadingError(
            f"{where}: {value!r} is a binary float, whose exact decimal is not what was meant; "
            f"pass text ('{value!r}') or a Decimal")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ReadingError(f"{where}: {value} is not a finite number")
        return value
    if isinstance(value, Mapping):
        out: dict[str, Value] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ReadingError(f"{where}: keys are text, not {type(key).__name__} ({key!r})")
            out[key] = _checked(item, f"{where}.{key}", depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_checked(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise ReadingError(f"{where}: {type(value).__name__} is not a JSON value "
                       "(text, Decimal, int, bool, None, list or mapping)")


def to_json(value: Value) -> str:
    """Compact JSON with every number written exactly (a `Decimal` as its own text)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)  # finite Decimal text is a valid JSON number (`1E+3`, `-0.5`)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{to_json(v)}"
                              for k, v in value.items()) + "}"
    return "[" + ",".join(to_json(v) for v in value) + "]"


def from_json(text: str) -> Value:
    """The inverse of `to_json`: numbers with a fraction or exponent come back as `Decimal`."""
    return json.loads(text, parse_float=Decimal)  # type: ignore[no-any-return]


def check_text(value: object, name: str, max_length: int) -> str:
    """A non-empty printable identifier (event type, event id, device id)."""
    if not isinstance(value, str) or not _ID.fullmatch(value) or len(value) > max_length:
        raise ReadingError(f"{name}: must be 1 to {max_length} printable characters, "
                           f"not {value!r}")
    return value


def time_us(value: object) -> int:
    """A reading's time given by the caller: an aware `datetime` or epoch milliseconds."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ReadingError("time: a datetime needs a time zone (e.g. tzinfo=UTC)")
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= 253_402_300_799_999:
            raise ReadingError(f"time: {value} ms is outside 1970-01-01 .. 9999-12-31")
        return value * 1000
    raise ReadingError(f"time: an aware datetime or epoch milliseconds, not {value!r}")


def rfc3339(us: int) -> str:
    """Epoch microseconds as RFC 3339 UTC with milliseconds (`2026-11-24T10:15:00.250Z`)."""
    seconds, micros = divmod(us, 1_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{micros // 1000:03d}Z"
