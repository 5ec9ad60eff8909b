"""Which tariff element prices a dimension at a given moment of a session.

Per dimension, the first element in list order that has a price component of that dimension and
whose restrictions all hold is the one used; when none holds the dimension is free then. The
`reservation` restriction splits the elements in two: elements without it price CHARGING and
PARKING time, elements with it price reservations only. For an expired reservation, elements
restricted to `RESERVATION_EXPIRES` are tried before those restricted to `RESERVATION`.
A power or current restriction never holds in a period that did not report that value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from monetiot.domain.tariffs.model import (
    WEEKDAYS,
    Dimension,
    PeriodState,
    PriceComponent,
    ReservationKind,
    Restrictions,
    TariffElement,
)

# Which `reservation` restriction an element needs to price a period in each state, best first.
_KINDS: dict[PeriodState, tuple[ReservationKind | None, ...]] = {
    PeriodState.CHARGING: (None,),
    PeriodState.PARKING: (None,),
    PeriodState.RESERVATION: (ReservationKind.RESERVATION,),
    PeriodState.RESERVATION_EXPIRED: (
        ReservationKind.RESERVATION_EXPIRES,
        ReservationKind.RESERVATION,
    ),
}

# The dimensions, other than FLAT, that a period in each state consumes.
DIMENSIONS: dict[PeriodState, tuple[Dimension, ...]] = {
    PeriodState.CHARGING: (Dimension.ENERGY, Dimension.TIME),
    PeriodState.PARKING: (Dimension.ENERGY, Dimension.PARKING_TIME),
    PeriodState.RESERVATION: (Dimension.TIME,),
    PeriodState.RESERVATION_EXPIRED: (Dimension.TIME,),
}


@dataclass(frozen=True)
class Moment:
    """Everything a restriction looks at: local wall-clock time, the session so far, the period."""

    local: datetime
    elapsed: Fraction  # seconds since the session start
    energy: Fraction  # kWh delivered since the session start
    state: PeriodState
    power_kw: Decimal | None
    current_a: Decimal | None


@dataclass(frozen=True)
class Selection:
    """The element (by index in the tariff) and its component that price a dimension."""

    element_index: int
    component: PriceComponent


def select(
    elements: Sequence[TariffElement], dimension: Dimension, moment: Moment, state: PeriodState
) -> Selection | None:
    """The first element pricing `dimension` whose restrictions hold at `moment` in `state`."""
    for kind in _KINDS[state]:
        for index, element in enumerate(elements):
            if element.restrictions.reservation is not kind:
                continue
            component = element.component(dimension)
            if component is not None and holds(element.restrictions, moment):
                return Selection(element_index=index, component=component)
    return None


def holds(restrictions: Restrictions, moment: Moment) -> bool:
    """Whether every restriction other than `reservation` holds at `moment`."""
    r = restrictions
    return (
        _time_of_day_holds(r.start_time, r.end_time, moment.local)
        and (r.start_date is None or moment.local.date() >= r.start_date)
        and (r.end_date is None or moment.local.date() < r.end_date)
        and (not r.day_of_week or WEEKDAYS[moment.local.weekday()] in r.day_of_week)
        and _within(moment.energy, r.min_kwh, r.max_kwh)
        and _within(moment.elapsed, r.min_duration, r.max_duration)
        and _measured_within(moment.power_kw, r.min_power, r.max_power)
        and _measured_within(moment.current_a, r.min_current, r.max_current)
    )


def _time_of_day_holds(start: int | None, end: int | None, local: datetime) -> bool:
    """`[start, end)` in minutes of the local day; an end before the start wraps past midnight."""
    minute = local.hour * 60 + local.minute
    if start is not None and end is not None:
        if start < end:
            return start <= minute < end
        return minute >= start or minute < end
    if start is not None:
        return minute >= start
    if end is not None:
        return minute < end
    return True


def _within(value: Fraction, low: Decimal | int | None, high: Decimal | int | None) -> bool:
    """`low` inclusive, `high` exclusive; an absent bound does not limit."""
    return (low is None or value >= Fraction(low)) and (high is None or value < Fraction(high))


def _measured_within(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return _within(Fraction(value), low, high)
