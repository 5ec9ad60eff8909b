"""Billing periods: calendar and anniversary anchors, month-end clamping, leap days, and
boundaries at local midnights through daylight saving changes."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monetiot.domain.billing.periods import (
    Period,
    Schedule,
    add_months,
    day_fraction,
    days_between,
    local_date,
    midnight_ms,
)
from monetiot.domain.errors import InvalidInput

HOUR = 3_600_000


def at(text: str, tz: str = "UTC") -> int:
    naive = datetime.fromisoformat(text)
    return int(naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).timestamp() * 1000)


def starts(schedule: Schedule, n: int) -> list[str]:
    """The local start dates of the first n periods."""
    return [str(local_date(schedule.period(k).start_ms, schedule.tz)) for k in range(n)]


# anniversary: the clamp never drifts ------------------------------------------------------------

def test_anniversary_on_the_31st_clamps_to_february_and_comes_back() -> None:
    schedule = Schedule(at("2026-01-31"), "monthly", "anniversary", "UTC")
    assert starts(schedule, 5) == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30",
                                   "2026-05-31"]


def test_anniversary_on_the_31st_in_a_leap_year_gives_february_29() -> None:
    schedule = Schedule(at("2028-01-31"), "monthly", "anniversary", "UTC")
    assert starts(schedule, 3) == ["2028-01-31", "2028-02-29", "2028-03-31"]


def test_anniversary_on_the_30th_clamps_in_february_only() -> None:
    schedule = Schedule(at("2027-01-30"), "monthly", "anniversary", "UTC")
    assert starts(schedule, 4) == ["2027-01-30", "2027-02-28", "2027-03-30", "2027-04-30"]


def test_leap_day_start_monthly_keeps_the_29th() -> None:
    schedule = Schedule(at("2028-02-29"), "monthly", "anniversary", "UTC")
    assert starts(schedule, 4) == ["2028-02-29", "2028-03-29", "2028-04-29", "2028-05-29"]


def test_leap_day_start_yearly_clamps_to_february_28_and_returns_on_leap_years() -> None:
    schedule = Schedule(at("2028-02-29"), "yearly", "anniversary", "UTC")
    assert starts(schedule, 5) == ["2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28",
                                   "2032-02-29"]


def test_quarterly_anniversary_from_november_30() -> None:
    schedule = Schedule(at("2025-11-30"), "quarterly", "anniversary", "UTC")
    assert starts(schedule, 4) == ["2025-11-30", "2026-02-28", "2026-05-30", "2026-08-30"]


def test_a_period_lasts_exactly_its_days() -> None:
    schedule = Schedule(at("2026-01-31"), "monthly", "anniversary", "UTC")
    lengths = [(schedule.period(k).end_ms - schedule.period(k).start_ms) // (24 * HOUR)
               for k in range(3)]
    assert lengths == [28, 31, 30]  # Jan 31 - Feb 28 - Mar 31 - Apr 30


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(0, 240))
def test_add_months_clamps_to_the_month_end_and_never_drifts(day: date, months: int) -> None:
    moved = add_months(day, months, day.day)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])


# calendar: periods on the first; a partial first period -----------------------------------------

def test_calendar_monthly_from_mid_month_first_period_is_partial() -> None:
    schedule = Schedule(at("2026-01-15T09:00"), "monthly", "calendar", "UTC")
    first = schedule.period(0)
    assert first == Period(0, at("2026-01-15T09:00"), at("2026-02-01"))
    assert starts(schedule, 3) == ["2026-01-15", "2026-02-01", "2026-03-01"]
    # for proration, the first period is the whole of January
    assert schedule.nominal_start_ms(first) == at("2026-01-01")
    assert schedule.nominal_start_ms(schedule.period(1)) == at("2026-02-01")


def test_calendar_quarterly_and_yearly_follow_the_calendar() -> None:
    quarterly = Schedule(at("2026-02-10"), "quarterly", "calendar", "UTC")
    assert starts(quarterly, 3) == ["2026-02-10", "2026-04-01", "2026-07-01"]
    yearly = Schedule(at("2026-05-10"), "yearly", "calendar", "UTC")
    assert starts(yearly, 3) == ["2026-05-10", "2027-01-01", "2028-01-01"]


def test_period_at_finds_the_period_holding_a_moment() -> None:
    schedule = Schedule(at("2026-01-01"), "monthly", "calendar", "UTC")
    assert schedule.period_at(at("2026-03-31T23:00")).index == 2
    assert schedule.period_at(at("2026-04-01")).index == 3
    with pytest.raises(InvalidInput):
        schedule.period_at(at("2025-12-31"))


def test_periods_until_lists_the_started_periods() -> None:
    schedule = Schedule(at("2026-01-01"), "monthly", "calendar", "UTC")
    assert [p.index for p in schedule.periods_until(at("2026-03-01"))] == [0, 1]
    assert [p.index for p in schedule.periods_until(at("2026-03-01") + 1)] == [0, 1, 2]


def test_bad_interval_anchor_or_zone_are_refused() -> None:
    with pytest.raises(InvalidInput) as bad:
        Schedule(0, "weekly", "calendar", "UTC")
    assert bad.value.field == "billing_period"
    with pytest.raises(InvalidInput) as bad:
        Schedule(0, "monthly", "first", "UTC")
    assert bad.value.field == "anchor"
    with pytest.raises(Exception):  # noqa: B017 - zoneinfo's own error
        Schedule(0, "monthly", "calendar", "Mars/Olympus")


# daylight saving: boundaries are local midnights -------------------------------------------------

@pytest.mark.parametrize(("tz", "month", "hours"), [
    ("Europe/Paris", "2026-03", 31 * 24 - 1),  # clocks forward on March 29
    ("Europe/Paris", "2026-10", 31 * 24 + 1),  # back on October 25
    ("America/New_York", "2026-03", 31 * 24 - 1),  # forward on March 8
    ("America/New_York", "2026-11", 30 * 24 + 1),  # back on November 1
])
def test_a_dst_month_is_an_hour_shorter_or_longer_between_local_midnights(
        tz: str, month: str, hours: int) -> None:
    schedule = Schedule(at("2026-01-01", tz), "monthly", "calendar", tz)
    p = schedule.period_at(at(f"{month}-15", tz))
    assert p.start_ms == at(f"{month}-01", tz)
    assert (p.end_ms - p.start_ms) // HOUR == hours
    for edge in (p.start_ms, p.end_ms):
        local = datetime.fromtimestamp(edge / 1000, tz=UTC).astimezone(ZoneInfo(tz))
        assert (local.hour, local.minute, local.day) == (0, 0, 1)
    # whole days, however long the hours
    assert days_between(p.start_ms, p.end_ms, tz) in (30, 31)
    assert day_fraction(p.start_ms, p.end_ms, p.start_ms, p.end_ms, tz) == 1


def test_paris_boundaries_in_utc() -> None:
    schedule = Schedule(at("2026-01-01", "Europe/Paris"), "monthly", "calendar", "Europe/Paris")
    march = schedule.period(2)
    assert march.start_ms == at("2026-02-28T23:00")  # CET, UTC+1
    assert march.end_ms == at("2026-03-31T22:00")  # CEST, UTC+2


def test_new_york_anniversary_across_the_november_change() -> None:
    tz = "America/New_York"
    schedule = Schedule(at("2026-10-31T00:00", tz), "monthly", "anniversary", tz)
    p = schedule.period(0)
    assert p.end_ms == at("2026-11-30", tz)
    assert (p.end_ms - p.start_ms) // HOUR == 30 * 24 + 1


def test_midnight_ms_is_the_local_midnight() -> None:
    assert midnight_ms(date(2026, 3, 29), "Europe/Paris") == at("2026-03-28T23:00")
    assert midnight_ms(date(2026, 3, 30), "Europe/Paris") == at("2026-03-29T22:00")


# day counts and proration ---------------------------------------------------------------------

def test_days_between_gives_a_day_to_what_starts_on_it() -> None:
    assert days_between(at("2026-01-01"), at("2026-02-01"), "UTC") == 31
    assert days_between(at("2026-01-16T12:00"), at("2026-02-01"), "UTC") == 16
    assert days_between(at("2026-01-01"), at("2026-01-16T12:00"), "UTC") == 15
    assert days_between(at("2026-01-01"), at("2026-01-01"), "UTC") == 0


def test_day_fraction_prorates_on_the_whole_period() -> None:
    assert day_fraction(at("2026-01-15"), at("2026-02-01"), at("2026-01-01"), at("2026-02-01"),
                        "UTC") == Fraction(17, 31)
    assert day_fraction(at("2025-12-20"), at("2026-01-10"), at("2026-01-01"), at("2026-02-01"),
                        "UTC") == Fraction(9, 31)  # clipped to the whole period
