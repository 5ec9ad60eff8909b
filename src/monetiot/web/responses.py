"""JSON responses with exact numbers: every Decimal leaves as a string, never a float."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from monetiot.domain.errors import InvalidInput


def exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [exact(v) for v in value]
    return value


MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def parse_time(text: str | None, field: str) -> int | None:
    """RFC 3339 text or epoch milliseconds, to epoch milliseconds."""
    if text is None or text == "":
        return None
    if text.lstrip("-").isdigit():
        value = int(text)
        if not 0 <= value <= MAX_MS:
            raise InvalidInput("epoch ms between 1970 and 9999", field=field)
        return value
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("use RFC 3339 (2026-11-01T00:00:00Z) or epoch ms", field=field) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    value = int(dt.timestamp() * 1000)
    if not 0 <= value <= MAX_MS:
        raise InvalidInput("must be between 1970 and 9999", field=field)
    return value
