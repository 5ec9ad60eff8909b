"""How numbers, money and times read on console pages.

Money is shown exactly as stored (it is already rounded to the currency's minor unit), with
thousands separators. Quantities keep their exact digits up to three decimal places; longer
quotients (averages, time-weighted sums) are shown rounded half-up to three places, while the
exact value stays in the page (`data-value` attributes, table titles). Times are UTC unless a
time zone is given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from monetiot.domain.money import currency_exponent
from monetiot.domain.timetext import period_text

_THOUSANDTH = Decimal("0.001")


def number(value: object) -> str:
    """A quantity: exact up to 3 decimals, else rounded to 3; thousands separated."""
    if value is None or value == "":
        return "–"
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if not d.is_finite():
        return str(d)
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        d = d.quantize(_THOUSANDTH, rounding=ROUND_HALF_UP).normalize()
    if d == d.to_integral_value():
        d = d.quantize(Decimal(1))
    return f"{d:,}"


def amount(value: object, currency: str | None = None) -> str:
    """Money as exact text at the currency's minor unit: `1,313.41`."""
    if value is None or value == "":
        return "–"
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if currency:
        places = currency_exponent(currency)
        if d == d.quantize(Decimal(1).scaleb(-places)):
            d = d.quantize(Decimal(1).scaleb(-places))
    return f"{d:,}"


def money(value: object, currency: str) -> str:
    """`EUR 1,313.41`."""
    return f"{currency} {amount(value, currency)}"


def exact(value: object) -> str:
    """The plain exact text of a number (what `data-value` carries)."""
    if value is None:
        return ""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    return format(d, "f")


def when(ms: int | None, tz: str = "UTC") -> str:
    if ms is None:
        return "–"
    local = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(tz))
    suffix = "UTC" if tz == "UTC" else local.strftime("%Z")
    return local.strftime("%Y-%m-%d %H:%M ") + suffix


def day(ms: int | None, tz: str = "UTC") -> str:
    if ms is None:
        return "–"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def period(start_ms: int | None, end_ms: int | None, tz: str = "UTC") -> str:
    """`1 Oct 2026 – 31 Oct 2026`: first and last day inside [start, end), as everywhere people
    read a period (domain/timetext.py)."""
    return period_text(start_ms, end_ms, tz) or "–"


def ago(ms: int | None, now_ms: int) -> str:
    if ms is None:
        return "never"
    seconds = max(0, (now_ms - ms) // 1000)
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def nonzero(value: object) -> bool:
    return value is not None and value != "" and Decimal(str(value)) != 0
