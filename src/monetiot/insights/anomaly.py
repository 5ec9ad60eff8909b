"""Streaming anomaly detection on one numeric series: learn its normal behaviour, flag departures.

A `Detector` (its `Settings`: one setting for every series) folds readings one at a time into a
`SeriesState` (one per series; 1,649 bytes serialised) and returns a `Verdict` per reading.
The model, per series, learned without labels:
- expected value = level + daily profile (24 hourly knots) + weekly correction (168 knots); the
  profiles are interpolated linearly in wall-clock time and learn per hour of data, so any
  sampling rate works, and a series without a daily or weekly cycle keeps them near zero;
- the deseasonalised value is averaged exponentially over four wall-clock horizons (10 min,
  1 h, 4 h, 16 h); each average's departure from the slow level, divided by that departure's own
  long-run mean absolute value, says how unusual the series is at that time scale ("times the
  usual", whatever the unit and noise of the series);
- score = the geometric mean of the four: an anomaly is a departure that is unusual at every
  time scale at once. A slow wander (unusual only at the longest scale) scores low; a series
  that leaves its normal range and stays away for a while scores high, whatever its sampling
  rate. A lone outlier counts only if `spike` times more unusual at the shortest scale than
  the threshold asks (one reading may be a glitch; a wild one is still news);
- an anomaly is raised when the score reaches `threshold`, once `warmup` readings and
  `warmup_hours` of data have been learned, unless the series is already in an anomaly episode
  (an episode ends after `quiet` readings below threshold): one alert per episode.
Invariants:
- readings are folded in time order: one at or before the newest folded time (a duplicate, or
  out of order: the NAB machine_temperature file repeats an hour) changes nothing; its verdict
  says `late` and carries its distance from the current expectation, and never raises an
  anomaly (the stored reading is kept by ingest; the model cannot rewind);
- a gap longer than `gap_steps` typical steps re-anchors the level and the averages at the
  first reading after it (they described a past that is gone); profiles and scales are kept;
  the horizons' weights use the elapsed time capped at 4 typical steps;
- learning is robust and slow: level and profile updates are clipped to `clip` times the usual
  departure and the scales remember ~5,000 readings, so an anomaly lasting hours does not teach
  the model that it is normal, while a lasting change is absorbed by the level;
- `SeriesState.to_bytes` / `from_bytes` round-trip exactly (doubles), so a detector resumed from
  storage says exactly what an uninterrupted one would;
- pure Python, no I/O, no clock: the same code runs live and in evaluation. Series sampled
  faster than about once a minute should be fed per-minute means (the horizons start at 10 min).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

HOUR_MS = 3_600_000
DAY_KNOTS = 24
WEEK_KNOTS = 168
HORIZONS_HOURS = (1 / 6, 1.0, 4.0, 16.0)  # time constants of the exponential averages
_FORMAT_VERSION = 1
_H = len(HORIZONS_HOURS)
_FORMAT = f"<BIqqIddd{_H}d{_H}d{DAY_KNOTS}d{WEEK_KNOTS}d"
_TINY = 1e-12


@dataclass(frozen=True)
class Settings:
    """How every series is learned and judged (one setting for all series)."""

    threshold: float = 3.0
    spike: float = 2.5  # a lone departure must be this many times more unusual to count
    warmup: int = 300
    warmup_hours: float = 24.0
    quiet: int = 50
    level_alpha: float = 1 / 1000
    day_alpha: float = 0.1  # per day of data
    week_alpha: float = 0.2  # per week of data
    scale_alpha: float = 1 / 5000
    clip: float = 4.0
    gap_steps: float = 12.0


@dataclass
class SeriesState:
    """What one series has learned so far; `to_bytes` / `from_bytes` round-trip it exactly."""

    n: int = 0
    first_ms: int = 0
    last_ms: int = 0
    episode: int = 0  # readings left in the current anomaly episode (0: none)
    step_ms: float = 0.0
    level: float = 0.0
    reserved: float = 0.0
    means: list[float] = field(default_factory=lambda: [0.0] * _H)
    scales: list[float] = field(default_factory=lambda: [0.0] * _H)
    day: list[float] = field(default_factory=lambda: [0.0] * DAY_KNOTS)
    week: list[float] = field(default_factory=lambda: [0.0] * WEEK_KNOTS)

    def to_bytes(self) -> bytes:
        return struct.pack(_FORMAT, _FORMAT_VERSION, self.n, self.first_ms, self.last_ms,
                           self.episode,
                           self.step_ms, self.level, self.reserved, *self.means, *self.scales,
                           *self.day, *self.week)

    @classmethod
    def from_bytes(cls, data: bytes) -> SeriesState:
        if len(data) != struct.calcsize(_FORMAT) or data[0] != _FORMAT_VERSION:
            raise ValueError("not a serialised SeriesState of this version")
        v = struct.unpack(_FORMAT, data)
        i = 8
        parts = []
        for size in (_H, _H, DAY_KNOTS, WEEK_KNOTS):
            parts.append(list(v[i:i + size]))
            i += size
        return cls(n=v[1], first_ms=v[2], last_ms=v[3], episode=v[4], step_ms=v[5], level=v[6],
                   reserved=v[7],
                   means=parts[0], scales=parts[1], day=parts[2], week=parts[3])


@dataclass(frozen=True)
class Verdict:
    """What the detector says about one reading; `anomaly` marks the first of an episode."""

    time_ms: int
    value: float
    expected: float
    low: float
    high: float
    score: float
    anomaly: bool
    late: bool = False
    explanation: str = ""


def _knots(position: float, count: int) -> tuple[int, int, float]:
    """The two knots around `position` (in knot units, cyclic) and the weight of the second."""
    x = position - 0.5
    i = math.floor(x)
    return i % count, (i + 1) % count, x - i


class Detector:
    """Folds readings into a `SeriesState` and judges them; holds no per-series data itself."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._alpha_cache: dict[float, list[float]] = {}

    def new_state(self) -> SeriesState:
        return SeriesState()

    def seasonal(self, state: SeriesState, time_ms: int) -> float:
        """The daily and weekly profile at `time_ms`."""
        hours = (time_ms % (WEEK_KNOTS * HOUR_MS)) / HOUR_MS
        a, b, w = _knots(hours % DAY_KNOTS, DAY_KNOTS)
        c, d, v = _knots(hours, WEEK_KNOTS)
        return (state.day[a] * (1 - w) + state.day[b] * w
                + state.week[c] * (1 - v) + state.week[d] * v)

    def update(self, state: SeriesState, time_ms: int, value: float) -> Verdict:
        """Judge `value` at `time_ms`, then learn from it (unless it is late); mutates `state`."""
        s = self.settings
        if not math.isfinite(value):
            raise ValueError(f"the reading at {time_ms} is not a finite number: {value!r}")
        if state.n == 0:
            state.n = 1
            state.first_ms = state.last_ms = time_ms
            state.level = value
            state.means = [value] * _H
            return Verdict(time_ms, value, value, value, value, 0.0, False)
        if time_ms <= state.last_ms:
            return self._late(state, time_ms, value)
        gap = time_ms - state.last_ms
        seasonal = self.seasonal(state, time_ms)
        u = value - seasonal
        if state.step_ms > 0 and gap > s.gap_steps * state.step_ms:
            state.level = u
            state.means = [u] * _H
        state.step_ms = gap if state.step_ms == 0.0 else state.step_ms + 0.05 * (
            min(gap, 4 * state.step_ms) - state.step_ms)
        level = state.level
        floor = _TINY * (1.0 + abs(level))
        means, scales = state.means, state.scales
        log_sum = 0.0
        above = 0
        ratio = 0.0
        for k, alpha in enumerate(self._alphas(min(gap, 4 * state.step_ms))):
            means[k] += alpha * (u - means[k])
            ratio = abs(means[k] - level) / (scales[k] + floor)
            if k == 0:
                spike = ratio / s.spike
            log_sum += math.log(ratio + _TINY)
            above += means[k] > level
        lasting = math.exp(log_sum / _H)
        score = max(lasting, spike) if state.n > 1 else 0.0
        expected = level + seasonal
        band = s.threshold * (scales[0] + floor)
        anomaly = False
        if state.episode > 0:
            state.episode = state.episode - 1 if score < s.threshold else s.quiet
        elif (score >= s.threshold and state.n >= s.warmup
              and time_ms - state.first_ms >= s.warmup_hours * HOUR_MS):
            anomaly = True
            state.episode = s.quiet
        self._learn(state, time_ms, u, min(gap, HOUR_MS) / HOUR_MS, floor)
        explanation = ""
        if anomaly:
            side = "above" if 2 * above > _H else "below"
            what = (f"a lasting departure {side} normal, {lasting:.1f}x the usual over 10 minutes "
                    f"to 16 hours" if lasting >= spike else
                    f"a spike {side} normal, {spike * s.spike:.1f}x the usual")
            explanation = (f"{value:.6g}: {what} (expected {expected - band:.6g} to "
                           f"{expected + band:.6g})")
        return Verdict(time_ms, value, expected, expected - band, expected + band, score,
                       anomaly, explanation=explanation)

    def _alphas(self, elapsed_ms: float) -> list[float]:
        """The averages' weights for a step of `elapsed_ms` (cached: most steps are equal)."""
        alphas = self._alpha_cache.get(elapsed_ms)
        if alphas is None:
            if len(self._alpha_cache) > 256:
                self._alpha_cache.clear()
            alphas = [1.0 - math.exp(-elapsed_ms / (h * HOUR_MS)) for h in HORIZONS_HOURS]
            self._alpha_cache[elapsed_ms] = alphas
        return alphas

    def _learn(self, state: SeriesState, time_ms: int, u: float, hours: float,
               floor: float) -> None:
        s = self.settings
        rate = max(s.scale_alpha, 1 / (state.n + 1))
        means, scales, level = state.means, state.scales, state.level
        for k in range(_H):
            x = abs(means[k] - level)
            cap = s.clip * scales[k] if state.n > 20 else x
            scales[k] += rate * (min(x, cap) - scales[k])
        cap = s.clip * scales[0] + floor
        e = max(-cap, min(cap, u - level))
        state.level = level + s.level_alpha * e
        position = (time_ms % (WEEK_KNOTS * HOUR_MS)) / HOUR_MS
        da = s.day_alpha * hours * e
        a, b, w = _knots(position % DAY_KNOTS, DAY_KNOTS)
        state.day[a] += da * (1 - w)
        state.day[b] += da * w
        wa = s.week_alpha * hours * e
        c, d, v = _knots(position, WEEK_KNOTS)
        state.week[c] += wa * (1 - v)
        state.week[d] += wa * v
        state.n += 1
        state.last_ms = time_ms

    def _late(self, state: SeriesState, time_ms: int, value: float) -> Verdict:
        expected = state.level + self.seasonal(state, time_ms)
        unit = state.scales[0] + _TINY * (1.0 + abs(state.level))
        band = self.settings.threshold * unit
        return Verdict(time_ms, value, expected, expected - band, expected + band,
                       abs(value - expected) / unit, False, late=True)
