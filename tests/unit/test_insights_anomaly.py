"""The streaming anomaly detector: finds a known spike and a known level shift in synthetic
series, stays quiet on a clean seasonal one, and keeps its rules for late readings, gaps and
stored state."""

from __future__ import annotations

import math
import random

import pytest

from monetiot.insights.anomaly import Detector, SeriesState, Verdict

T0 = 1_700_006_400_000  # a midnight, UTC
MINUTE = 60_000


def seasonal(days: int = 56, step_min: int = 5, seed: int = 1, noise: float = 0.5
             ) -> list[tuple[int, float]]:
    """20 +- 5 over the day, 1.5 lower at weekends, Gaussian noise."""
    rnd = random.Random(seed)
    out = []
    for i in range(days * 24 * 60 // step_min):
        t = T0 + i * step_min * MINUTE
        hour = (t // 3_600_000) % 24
        weekend = ((t // 86_400_000) + 4) % 7 >= 5
        out.append((t, 20 + 5 * math.sin(2 * math.pi * hour / 24) - 1.5 * weekend
                    + rnd.gauss(0, noise)))
    return out


def run(series: list[tuple[int, float]]) -> list[tuple[int, Verdict]]:
    detector = Detector()
    state = detector.new_state()
    verdicts = [detector.update(state, t, v) for t, v in series]
    return [(i, v) for i, v in enumerate(verdicts) if v.anomaly]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_clean_seasonal_series_raises_nothing(seed: int) -> None:
    assert run(seasonal(seed=seed)) == []


def test_a_clean_hourly_series_raises_nothing() -> None:
    assert run(seasonal(days=120, step_min=60)) == []


def test_a_known_spike_is_found_where_it_is() -> None:
    series = seasonal()
    at = 49 * 288 + 100
    series[at] = (series[at][0], series[at][1] + 12)
    found = run(series)
    assert [i for i, _ in found] == [at]
    verdict = found[0][1]
    assert verdict.value > verdict.high > verdict.expected > verdict.low
    assert "spike above normal" in verdict.explanation


def test_a_known_level_shift_is_found_within_two_hours() -> None:
    series = seasonal()
    at = 49 * 288 + 100
    series[at:] = [(t, v + 3.0) for t, v in series[at:]]
    found = run(series)
    assert found, "the shift went unnoticed"
    first, verdict = found[0]
    assert at <= first <= at + 24  # 5-minute readings
    assert "above normal" in verdict.explanation
    assert verdict.score >= Detector().settings.threshold


def test_a_drop_is_reported_below_normal() -> None:
    series = seasonal()
    at = 49 * 288 + 100
    series[at:at + 200] = [(t, v - 4.0) for t, v in series[at:at + 200]]
    first, verdict = run(series)[0]
    assert at <= first <= at + 24
    assert "below normal" in verdict.explanation


def test_late_and_duplicate_readings_change_nothing_and_never_alert() -> None:
    detector = Detector()
    state = detector.new_state()
    for t, v in seasonal(days=3):
        detector.update(state, t, v)
    before = state.to_bytes()
    newest = state.last_ms
    duplicate = detector.update(state, newest, 1e6)
    earlier = detector.update(state, newest - 55 * MINUTE, 1e6)
    assert duplicate.late and earlier.late
    assert not duplicate.anomaly and not earlier.anomaly
    assert earlier.score > 100  # still says how far off it is
    assert state.to_bytes() == before


def test_a_long_gap_re_anchors_the_level_without_alerting() -> None:
    series = seasonal(days=60, step_min=60)
    gap_end = 50 * 24
    shifted = series[:gap_end - 24 * 7] + [(t, v + 3) for t, v in series[gap_end:]]
    found = run(shifted)
    assert found == []


def test_stored_state_round_trips_exactly_and_is_small() -> None:
    detector = Detector()
    series = seasonal(days=10)
    live, stored = detector.new_state(), detector.new_state()
    for i, (t, v) in enumerate(series):
        a = detector.update(live, t, v)
        stored = SeriesState.from_bytes(stored.to_bytes())
        b = detector.update(stored, t, v)
        assert a == b, i
    assert live.to_bytes() == stored.to_bytes()
    assert len(live.to_bytes()) < 2048


def test_a_foreign_state_blob_is_refused() -> None:
    with pytest.raises(ValueError):
        SeriesState.from_bytes(b"\x00" * 10)


def test_a_non_finite_reading_is_refused() -> None:
    detector = Detector()
    with pytest.raises(ValueError, match="not a finite number"):
        detector.update(detector.new_state(), T0, math.nan)
