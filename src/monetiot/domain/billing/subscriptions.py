"""Subscriptions over time: the plan in force (phases), pauses, trial, and what a period bills.

A subscription is billed at *boundaries*: at the start of each period its in-advance charges for
that period, at the end its in-arrears charges, usage and true-up. A plan change closes the open
phase at the change and opens another, so the period it falls in is split: the old plan's part is
billed in arrears at the change, the new plan's part runs to the period's end. All times are
whole UTC hours (usage is kept hourly), so changes are taken at the start of their hour.

Invariants: phases are contiguous and never overlap; a period is split only by phase changes, the
subscription's start and end; pauses remove their time from recurring charges and usage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from monetiot.domain.billing.periods import Period, Schedule, day_fraction
from monetiot.domain.meters import HOUR_MS


def hour_floor(ms: int) -> int:
    return ms - ms % HOUR_MS


@dataclass(frozen=True, slots=True)
class Phase:
    start_ms: int
    end_ms: int | None
    plan_id: str
    plan_version: int
    interval: str  # the plan's billing period: monthly | quarterly | yearly


@dataclass(frozen=True, slots=True)
class Slice:
    """The part of one schedule period that one phase covers."""

    phase: Phase
    period: Period  # the whole period this slice is part of (a partial first period: whole)
    index: int  # 0-based count of this phase's slices
    start_ms: int
    end_ms: int

    def factor(self, tz: str, active_start_ms: int | None = None) -> Fraction:
        """Day-based share of the whole period this slice (from `active_start_ms`) bills."""
        start = self.start_ms if active_start_ms is None else max(self.start_ms, active_start_ms)
        return day_fraction(start, self.end_ms, self.period.start_ms, self.period.end_ms, tz)


def slices(start_ms: int, end_ms: int | None, anchor: str, tz: str, phases: Sequence[Phase],
           until_ms: int) -> list[Slice]:
    """Every slice that starts before `until_ms`, in time order."""
    out: list[Slice] = []
    for phase in phases:
        schedule = Schedule(start_ms, phase.interval, anchor, tz)
        phase_end = min(x for x in (phase.end_ms, end_ms) if x is not None) \
            if (phase.end_ms is not None or end_ms is not None) else None
        index = 0
        for period in schedule.periods_until(min(until_ms, phase_end or until_ms)):
            lo = max(period.start_ms, phase.start_ms)
            hi = period.end_ms if phase_end is None else min(period.end_ms, phase_end)
            if lo >= hi:
                continue
            whole = Period(period.index, schedule.nominal_start_ms(period),
                           period.end_ms)  # a partial first calendar period: its whole month
            out.append(Slice(phase, whole, index, lo, hi))
            index += 1
    return sorted(out, key=lambda s: (s.start_ms, s.end_ms))
