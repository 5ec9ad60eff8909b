"""Exact decimals and money rounding.

Invariants: a number a user sends is read exactly (text, int, or a Decimal already parsed from
JSON text; never a binary float); rounding happens once, half away from zero, at the currency's
ISO 4217 minor unit.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)

from monetiot.domain.errors import InvalidInput

# ISO 4217 minor-unit exponents that differ from 2.
_EXPONENTS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}


EXACT = Context(prec=1000, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
"""Sums and products of exact inputs: 1000 digits, and an error rather than a silent rounding.
(Python's default context keeps only 28 significant digits.)"""

QUOTIENT = Context(prec=34)
"""Quotients that need not terminate (averages, unit conversions): 34 significant digits."""


def currency_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (2 unless ISO 4217 says otherwise)."""
    code = currency.upper()
    if len(code) != 3 or not code.isalpha():
        raise InvalidInput(f"not an ISO 4217 code: {currency!r}", field="currency")
    return _EXPONENTS.get(code, 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round once, half away from zero, to the currency's minor unit."""
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def to_decimal(value: object, field: str) -> Decimal:
    """Read a user's number exactly; floats are refused because their digits are already lost."""
    if isinstance(value, bool):
        raise InvalidInput(f"expected a number, got {value!r}", field=field)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInput(f"not a decimal number: {value!r}", field=field) from None
    elif isinstance(value, float):
        raise InvalidInput(
            f"{value!r} was read as a binary float and may have lost digits; "
            "send the number as text or read JSON numbers as decimals", field=field)
    else:
        raise InvalidInput(f"expected a number, got {type(value).__name__}", field=field)
    if not result.is_finite():
        raise InvalidInput(f"not a finite number: {value!r}", field=field)
    return result


def decimal_text(value: Decimal) -> str:
    """Canonical text of an exact decimal: no exponent, every significant digit kept."""
    text = format(value, "f")
    return text
