"""Pricing a session under an OCPI 2.2.1 tariff, exactly, as spec/tariffs.md lays down.

The steps, each a pure function of the previous one's result:
1. the session is cut into segments inside which no restriction changes (`timeline`);
2. per segment and dimension, the first element whose restrictions hold prices the usage;
3. `step_size` rounds up, once per session, each dimension's total priced quantity: ENERGY in Wh,
   and one time dimension (TIME, reservation time included, and PARKING_TIME) in seconds. The
   last priced segment of the time dimension decides which of TIME or PARKING_TIME is rounded
   (so charging followed by priced parking rounds the parking only), and with which component's
   step; the rounded-up excess is billed on that last segment at its price;
4. FLAT is charged once: the regular one at the start of the first CHARGING or PARKING period,
   plus, for a session opening with a reservation, the reservation one at the session start;
5. lines, one per price component used, carry excl-VAT and incl-VAT amounts; the totals are
   their sums, bounded by `min_price` and `max_price` (excl. and incl. VAT each on its own).
Invariants: no rounding happens anywhere but in step 3 (and in turning a non-terminating
fraction into a Decimal at the very end); a segment's energy and duration are billed at most once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from zoneinfo import ZoneInfo

from monetiot.domain.errors import InvalidInput
from monetiot.domain.tariffs.cost import CostLine, SessionCost, exact_decimal
from monetiot.domain.tariffs.model import Dimension, PeriodState, PriceComponent, Session, Tariff
from monetiot.domain.tariffs.restrictions import DIMENSIONS, Moment, Selection, select
from monetiot.domain.tariffs.timeline import Segment, local_time, split_session, to_instant

_TIME_DIMENSIONS = (Dimension.TIME, Dimension.PARKING_TIME)
_ORDER = {Dimension.FLAT: 0, Dimension.ENERGY: 1, Dimension.TIME: 2, Dimension.PARKING_TIME: 3}
_SECONDS_PER_HOUR = 3600
_WH_PER_KWH = 1000


@dataclass(frozen=True)
class _Usage:
    """A billed amount of one dimension: kWh for ENERGY, seconds for time, 1 for FLAT."""

    at: Fraction  # when it started, to order the lines
    dimension: Dimension
    selection: Selection
    amount: Fraction
    state: PeriodState


def price_session(tariff: Tariff, session: Session) -> SessionCost:
    """The session's cost; raises InvalidInput when the tariff is not valid at the session start."""
    _check_validity(tariff, session)
    zone = ZoneInfo(session.time_zone)
    segments = split_session(tariff, session, zone)
    usages = [u for s in segments for u in _segment_usages(tariff, s, session, zone)]
    usages, energy_excess = _step_energy(usages)
    usages, time_excess, rounded_state = _step_time(usages)
    usages = sorted(
        [*usages, *_flat_usages(tariff, session, segments, zone)],
        key=lambda u: (u.at, _ORDER[u.dimension]),
    )
    lines, excl, incl = _lines(usages)
    excl, incl = _bounded(tariff, excl, incl)
    charging = _seconds_in(segments, PeriodState.CHARGING)
    parking = _seconds_in(segments, PeriodState.PARKING)
    if rounded_state is PeriodState.CHARGING:
        charging += time_excess
    elif rounded_state is PeriodState.PARKING:
        parking += time_excess
    energy = sum((s.energy for s in segments), Fraction(0)) + energy_excess
    return SessionCost(
        currency=tariff.currency,
        excl_vat=exact_decimal(excl),
        incl_vat=exact_decimal(incl),
        total_energy_kwh=exact_decimal(energy),
        total_time_h=exact_decimal(charging / _SECONDS_PER_HOUR),
        total_parking_time_h=exact_decimal(parking / _SECONDS_PER_HOUR),
        lines=lines,
    )


def _check_validity(tariff: Tariff, session: Session) -> None:
    start = session.start
    if tariff.start_date_time is not None and start < tariff.start_date_time:
        raise InvalidInput(
            f"the session starts {start.isoformat()}, before the tariff is valid",
            field="tariff.start_date_time",
        )
    if tariff.end_date_time is not None and start > tariff.end_date_time:
        raise InvalidInput(
            f"the session starts {start.isoformat()}, after the tariff ended",
            field="tariff.end_date_time",
        )


def _moment(segment: Segment, session: Session, zone: ZoneInfo) -> Moment:
    return Moment(
        local=local_time(segment.start, zone),
        elapsed=segment.start - to_instant(session.start),
        energy=segment.energy_before,
        state=segment.period.state,
        power_kw=segment.period.max_power_kw,
        current_a=segment.period.max_current_a,
    )


def _segment_usages(
    tariff: Tariff, segment: Segment, session: Session, zone: ZoneInfo
) -> Iterable[_Usage]:
    state = segment.period.state
    moment = _moment(segment, session, zone)
    for dimension in DIMENSIONS[state]:
        amount = segment.energy if dimension is Dimension.ENERGY else segment.seconds
        if amount <= 0:
            continue
        selection = select(tariff.elements, dimension, moment, state)
        if selection is not None:
            yield _Usage(segment.start, dimension, selection, amount, state)


def _step_energy(usages: list[_Usage]) -> tuple[list[_Usage], Fraction]:
    """Round the priced energy up to the last ENERGY component's step (in Wh)."""
    priced = [i for i, u in enumerate(usages) if u.dimension is Dimension.ENERGY]
    if not priced:
        return usages, Fraction(0)
    total = sum((usages[i].amount for i in priced), Fraction(0)) * _WH_PER_KWH
    excess = _round_up(total, usages[priced[-1]].selection.component) / _WH_PER_KWH
    return _add_to(usages, priced[-1], excess), excess


def _step_time(usages: list[_Usage]) -> tuple[list[_Usage], Fraction, PeriodState | None]:
    """Round the time dimension once, on the sub-dimension of its last priced segment."""
    priced = [i for i, u in enumerate(usages) if u.dimension in _TIME_DIMENSIONS]
    if not priced:
        return usages, Fraction(0), None
    last = usages[priced[-1]]
    same = (usages[i].amount for i in priced if usages[i].dimension is last.dimension)
    total = sum(same, Fraction(0))
    excess = _round_up(total, last.selection.component)
    return _add_to(usages, priced[-1], excess), excess, last.state


def _round_up(total: Fraction, component: PriceComponent) -> Fraction:
    """How much rounding `total` up to a multiple of the component's step adds (step 0: none)."""
    step = component.step_size
    if step == 0:
        return Fraction(0)
    return math.ceil(total / step) * step - total


def _add_to(usages: list[_Usage], index: int, excess: Fraction) -> list[_Usage]:
    if excess == 0:
        return usages
    updated = list(usages)
    updated[index] = replace(usages[index], amount=usages[index].amount + excess)
    return updated


def _flat_usages(
    tariff: Tariff, session: Session, segments: tuple[Segment, ...], zone: ZoneInfo
) -> Iterable[_Usage]:
    """The reservation FLAT (session opening with a reservation) and the regular FLAT."""
    first = segments[0]
    if first.period.state.is_reservation:
        expired = any(p.state is PeriodState.RESERVATION_EXPIRED for p in session.periods)
        state = PeriodState.RESERVATION_EXPIRED if expired else PeriodState.RESERVATION
        selection = select(tariff.elements, Dimension.FLAT, _moment(first, session, zone), state)
        if selection is not None:
            yield _Usage(first.start, Dimension.FLAT, selection, Fraction(1), state)
    for segment in segments:
        if not segment.period.state.is_reservation:
            state = segment.period.state
            moment = _moment(segment, session, zone)
            selection = select(tariff.elements, Dimension.FLAT, moment, state)
            if selection is not None:
                yield _Usage(segment.start, Dimension.FLAT, selection, Fraction(1), state)
            return


def _lines(usages: list[_Usage]) -> tuple[tuple[CostLine, ...], Fraction, Fraction]:
    """One line per price component used, in order of first use, and the exact totals."""
    totals: dict[tuple[Dimension, int], tuple[_Usage, Fraction]] = {}
    for usage in usages:
        key = (usage.dimension, usage.selection.element_index)
        first, amount = totals.get(key, (usage, Fraction(0)))
        totals[key] = (first, amount + usage.amount)
    lines: list[CostLine] = []
    total_excl = total_incl = Fraction(0)
    for (dimension, element_index), (first, amount) in totals.items():
        component = first.selection.component
        quantity = amount / _SECONDS_PER_HOUR if dimension in _TIME_DIMENSIONS else amount
        excl = quantity * Fraction(component.price)
        incl = excl if component.vat is None else excl * (1 + Fraction(component.vat) / 100)
        total_excl += excl
        total_incl += incl
        lines.append(
            CostLine(
                type=dimension,
                element_index=element_index,
                reservation=first.state.is_reservation,
                quantity=exact_decimal(quantity),
                price=component.price,
                vat=component.vat,
                excl_vat=exact_decimal(excl),
                incl_vat=exact_decimal(incl),
            )
        )
    return tuple(lines), total_excl, total_incl


def _bounded(tariff: Tariff, excl: Fraction, incl: Fraction) -> tuple[Fraction, Fraction]:
    """Apply `min_price`, then `max_price`, to each total on its own."""
    if tariff.min_price is not None:
        excl = max(excl, Fraction(tariff.min_price.excl_vat))
        if tariff.min_price.incl_vat is not None:
            incl = max(incl, Fraction(tariff.min_price.incl_vat))
    if tariff.max_price is not None:
        excl = min(excl, Fraction(tariff.max_price.excl_vat))
        if tariff.max_price.incl_vat is not None:
            incl = min(incl, Fraction(tariff.max_price.incl_vat))
    return excl, incl


def _seconds_in(segments: tuple[Segment, ...], state: PeriodState) -> Fraction:
    return sum((s.seconds for s in segments if s.period.state is state), Fraction(0))
