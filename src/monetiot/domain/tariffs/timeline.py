"""A session cut into segments inside which no tariff restriction can change its verdict.

Time is exact: an instant is a `Fraction` of seconds since the Unix epoch (UTC), and energy a
`Fraction` of kWh, so cutting a period at an energy threshold or a time-of-day boundary loses
nothing. A period is cut at:
- every local time of day that some restriction names, and local midnight, on every local day the
  period touches (both readings of a time repeated when clocks go back);
- every change of the zone's UTC offset (a time of day skipped when clocks go forward);
- the session start plus every `min_duration` / `max_duration`;
- every instant where the energy so far crosses a `min_kwh` / `max_kwh` (energy is spread evenly
  over its period).
Invariants: segments are consecutive, each lasts longer than zero, together they cover the session,
and within one segment every restriction holds throughout or nowhere.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from fractions import Fraction

from monetiot.domain.tariffs.model import ChargingPeriod, Session, Tariff

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OFFSET_PROBE = 6 * 3600  # seconds; zones change offset far less often than this


@dataclass(frozen=True)
class Segment:
    """A slice `[start, end)` of one period; `energy_before` is the session's kWh before it."""

    period_index: int
    period: ChargingPeriod
    start: Fraction
    end: Fraction
    energy_before: Fraction
    energy: Fraction

    @property
    def seconds(self) -> Fraction:
        return self.end - self.start


def to_instant(moment: datetime) -> Fraction:
    """An aware datetime as exact seconds since the Unix epoch."""
    delta = moment - _EPOCH
    return Fraction(delta.days * 86400 + delta.seconds) + Fraction(delta.microseconds, 1_000_000)


def local_time(instant: Fraction, zone: tzinfo) -> datetime:
    """The wall-clock time at `instant`, to the second (boundaries fall on whole seconds)."""
    return (_EPOCH + timedelta(seconds=math.floor(instant))).astimezone(zone)


def split_session(tariff: Tariff, session: Session, zone: tzinfo) -> tuple[Segment, ...]:
    """The session's periods cut at every instant where a restriction of `tariff` may change."""
    session_start = to_instant(session.start)
    times_of_day = _times_of_day(tariff)
    durations = sorted(
        {
            session_start + value
            for element in tariff.elements
            for value in (element.restrictions.min_duration, element.restrictions.max_duration)
            if value is not None
        }
    )
    thresholds = sorted(
        {
            Fraction(value)
            for element in tariff.elements
            for value in (element.restrictions.min_kwh, element.restrictions.max_kwh)
            if value is not None
        }
    )
    segments: list[Segment] = []
    energy_so_far = Fraction(0)
    for index, period in enumerate(session.periods):
        start, end = to_instant(period.start), to_instant(period.end)
        energy = Fraction(period.energy_kwh)
        cuts = set(durations)
        cuts.update(_local_cuts(start, end, zone, times_of_day))
        cuts.update(_offset_changes(start, end, zone))
        if energy > 0:
            for threshold in thresholds:
                if energy_so_far < threshold < energy_so_far + energy:
                    cuts.add(start + (threshold - energy_so_far) / energy * (end - start))
        points = [start, *sorted(c for c in cuts if start < c < end), end]
        for left, right in itertools.pairwise(points):
            share = energy * (left - start) / (end - start)
            segments.append(
                Segment(
                    period_index=index,
                    period=period,
                    start=left,
                    end=right,
                    energy_before=energy_so_far + share,
                    energy=energy * (right - left) / (end - start),
                )
            )
        energy_so_far += energy
    return tuple(segments)


def _times_of_day(tariff: Tariff) -> frozenset[int]:
    """Minutes since local midnight at which some restriction may change (midnight always)."""
    minutes = {0}
    for element in tariff.elements:
        for value in (element.restrictions.start_time, element.restrictions.end_time):
            if value is not None:
                minutes.add(value % (24 * 60))
    return frozenset(minutes)


def _local_cuts(
    start: Fraction, end: Fraction, zone: tzinfo, minutes: frozenset[int]
) -> set[Fraction]:
    cuts: set[Fraction] = set()
    first = local_time(start, zone).date() - timedelta(days=1)
    last = local_time(end, zone).date() + timedelta(days=1)
    day: date = first
    while day <= last:
        for minute in minutes:
            wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
            for fold in (0, 1):
                cuts.add(to_instant(wall.replace(fold=fold)))
        day += timedelta(days=1)
    return cuts


def _offset_changes(start: Fraction, end: Fraction, zone: tzinfo) -> set[Fraction]:
    """Instants (whole seconds) in `(start, end)` where the zone's UTC offset changes."""
    changes: set[Fraction] = set()
    low = math.floor(start)
    limit = math.ceil(end)
    while low < limit:
        high = min(low + _OFFSET_PROBE, limit)
        if _offset(low, zone) != _offset(high, zone):
            before, after = low, high  # offset(before) differs from offset(after)
            while after - before > 1:
                middle = (before + after) // 2
                if _offset(middle, zone) == _offset(before, zone):
                    before = middle
                else:
                    after = middle
            changes.add(Fraction(after))
        low = high
    return changes


def _offset(second: int, zone: tzinfo) -> timedelta | None:
    return (_EPOCH + timedelta(seconds=second)).astimezone(zone).utcoffset()
