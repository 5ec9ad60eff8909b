"""How invoice documents write numbers and dates: exactly, and in the customer's time zone.

Invariants: a number is read from its decimal text (or a Decimal) and written from it, never
through a binary float; an amount shows at least its currency's minor unit (EUR 12.5 -> 12.50)
and never loses a digit it has (an unrounded tier step 205.246125 stays so); a date is the
customer's local calendar date; a covered span `[start, end)` is written with its last day.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from monetiot.domain.money import EXACT, currency_exponent
from monetiot.domain.windows import zone

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def decimal(value: object) -> Decimal | None:
    """The exact Decimal of a stored value (Decimal, int or decimal text); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float | bool):
        raise TypeError(f"refusing {value!r}: amounts are Decimal or decimal text")
    return Decimal(str(value))


def plain(value: object) -> str:
    """Exact decimal text without exponent or grouping (CSV): `1E+3` -> `1000`."""
    number = decimal(value)
    return "" if number is None else format(number, "f")


def number(value: object) -> str:
    """Exact, with thousands separated by commas: `12345.670` -> `12,345.670`."""
    number = decimal(value)
    return "" if number is None else format(_unsigned_zero(number), ",f")


def money(value: object, currency: str) -> str:
    """An amount at (at least) the currency's minor unit, exactly: `1234.5` EUR -> `1,234.50`."""
    amount = decimal(value)
    if amount is None:
        return ""
    digits = max(currency_exponent(currency), _fraction_digits(amount))
    padded = amount.quantize(Decimal(1).scaleb(-digits), context=EXACT)
    return format(_unsigned_zero(padded), ",f")


def percent(value: object) -> str:
    rate = decimal(value)
    return "" if rate is None else f"{format(_unsigned_zero(rate), 'f')}%"


def local_zone(name: str | None) -> ZoneInfo:
    return zone(name or "UTC", "timezone")


def day(ms: int | None, tz: ZoneInfo) -> str:
    """`1 Oct 2026`, month names fixed in English whatever the process locale."""
    if ms is None:
        return ""
    d = _local(ms, tz)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def iso_day(ms: int | None, tz: ZoneInfo) -> str:
    return "" if ms is None else _local(ms, tz).date().isoformat()


def last_iso_day(end_ms: int | None, start_ms: int | None, tz: ZoneInfo) -> str:
    """The last day of `[start, end)`: the day before an end at midnight."""
    if end_ms is None:
        return ""
    return iso_day(_last_ms(end_ms, start_ms), tz)


def span(start_ms: int | None, end_ms: int | None, tz: ZoneInfo) -> str:
    """`[start, end)` by its first and last day: `1-31 Oct 2026`, `1 Oct - 30 Nov 2026`."""
    if start_ms is None or end_ms is None:
        return ""
    first, last = _local(start_ms, tz), _local(_last_ms(end_ms, start_ms), tz)
    if first.date() == last.date():
        return day(start_ms, tz)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}\u2013{last.day} {_MONTHS[last.month - 1]} {last.year}"
    if first.year == last.year:
        return (f"{first.day} {_MONTHS[first.month - 1]} \u2013 "
                f"{last.day} {_MONTHS[last.month - 1]} {last.year}")
    return f"{day(start_ms, tz)} \u2013 {day(_last_ms(end_ms, start_ms), tz)}"


def _last_ms(end_ms: int, start_ms: int | None) -> int:
    return end_ms - 1 if start_ms is None or end_ms > start_ms else end_ms


def _local(ms: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms // 1000, tz=tz)


def _fraction_digits(value: Decimal) -> int:
    exponent = value.normalize(EXACT).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _unsigned_zero(value: Decimal) -> Decimal:
    return abs(value) if value.is_zero() else value
