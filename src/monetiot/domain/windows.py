"""Usage windows: hours, days and months in a time zone, as UTC millisecond ranges.

Rollups are hourly in UTC, so a window must start and end on a UTC hour: every zone whose offset
is a whole number of hours qualifies; a boundary that falls inside an hour (for example midnight
in a +05:30 zone) is refused with an error naming `tz`. Month windows follow the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monetiot.domain.errors import InvalidInput
from monetiot.domain.meters import HOUR_MS

GRANULARITIES = ("hour", "day", "month", "total")


@dataclass(frozen=True, slots=True)
class Window:
    start_ms: int
    end_ms: int


def zone(name: str, field: str = "tz") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}", field=field) from None


def split(start_ms: int, end_ms: int, granularity: str, tz: str = "UTC") -> list[Window]:
    """Consecutive windows covering [start, end); the first and last may be partial."""
    if granularity not in GRANULARITIES:
        raise InvalidInput(f"must be one of {', '.join(GRANULARITIES)}", field="window")
    if end_ms <= start_ms:
        raise InvalidInput("must be after `from`", field="to")
    for name, value in (("from", start_ms), ("to", end_ms)):
        if value % HOUR_MS:
            raise InvalidInput("must be on a whole UTC hour (usage is kept hourly)", field=name)
    if granularity == "total":
        return [Window(start_ms, end_ms)]
    if granularity == "hour":
        return [Window(t, min(t + HOUR_MS, end_ms)) for t in range(start_ms, end_ms, HOUR_MS)]
    info = zone(tz)
    windows: list[Window] = []
    cursor = _floor(datetime.fromtimestamp(start_ms / 1000, tz=UTC).astimezone(info), granularity)
    while True:
        nxt = _next(cursor, granularity)
        a, b = _ms(cursor), _ms(nxt)
        if a % HOUR_MS or b % HOUR_MS:
            raise InvalidInput(f"{tz} starts a {granularity} inside a UTC hour", field="tz")
        lo, hi = max(a, start_ms), min(b, end_ms)
        if lo < hi:
            windows.append(Window(lo, hi))
        if b >= end_ms:
            return windows
        cursor = nxt


def _floor(local: datetime, granularity: str) -> datetime:
    day = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if granularity == "month":
        day = day.replace(day=1)
    return day.replace(tzinfo=local.tzinfo)


def _next(local: datetime, granularity: str) -> datetime:
    naive = local.replace(tzinfo=None)
    if granularity == "day":
        naive = naive + timedelta(days=1)
    else:
        naive = (naive.replace(day=28) + timedelta(days=4)).replace(day=1)
    return naive.replace(tzinfo=local.tzinfo)


def _ms(local: datetime) -> int:
    return int(local.astimezone(UTC).timestamp() * 1000)


def period_bounds(granularity: str, at_ms: int, tz: str) -> Window:
    """The whole day or month (in `tz`) that contains `at_ms`."""
    info = zone(tz)
    local = datetime.fromtimestamp(at_ms / 1000, tz=UTC).astimezone(info)
    start = _floor(local, granularity)
    return Window(_ms(start), _ms(_next(start, granularity)))
