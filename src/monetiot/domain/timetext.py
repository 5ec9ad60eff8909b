"""How times and periods read for people, in one place (docs/api.md states the convention).

Machines get instants: the API carries RFC 3339 UTC times, and a period is half-open, [start,
end), `end` being the first instant after it (so consecutive periods share a boundary and
durations subtract). People get days: a period is written with its first and its LAST day,
both inside it, in the customer's time zone: "1 Nov 2026 – 30 Nov 2026". A single instant
reads "24 Nov 2026 13:00 CET". Pure: the zone database of the standard library, no clock.

Invariants: `period_text(s, e, tz)` shows the local day of `s` and the local day of the last
millisecond before `e` (one day when both are the same day); an empty period (e <= s) shows
its start day alone; every text is in English month abbreviations whatever the locale.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def local(ms: int, tz: str = "UTC") -> datetime:
    """The instant as an aware datetime in `tz` (exact: no float in between)."""
    return (EPOCH + timedelta(milliseconds=ms)).astimezone(ZoneInfo(tz))


def day_text(ms: int, tz: str = "UTC") -> str:
    """`1 Nov 2026`: the local day of the instant."""
    at = local(ms, tz)
    return f"{at.day} {MONTHS[at.month - 1]} {at.year}"


def time_text(ms: int | None, tz: str = "UTC") -> str:
    """`24 Nov 2026 13:00 CET` (or `... UTC`); an empty string for no time."""
    if ms is None:
        return ""
    at = local(ms, tz)
    return f"{day_text(ms, tz)} {at:%H:%M} {'UTC' if tz == 'UTC' else at.tzname()}"


def last_day_ms(start_ms: int, end_ms: int) -> int:
    """The last millisecond inside [start, end) (its start when the period is empty)."""
    return end_ms - 1 if end_ms > start_ms else start_ms


def period_text(start_ms: int | None, end_ms: int | None, tz: str = "UTC") -> str:
    """`1 Nov 2026 – 30 Nov 2026`: [start, end) by its first and last local day."""
    if start_ms is None or end_ms is None:
        return ""
    first, last = day_text(start_ms, tz), day_text(last_day_ms(start_ms, end_ms), tz)
    return first if first == last else f"{first} \u2013 {last}"
