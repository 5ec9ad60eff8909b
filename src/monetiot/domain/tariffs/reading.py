"""Reading untrusted JSON values into typed ones, naming the field at fault.

Every reader takes the value and its field path (`elements[0].price_components[1].price`) and
either returns a typed value or raises `InvalidInput` with that path. Numbers are read exactly
(`to_decimal`): JSON numbers parsed as `Decimal`, or decimal text; never a binary float's digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import to_decimal

E = TypeVar("E", bound=StrEnum)

_DATE = re.compile(r"[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def child(path: str, name: str) -> str:
    """The path of field `name` inside the object at `path` ("" is the document root)."""
    return f"{path}.{name}" if path else name


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def read_object(value: object, field: str, allowed: frozenset[str] | None) -> Mapping[str, object]:
    """A JSON object; with `allowed`, any other key is refused (a misspelt key would be ignored)."""
    if not isinstance(value, Mapping):
        raise InvalidInput(f"expected an object, got {_kind(value)}", field=field or None)
    if allowed is not None:
        for key in value:
            if key not in allowed:
                raise InvalidInput(
                    f"unknown field; expected one of {', '.join(sorted(allowed))}",
                    field=child(field, str(key)),
                )
    return value


def read_list(value: object, field: str, *, non_empty: bool) -> list[object]:
    if not isinstance(value, list):
        raise InvalidInput(f"expected a list, got {_kind(value)}", field=field)
    if non_empty and not value:
        raise InvalidInput("must hold at least one entry", field=field)
    return value


def read_text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"expected text, got {_kind(value)}", field=field)
    return value


def read_number(value: object, field: str) -> Decimal:
    """An exact, finite decimal that is not negative."""
    number = to_decimal(value, field)
    if number < 0:
        raise InvalidInput(f"must not be negative, got {value}", field=field)
    return number


def read_whole(value: object, field: str) -> int:
    """A whole number >= 0 (`60` and `60.0` are both read as 60)."""
    number = read_number(value, field)
    if number != number.to_integral_value():
        raise InvalidInput(f"must be a whole number, got {value}", field=field)
    return int(number)


def read_enum(value: object, field: str, enum: type[E]) -> E:
    text = read_text(value, field)
    try:
        return enum(text)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        message = f"unknown value {text!r}; expected one of {allowed}"
        raise InvalidInput(message, field=field) from None


def read_datetime(value: object, field: str) -> datetime:
    """An RFC 3339 / OCPI DateTime, returned in UTC; without an offset it is UTC (as OCPI says)."""
    text = read_text(value, field)
    if "T" not in text and "t" not in text:
        message = f"expected a date and time like 2024-06-03T10:00:00Z, got {text!r}"
        raise InvalidInput(message, field=field)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"not a date and time: {text!r}", field=field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def read_date(value: object, field: str) -> date:
    text = read_text(value, field)
    if not _DATE.fullmatch(text):
        raise InvalidInput(f"expected a date like 2015-12-24, got {text!r}", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"no such date: {text!r}", field=field) from None


def read_time_of_day(value: object, field: str) -> int:
    """ "HH:MM" (24 h, leading zeros) as minutes since midnight."""
    text = read_text(value, field)
    match = _TIME.fullmatch(text)
    if not match:
        raise InvalidInput(f"expected a time of day like 13:30, got {text!r}", field=field)
    return int(match.group(1)) * 60 + int(match.group(2))


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return "a number" if isinstance(value, (int, float, Decimal)) else type(value).__name__
