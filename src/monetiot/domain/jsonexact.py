"""JSON with exact decimals, in the standard library only.

`loads` reads every JSON number as `Decimal` (integers too), so no digit is lost; `dumps` writes a
`Decimal` back as a JSON number with exactly its digits. The ingest hot path uses msgspec for
speed; this module is what pure domain code uses.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def loads(text: str | bytes) -> Any:
    """Parse JSON with exact numbers; JSON nested too deep to read is a `ValueError` (as
    `json.JSONDecodeError` is), never a `RecursionError`."""
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except RecursionError:
        raise ValueError("the JSON nests too deep to read") from None


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    parts: list[str] = []
    _write(value, parts, sort_keys)
    return "".join(parts)


def _write(value: Any, out: list[str], sort_keys: bool) -> None:
    if isinstance(value, Decimal):
        out.append(number_text(value))
    elif isinstance(value, dict):
        out.append("{")
        items = sorted(value.items()) if sort_keys else value.items()
        for i, (key, item) in enumerate(items):
            if i:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _write(item, out, sort_keys)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, sort_keys)
        out.append("]")
    else:
        out.append(json.dumps(value))


def number_text(value: Decimal) -> str:
    """A valid JSON number with the decimal's exact digits (exponent form only when very long)."""
    text = format(value, "f")
    if len(text) > 40:
        text = format(value, "E")
    return text
