"""Reading the parts of an outcome contract document: numbers, times, text, lists, objects.

Invariants: numbers are read exactly (`to_decimal`: text, integers or decimals, never a binary
float); times are RFC 3339 text (a date alone is midnight UTC), a date or datetime YAML already
read, or epoch milliseconds; every error names the field path (`reporting[2].variables.hdd`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import to_decimal

MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def obj(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput("must be an object", field=field)
    return value


def items(value: object, field: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise InvalidInput("must be a list", field=field)
    return value


def only(doc: Mapping[str, Any], allowed: set[str], at: str) -> None:
    """Refuse unknown keys: a misspelt `cap` must not silently mean "no cap"."""
    for key in doc:
        if key not in allowed:
            raise InvalidInput(f"unknown field; expected some of {', '.join(sorted(allowed))}",
                               field=f"{at}.{key}" if at else str(key))


def text(value: object, field: str, *, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise InvalidInput(f"must be text of 1 to {max_length} characters", field=field)
    return value.strip()


def identifier(value: object, field: str) -> str:
    result = text(value, field, max_length=100)
    if any(c.isspace() or c in "/?#" for c in result):
        raise InvalidInput("must not contain spaces, '/', '?' or '#'", field=field)
    return result


def number(value: object, field: str) -> Decimal:
    if value is None:
        raise InvalidInput("required", field=field)
    return to_decimal(value, field)


def optional_number(value: object, field: str) -> Decimal | None:
    return None if value is None else to_decimal(value, field)


def percent(value: object, field: str) -> Decimal:
    result = number(value, field)
    if not 0 <= result <= 100:
        raise InvalidInput("must be a percentage from 0 to 100", field=field)
    return result


def time_ms(value: object, field: str) -> int:
    if value is None:
        raise InvalidInput("required", field=field)
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        result = int(moment.timestamp() * 1000)
    elif isinstance(value, date):
        result = int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
                     * 1000)
    elif isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"expected RFC 3339 (2026-01-01T00:00:00Z), a date or epoch ms, "
                               f"got {value!r}", field=field) from None
        return time_ms(parsed, field)
    else:
        whole = to_decimal(value, field)
        if whole != whole.to_integral_value():
            raise InvalidInput(f"expected epoch milliseconds, got {value!r}", field=field)
        result = int(whole)
    if not 0 <= result <= MAX_MS:
        raise InvalidInput("must be between 1970 and 9999", field=field)
    return result


def variables(value: object, field: str) -> dict[str, Decimal]:
    doc = obj({} if value is None else value, field)
    return {str(k): number(v, f"{field}.{k}") for k, v in doc.items()}
