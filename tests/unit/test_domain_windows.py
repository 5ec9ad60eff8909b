"""Usage windows: hours, days and months of a time zone as UTC ranges on whole hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.windows import Window, period_bounds, split

H = 3_600_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
               .timestamp() * 1000)


def spans(windows: list[Window]) -> list[tuple[str, float]]:
    """(start as UTC text, hours long) per window."""
    return [(datetime.fromtimestamp(w.start_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%MZ"),
             (w.end_ms - w.start_ms) / H) for w in windows]


def test_hour_windows_cover_the_range() -> None:
    windows = split(ms("2026-11-24T10:00Z"), ms("2026-11-24T13:00Z"), "hour")
    assert spans(windows) == [("2026-11-24T10:00Z", 1), ("2026-11-24T11:00Z", 1),
                              ("2026-11-24T12:00Z", 1)]


def test_total_is_one_window() -> None:
    assert split(ms("2026-11-01T00:00Z"), ms("2026-12-01T00:00Z"), "total") == [
        Window(ms("2026-11-01T00:00Z"), ms("2026-12-01T00:00Z"))]


def test_days_in_paris_start_at_local_midnight() -> None:
    windows = split(ms("2026-11-23T23:00Z"), ms("2026-11-25T23:00Z"), "day", "Europe/Paris")
    assert spans(windows) == [("2026-11-23T23:00Z", 24), ("2026-11-24T23:00Z", 24)]


def test_the_spring_forward_day_in_paris_has_23_hours() -> None:
    # 2026-03-29: clocks go from 02:00 to 03:00 local time.
    windows = split(ms("2026-03-27T23:00Z"), ms("2026-03-30T22:00Z"), "day", "Europe/Paris")
    assert spans(windows) == [("2026-03-27T23:00Z", 24), ("2026-03-28T23:00Z", 23),
                              ("2026-03-29T22:00Z", 24)]


def test_the_fall_back_day_in_paris_has_25_hours() -> None:
    # 2026-10-25: clocks go from 03:00 back to 02:00 local time.
    windows = split(ms("2026-10-23T22:00Z"), ms("2026-10-26T23:00Z"), "day", "Europe/Paris")
    assert spans(windows) == [("2026-10-23T22:00Z", 24), ("2026-10-24T22:00Z", 25),
                              ("2026-10-25T23:00Z", 24)]


def test_months_in_paris_follow_the_calendar_and_its_dst_changes() -> None:
    windows = split(ms("2026-01-31T23:00Z"), ms("2026-04-30T22:00Z"), "month", "Europe/Paris")
    assert spans(windows) == [
        ("2026-01-31T23:00Z", 28 * 24),  # February 2026
        ("2026-02-28T23:00Z", 31 * 24 - 1),  # March loses the hour of the spring change
        ("2026-03-31T22:00Z", 30 * 24),  # April
    ]
    october = split(ms("2026-09-30T22:00Z"), ms("2026-10-31T23:00Z"), "month", "Europe/Paris")
    assert spans(october) == [("2026-09-30T22:00Z", 31 * 24 + 1)]


def test_month_ends_of_leap_and_short_months() -> None:
    windows = split(ms("2028-01-01T00:00Z"), ms("2028-05-01T00:00Z"), "month")
    assert [w.end_ms - w.start_ms for w in windows] == [d * 24 * H for d in (31, 29, 31, 30)]
    december = split(ms("2026-12-01T00:00Z"), ms("2027-01-01T00:00Z"), "month")
    assert december == [Window(ms("2026-12-01T00:00Z"), ms("2027-01-01T00:00Z"))]


def test_the_first_and_last_windows_may_be_partial() -> None:
    windows = split(ms("2026-11-24T10:00Z"), ms("2026-11-26T05:00Z"), "day")
    assert spans(windows) == [("2026-11-24T10:00Z", 14), ("2026-11-25T00:00Z", 24),
                              ("2026-11-26T00:00Z", 5)]
    months = split(ms("2026-11-15T00:00Z"), ms("2026-12-10T00:00Z"), "month")
    assert months == [Window(ms("2026-11-15T00:00Z"), ms("2026-12-01T00:00Z")),
                      Window(ms("2026-12-01T00:00Z"), ms("2026-12-10T00:00Z"))]


def test_a_zone_whose_days_start_inside_a_utc_hour_is_refused_naming_tz() -> None:
    with pytest.raises(InvalidInput) as caught:
        split(ms("2026-11-23T18:00Z"), ms("2026-11-25T18:00Z"), "day", "Asia/Kolkata")
    assert caught.value.field == "tz"
    assert "Asia/Kolkata" in caught.value.message
    with pytest.raises(InvalidInput) as month:
        split(ms("2026-11-01T00:00Z"), ms("2026-12-01T00:00Z"), "month", "Asia/Kathmandu")
    assert month.value.field == "tz"


def test_hour_and_total_windows_do_not_depend_on_the_zone() -> None:
    start, end = ms("2026-11-24T10:00Z"), ms("2026-11-24T12:00Z")
    assert split(start, end, "hour", "Asia/Kolkata") == split(start, end, "hour")
    assert split(start, end, "total", "Asia/Kolkata") == [Window(start, end)]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-11-24T10:30Z", "2026-11-24T12:00Z", "from"),
        ("2026-11-24T10:00:00.001Z", "2026-11-24T12:00Z", "from"),
        ("2026-11-24T10:00Z", "2026-11-24T12:59Z", "to"),
        ("2026-11-24T12:00Z", "2026-11-24T12:00Z", "to"),
        ("2026-11-24T12:00Z", "2026-11-24T10:00Z", "to"),
    ],
)
def test_ranges_not_on_whole_hours_or_empty_are_refused(start: str, end: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        split(ms(start), ms(end), "hour")
    assert caught.value.field == field


def test_unknown_granularity_and_zone_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        split(ms("2026-11-24T10:00Z"), ms("2026-11-24T12:00Z"), "week")
    assert caught.value.field == "window"
    with pytest.raises(InvalidInput) as zone:
        split(ms("2026-11-24T00:00Z"), ms("2026-11-26T00:00Z"), "day", "Mars/Olympus")
    assert zone.value.field == "tz"


def test_period_bounds_give_the_whole_local_day_or_month() -> None:
    assert period_bounds("day", ms("2026-03-29T12:00Z"), "Europe/Paris") == Window(
        ms("2026-03-28T23:00Z"), ms("2026-03-29T22:00Z"))
    assert period_bounds("month", ms("2028-02-29T23:30Z"), "Europe/Paris") == Window(
        ms("2028-02-29T23:00Z"), ms("2028-03-31T22:00Z"))  # already March in Paris
    assert period_bounds("month", ms("2028-02-29T12:00Z"), "UTC") == Window(
        ms("2028-02-01T00:00Z"), ms("2028-03-01T00:00Z"))
    assert period_bounds("month", ms("2026-01-31T12:00Z"), "America/New_York") == Window(
        ms("2026-01-01T05:00Z"), ms("2026-02-01T05:00Z"))
