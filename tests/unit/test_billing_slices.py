"""Slices: how phases (plan changes), the start and the end of a subscription cut its periods,
and what share of a full period each slice bills."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from monetiot.domain.billing.periods import day_share
from monetiot.domain.billing.subscriptions import Phase, hour_floor, slices

HOUR = 3_600_000
DAY = 24 * HOUR


def at(text: str, tz: str = "UTC") -> int:
    naive = datetime.fromisoformat(text)
    return int(naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).timestamp() * 1000)


def phase(start: int, end: int | None, plan: str = "p", interval: str = "monthly") -> Phase:
    return Phase(start, end, plan, 1, interval)


def test_one_phase_gives_one_slice_per_period() -> None:
    cut = slices(at("2026-01-01"), None, "calendar", "UTC", [phase(at("2026-01-01"), None)],
                 at("2026-03-15"))
    assert [(s.start_ms, s.end_ms, s.index) for s in cut] == [
        (at("2026-01-01"), at("2026-02-01"), 0),
        (at("2026-02-01"), at("2026-03-01"), 1),
        (at("2026-03-01"), at("2026-04-01"), 2),
    ]
    assert all(s.factor("UTC") == 1 for s in cut)


def test_a_plan_change_splits_the_period_and_restarts_the_count() -> None:
    change = at("2026-01-16")
    cut = slices(at("2026-01-01"), None, "calendar", "UTC",
                 [phase(at("2026-01-01"), change, "old"), phase(change, None, "new")],
                 at("2026-02-15"))
    assert [(s.phase.plan_id, s.start_ms, s.end_ms, s.index) for s in cut] == [
        ("old", at("2026-01-01"), change, 0),
        ("new", change, at("2026-02-01"), 0),
        ("new", at("2026-02-01"), at("2026-03-01"), 1),
    ]
    assert [s.factor("UTC") for s in cut] == [Fraction(15, 31), Fraction(16, 31), 1]


def test_the_subscription_end_closes_the_last_slice() -> None:
    cut = slices(at("2026-01-01"), at("2026-02-10"), "calendar", "UTC",
                 [phase(at("2026-01-01"), None)], at("2026-06-01"))
    assert [(s.start_ms, s.end_ms) for s in cut] == [
        (at("2026-01-01"), at("2026-02-01")), (at("2026-02-01"), at("2026-02-10"))]
    assert cut[-1].factor("UTC") == Fraction(9, 28)


def test_a_partial_first_calendar_period_bills_its_share_of_a_whole_month() -> None:
    """Started on January 15, the first (calendar) period is 17 of January's 31 days."""
    start = at("2026-01-15")
    cut = slices(start, None, "calendar", "UTC", [phase(start, None)], at("2026-02-15"))
    assert (cut[0].start_ms, cut[0].end_ms) == (start, at("2026-02-01"))
    assert cut[0].factor("UTC") == Fraction(17, 31)
    assert cut[1].factor("UTC") == 1


def test_a_partial_first_period_in_paris_counts_local_days() -> None:
    tz = "Europe/Paris"
    start = at("2026-03-20", tz)
    cut = slices(start, None, "calendar", tz, [phase(start, None)], at("2026-04-15", tz))
    assert cut[0].factor(tz) == Fraction(12, 31)  # March 20..31, through the DST change


def test_a_trial_or_late_activation_bills_from_the_active_start() -> None:
    cut = slices(at("2026-01-01"), None, "calendar", "UTC", [phase(at("2026-01-01"), None)],
                 at("2026-01-20"))
    assert cut[0].factor("UTC", at("2026-01-15")) == Fraction(17, 31)


def test_a_quarterly_phase_after_a_monthly_one_follows_the_same_calendar() -> None:
    change = at("2026-02-01")
    cut = slices(at("2026-01-01"), None, "calendar", "UTC",
                 [phase(at("2026-01-01"), change), phase(change, None, "q", "quarterly")],
                 at("2026-05-01"))
    assert [(s.phase.plan_id, s.start_ms, s.end_ms) for s in cut] == [
        ("p", at("2026-01-01"), change),
        ("q", change, at("2026-04-01")),
        ("q", at("2026-04-01"), at("2026-07-01")),
    ]
    assert cut[1].factor("UTC") == Fraction(59, 90)  # Feb + Mar of a 90-day quarter


@given(st.integers(1, 31 * 24 - 1))
def test_the_slices_of_one_period_add_up_to_the_whole_period(hours: int) -> None:
    """A plan change at any hour splits the period into shares that add up to 1: no day is
    billed under both plans, none under neither."""
    change = hour_floor(at("2026-01-01") + hours * HOUR)
    cut = slices(at("2026-01-01"), None, "calendar", "UTC",
                 [phase(at("2026-01-01"), change, "old"), phase(change, None, "new")],
                 at("2026-01-31T23:00"))
    assert sum(s.factor("UTC") for s in cut) == 1


def test_every_share_of_a_period_is_counted_in_local_days() -> None:
    """Unpaused parts, device assignments and partial periods: days over days, exactly; the
    day something starts on counts for it, so parts split at any hour share no day."""
    jan = (at("2026-01-01"), at("2026-02-01"))
    parts = [(at("2026-01-01"), at("2026-01-10T14:00")), (at("2026-01-12T09:00"), jan[1])]
    assert day_share(parts, *jan, "UTC") == Fraction(9 + 20, 31)  # Jan 10 and 11 paused
    assert day_share([(at("2026-01-10T15:00"), at("2026-01-10T18:00"))], *jan, "UTC") == 0
    assert day_share([], *jan, "UTC") == 0
    # March 2026 in Berlin has a 23-hour day: it still counts as one of 31
    march = (at("2026-02-28T23:00"), at("2026-03-31T22:00"))
    assert day_share([(at("2026-03-14T23:00"), march[1])], *march, "Europe/Berlin") \
        == Fraction(17, 31)


def test_hour_floor() -> None:
    assert hour_floor(at("2026-01-16T10:20")) == at("2026-01-16T10:00")
    assert hour_floor(at("2026-01-16T10:00")) == at("2026-01-16T10:00")
