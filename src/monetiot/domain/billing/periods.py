"""Billing periods in the customer's time zone.

A subscription's periods follow its interval (monthly, quarterly, yearly) and its anchor:
`calendar` periods start on the first of the month (a partial first period runs from the start
to the next boundary); `anniversary` periods start on the day of month the subscription started,
clamped to the month's end (a start on Jan 31 gives Feb 28 or 29, then Mar 31: the clamp never
drifts). Boundaries are local midnights, converted to UTC milliseconds, so a daylight saving
change makes a period an hour shorter or longer, never shifts its days.

Invariants: periods are contiguous and non-overlapping; period `index` 0 contains the start.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fractions import Fraction
from zoneinfo import ZoneInfo

from monetiot.domain.errors import InvalidInput

MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
ANCHORS = ("calendar", "anniversary")


@dataclass(frozen=True, slots=True)
class Period:
    index: int
    start_ms: int
    end_ms: int


def local_date(ms: int, tz: str) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(tz)).date()


def midnight_ms(day: date, tz: str) -> int:
    local = datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))
    return int(local.astimezone(UTC).timestamp() * 1000)


def add_months(day: date, months: int, anchor_day: int) -> date:
    """`day` moved by `months`, on `anchor_day` clamped to the month's length."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Schedule:
    """How a subscription's periods fall."""

    start_ms: int
    interval: str  # monthly | quarterly | yearly
    anchor: str  # calendar | anniversary
    tz: str

    def __post_init__(self) -> None:
        if self.interval not in MONTHS:
            raise InvalidInput(f"must be one of {', '.join(MONTHS)}", field="billing_period")
        if self.anchor not in ANCHORS:
            raise InvalidInput(f"must be one of {', '.join(ANCHORS)}", field="anchor")
        ZoneInfo(self.tz)

    def _boundary(self, k: int) -> date:
        """The local date on which period k starts (k >= 1; period 0 starts at `start_ms`)."""
        first = local_date(self.start_ms, self.tz)
        step = MONTHS[self.interval]
        if self.anchor == "anniversary":
            return add_months(first, k * step, first.day)
        # calendar: the next interval boundary after the start, counted from January
        month0 = (first.month - 1) // step * step  # start of the interval holding `first`
        base = date(first.year, month0 + 1, 1)
        return add_months(base, k * step, 1)

    def period(self, index: int) -> Period:
        if index < 0:
            raise InvalidInput("must be 0 or more", field="index")
        start = self.start_ms if index == 0 else midnight_ms(self._boundary(index), self.tz)
        return Period(index, start, midnight_ms(self._boundary(index + 1), self.tz))

    def period_at(self, at_ms: int) -> Period:
        if at_ms < self.start_ms:
            raise InvalidInput("is before the subscription starts", field="at")
        index = 0
        while True:
            p = self.period(index)
            if at_ms < p.end_ms:
                return p
            index += 1

    def periods_until(self, end_ms: int) -> Iterator[Period]:
        """Every period that has started before `end_ms`."""
        index = 0
        while True:
            p = self.period(index)
            if p.start_ms >= end_ms:
                return
            yield p
            index += 1

    def nominal_start_ms(self, p: Period) -> int:
        """Where the period would have started on its own boundary: a calendar subscription's
        first period starts mid-month, but is prorated against the whole month."""
        if p.index > 0 or self.anchor == "anniversary":
            return p.start_ms
        step = MONTHS[self.interval]
        first = local_date(self.start_ms, self.tz)
        month0 = (first.month - 1) // step * step
        return midnight_ms(date(first.year, month0 + 1, 1), self.tz)


def days_between(start_ms: int, end_ms: int, tz: str) -> int:
    """Local calendar days from start to end: the day something starts on counts for it, the
    day it ends on does not, so adjacent ranges split a day's count exactly once between them
    (a change at 10:00 on the 15th gives the 15th to what starts then)."""
    if end_ms <= start_ms:
        return 0
    return (local_date(end_ms, tz) - local_date(start_ms, tz)).days


def day_fraction(part_start_ms: int, part_end_ms: int, whole_start_ms: int, whole_end_ms: int,
                 tz: str) -> Fraction:
    """Day-based proration: the days of [part) over the days of the whole period."""
    return day_share([(part_start_ms, part_end_ms)], whole_start_ms, whole_end_ms, tz)


def day_share(parts: Iterable[tuple[int, int]], whole_start_ms: int, whole_end_ms: int,
              tz: str) -> Fraction:
    """The local days of several parts (each clipped to the whole, counted by `days_between`)
    over the days of the whole period, exactly. Every share of a period monetiot bills is
    counted this way: flat fees, seats, device-time, pauses and the minimum commitment, so a
    day is a day whatever its length (23 or 25 hours on a daylight saving change)."""
    whole = days_between(whole_start_ms, whole_end_ms, tz)
    if not whole:
        return Fraction(0)
    used = sum(days_between(max(start, whole_start_ms), min(end, whole_end_ms), tz)
               for start, end in parts)
    return Fraction(used, whole)
