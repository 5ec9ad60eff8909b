"""The preview shape of a priced charge (spec/pricing.md, "Preview output").

Invariants: every decimal is written as exact text without exponent ("1300", "1300.00");
top-level keys are exactly currency, quantity, amount, amount_due, lines; a line carries only
the keys that apply to its kind; tier lines carry their 0-based `tier` index (as in `tiers[i]`)
and bounds `from` (exclusive) and `up_to` (inclusive, null when unbounded); percentage lines the
0-based `transaction` they price.
"""

from __future__ import annotations

from typing import TypedDict

from monetiot.domain.money import decimal_text
from monetiot.domain.pricing.result import ChargeLine, ChargeResult

JsonLine = dict[str, str | int | None]


class ChargePreview(TypedDict):
    currency: str
    quantity: str
    amount: str
    amount_due: str
    lines: list[JsonLine]


def to_json(result: ChargeResult) -> ChargePreview:
    """`{"currency", "quantity", "amount", "amount_due", "lines"}` with numbers as strings."""
    return {
        "currency": result.currency,
        "quantity": decimal_text(result.quantity),
        "amount": decimal_text(result.amount),
        "amount_due": decimal_text(result.amount_due),
        "lines": [line_json(line) for line in result.lines],
    }


def line_json(line: ChargeLine) -> JsonLine:
    out: JsonLine = {"kind": line.kind}
    if line.tier is not None:
        out["tier"] = line.tier.index
        out["from"] = decimal_text(line.tier.lower)
        out["up_to"] = None if line.tier.up_to is None else decimal_text(line.tier.up_to)
    if line.transaction is not None:
        out["transaction"] = line.transaction
    for key, value in (
        ("quantity", line.quantity),
        ("unit_price", line.unit_price),
        ("rate", line.rate),
    ):
        if value is not None:
            out[key] = decimal_text(value)
    out["amount"] = decimal_text(line.amount)
    return out
