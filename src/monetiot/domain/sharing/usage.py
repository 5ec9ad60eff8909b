"""A session's usage from the asset's telemetry, as OCPI charging periods.

The session runs from `start_ms` to `stop_ms`. The asset's device reports its state (in use, or
occupied but idle) and the energy it delivered; this module turns those readings into the
consecutive CHARGING / PARKING periods that `domain.tariffs.price_session` prices.

Rules (docs/sharing.md):
- the session starts in use; a state reading at or after the start switches the state from its
  own time on (a reading before the start is history, not this session's);
- an energy reading is the energy delivered since the device's previous reading, reported at its
  time: a reading at time t counts for the session when start < t <= stop, in the period with
  start < t <= end (so a reading exactly at the start belongs to what came before);
- adjacent periods of one state are merged, and periods never last zero time.
Invariants: the periods are consecutive and cover [start, stop) exactly; their energy sums to
the session's energy; time in use plus idle time is the session's duration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from monetiot.domain.money import EXACT
from monetiot.domain.tariffs import ChargingPeriod, PeriodState, Session

IN_USE_STATES = frozenset({"in_use", "charging", "busy"})
IDLE_STATES = frozenset({"idle", "parking", "occupied"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class EnergyReading:
    time_ms: int
    kwh: Decimal


@dataclass(frozen=True)
class StateReading:
    time_ms: int
    in_use: bool


@dataclass(frozen=True)
class UsagePeriod:
    start_ms: int
    end_ms: int
    in_use: bool
    energy_kwh: Decimal


@dataclass(frozen=True)
class SessionUsage:
    periods: tuple[UsagePeriod, ...]

    @property
    def energy_kwh(self) -> Decimal:
        return sum((p.energy_kwh for p in self.periods), Decimal(0))

    @property
    def in_use_ms(self) -> int:
        return sum(p.end_ms - p.start_ms for p in self.periods if p.in_use)

    @property
    def idle_ms(self) -> int:
        return sum(p.end_ms - p.start_ms for p in self.periods if not p.in_use)

    def ocpi_session(self, time_zone: str) -> Session | None:
        """The session in OCPI terms, or None when it lasted no time at all."""
        if not self.periods:
            return None
        return Session(time_zone=time_zone, periods=tuple(
            ChargingPeriod(start=instant(p.start_ms), end=instant(p.end_ms),
                           state=PeriodState.CHARGING if p.in_use else PeriodState.PARKING,
                           energy_kwh=p.energy_kwh)
            for p in self.periods))


def state_of(text: object) -> bool | None:
    """True for an in-use state, False for an idle one, None for anything else (ignored)."""
    if not isinstance(text, str):
        return None
    lowered = text.strip().lower()
    if lowered in IN_USE_STATES:
        return True
    if lowered in IDLE_STATES:
        return False
    return None


def session_usage(start_ms: int, stop_ms: int, energy: Sequence[EnergyReading],
                  states: Sequence[StateReading]) -> SessionUsage:
    """The session's periods from its device's readings (in any order)."""
    if stop_ms <= start_ms:
        return SessionUsage(())
    cuts: list[tuple[int, bool]] = [(start_ms, True)]
    for change in sorted(states, key=lambda r: r.time_ms):
        if start_ms <= change.time_ms < stop_ms:
            if change.time_ms == cuts[-1][0]:
                cuts[-1] = (change.time_ms, change.in_use)
            else:
                cuts.append((change.time_ms, change.in_use))
    merged: list[tuple[int, bool]] = []
    for at, in_use in cuts:
        if not merged or merged[-1][1] != in_use:
            merged.append((at, in_use))
    bounds = [*(at for at, _ in merged), stop_ms]
    totals = [Decimal(0)] * len(merged)
    for reading in energy:
        if not start_ms < reading.time_ms <= stop_ms:
            continue
        index = next(i for i in range(len(merged)) if bounds[i] < reading.time_ms <= bounds[i + 1])
        totals[index] = EXACT.add(totals[index], reading.kwh)
    return SessionUsage(tuple(
        UsagePeriod(bounds[i], bounds[i + 1], merged[i][1], totals[i])
        for i in range(len(merged))))


def booking_session(start_ms: int, end_ms: int, estimated_kwh: Decimal,
                    time_zone: str) -> Session:
    """A booked slot as a session in use throughout, to estimate its price."""
    return Session(time_zone=time_zone, periods=(ChargingPeriod(
        start=instant(start_ms), end=instant(end_ms), state=PeriodState.CHARGING,
        energy_kwh=estimated_kwh),))


def instant(ms: int) -> datetime:
    """Epoch milliseconds as an aware UTC datetime, exactly (no float on the way)."""
    return _EPOCH + timedelta(milliseconds=ms)
