"""Exact decimals, the numbers monetiot accepts, and money rounding.

Invariants:
- a number a user sends is read exactly (text, int, or a Decimal already parsed from JSON text;
  never a binary float), and is accepted only within the documented limits (docs/limits.md):
  at most 15 digits before the decimal point and 18 after (`check_number`), so that every
  accepted number is exactly a decimal128 and any product of two fits the exact contexts here;
- shares of a period and other ratios stay exact (`fractions.Fraction`) until the one rounding:
  `round_money` rounds a Decimal or a Fraction once, half away from zero, at the currency's
  ISO 4217 minor unit, and refuses an amount at or beyond `MAX_AMOUNT` with `OutOfRange`;
- a quotient shown as a decimal (`fraction_decimal`) is exact whenever it terminates, else it
  carries 34 significant digits; it is for reading, never for rounding again.
"""

from __future__ import annotations

from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction

from monetiot.domain.currencies import currency_code, currency_exponent
from monetiot.domain.errors import InvalidInput, OutOfRange

__all__ = [
    "EXACT",
    "MAX_AMOUNT",
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "MAX_QUANTITY",
    "QUOTIENT",
    "check_amount",
    "check_number",
    "currency_code",
    "currency_exponent",
    "decimal_text",
    "fraction_decimal",
    "number_problem",
    "round_money",
    "short_text",
    "to_decimal",
    "total_problem",
]

EXACT = Context(prec=1000, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
"""Sums and products of exact inputs: 1000 digits, and an error rather than a silent rounding.
(Python's default context keeps only 28 significant digits.)"""

QUOTIENT = Context(prec=34)
"""Quotients that need not terminate (averages, unit conversions): 34 significant digits."""

MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 18
MAX_QUANTITY = Decimal(10) ** MAX_INTEGER_DIGITS
"""Every number monetiot accepts is smaller than this in size (and has at most 18 decimals)."""
MAX_AMOUNT = MAX_QUANTITY
"""An amount of money (a line, a total, a price) is smaller than this in the major unit."""

MAX_TOTAL_DIGITS = 24
"""A usage total (a sum of accepted numbers) may pass 10^15; beyond 10^24 it can only come from
data stored before the limits existed."""

UNBOUNDED = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])
"""Sums of stored values, exact whatever their size: what is stored never makes a sum fail."""

_ROUNDING = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Overflow])


def short_text(value: Decimal) -> str:
    """A number as an error message may quote it: never thousands of digits."""
    if not value.is_finite():
        return str(value)
    if abs(value.adjusted()) <= 40:
        text = format(value, "f")
        if len(text) <= 40:
            return text
    text = format(value, "E")
    return text if len(text) <= 40 else format(value, ".6E")


def number_problem(value: Decimal) -> str | None:
    """Why `value` is not a number monetiot accepts, or None when it is."""
    if not value.is_finite():
        return f"{value} is not a finite number"
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    kept = list(digits)
    while len(kept) > 1 and kept[-1] == 0:  # trailing zeros are not precision
        kept.pop()
        exponent += 1
    if kept == [0]:
        return None
    if len(kept) + exponent > MAX_INTEGER_DIGITS:
        return _too_large(short_text(value))
    if -exponent > MAX_FRACTION_DIGITS:
        return (f"{short_text(value)} is too precise: monetiot accepts at most "
                f"{MAX_FRACTION_DIGITS} digits after the decimal point")
    return None


def _too_large(shown: str) -> str:
    return (f"{shown} is too large: monetiot accepts numbers below 10^{MAX_INTEGER_DIGITS} in "
            f"size (at most {MAX_INTEGER_DIGITS} digits before the decimal point)")


def total_problem(value: Decimal) -> str | None:
    """Why a computed total (usage of a window) cannot be reported, or None."""
    if not value.is_finite():
        return f"{value} is not a finite number"
    if value and value.adjusted() >= MAX_TOTAL_DIGITS:
        return f"{short_text(value)} is beyond 10^{MAX_TOTAL_DIGITS}"
    if value and value.adjusted() < -40:
        return f"{short_text(value)} is below 10^-40"
    return None


def check_number(value: Decimal, field: str | None) -> Decimal:
    """`value` if monetiot accepts it; else `OutOfRange` naming the field."""
    problem = number_problem(value)
    if problem is not None:
        raise OutOfRange(problem, field=field)
    return value


def check_amount(amount: Decimal | Fraction, field: str | None = None,
                 what: str = "amount") -> None:
    """Refuse an amount of money at or beyond `MAX_AMOUNT` (a computed line or total)."""
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise OutOfRange(f"the {what} is not a finite number", field=field)
    if isinstance(amount, Decimal):  # by its exponent: 1E+10000000 is never written out
        too_large = bool(amount) and amount.adjusted() >= MAX_INTEGER_DIGITS
    else:
        too_large = abs(amount) >= 10**MAX_INTEGER_DIGITS
    if too_large:
        shown = short_text(amount if isinstance(amount, Decimal) else fraction_decimal(amount))
        raise OutOfRange(
            f"the {what} {shown} is beyond the largest amount monetiot bills (below 10^"
            f"{MAX_INTEGER_DIGITS} of the currency's major unit)", field=field)


def round_money(amount: Decimal | Fraction, currency: str) -> Decimal:
    """Round once, half away from zero, to the currency's minor unit; exact for a Fraction."""
    exponent = currency_exponent(currency)
    check_amount(amount)
    if isinstance(amount, Fraction):
        scaled = amount * 10**exponent
        units, rest = divmod(abs(scaled.numerator), scaled.denominator)
        if 2 * rest >= scaled.denominator:
            units += 1
        sign = 1 if scaled < 0 and units else 0
        return Decimal((sign, tuple(int(c) for c in str(units)), -exponent))
    quantum = Decimal(1).scaleb(-exponent)
    return amount.quantize(quantum, rounding=ROUND_HALF_UP, context=_ROUNDING)


def fraction_decimal(value: Fraction) -> Decimal:
    """`value` as a decimal: exact when it terminates (the denominator has only the factors 2
    and 5), else to 34 significant digits. For showing a quotient, never for rounding it."""
    if value == 0:
        return Decimal(0)
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator == 1:
        places = max(twos, fives)
        units = value.numerator * 10**places // value.denominator
        sign = 1 if units < 0 else 0
        return Decimal((sign, tuple(int(c) for c in str(abs(units))), -places))
    return QUOTIENT.divide(Decimal(value.numerator), Decimal(value.denominator))


def to_decimal(value: object, field: str) -> Decimal:
    """Read a user's number exactly, within the limits monetiot accepts; floats are refused
    because their digits are already lost."""
    if isinstance(value, bool):
        raise InvalidInput(f"expected a number, got {value!r}", field=field)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if abs(value) >= 10**MAX_INTEGER_DIGITS:
            raise OutOfRange(_too_large("the number"), field=field)
        result = Decimal(value)
    elif isinstance(value, str):
        if len(value) > 1000:
            raise OutOfRange(f"a number of {len(value)} characters is beyond what monetiot "
                             "accepts", field=field)
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
        raise InvalidInput(f"not a finite number: {short_text(result)}", field=field)
    return check_number(result, field)


def decimal_text(value: Decimal) -> str:
    """Canonical text of an exact decimal: no exponent, every significant digit kept."""
    text = format(value, "f")
    return text
