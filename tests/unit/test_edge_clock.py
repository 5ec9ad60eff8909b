"""Clock skew from a time exchange or an HTTP Date, when it is reported, and the retry backoff."""

from __future__ import annotations

import random

import pytest

from monetiot.edge.clock import ClockWatch, from_date_header, from_exchange
from monetiot.edge.sender import Backoff

S = 1_764_921_855  # a whole second, epoch


def test_a_time_exchange_measures_skew_within_half_the_round_trip() -> None:
    # the device's clock is 1.5 s ahead; the request takes 20 ms there and back
    t0 = (S + 1.5) * 1_000_000
    sample = from_exchange(int(t0), int(t0) + 20_000, S * 1000 + 10)
    assert sample is not None
    assert (sample.skew_ms, sample.uncertainty_ms, sample.rtt_ms, sample.method) == (
        1500, 10, 20, "mqtt-time")
    behind = from_exchange((S - 90) * 1_000_000, (S - 90) * 1_000_000 + 2_000, S * 1000)
    assert behind is not None and behind.skew_ms == -89_999 and behind.uncertainty_ms == 1


def test_a_slow_or_impossible_exchange_says_nothing() -> None:
    assert from_exchange(S * 10**6, S * 10**6 + 11_000_000, S * 1000) is None
    assert from_exchange(S * 10**6, S * 10**6 - 1, S * 1000) is None


def test_an_http_date_has_one_second_resolution() -> None:
    date = "Sat, 05 Dec 2025 08:04:15 GMT"
    assert S == 1_764_921_855
    sample = from_date_header((S + 120) * 1_000_000, (S + 120) * 1_000_000 + 40_000, date)
    assert sample is not None
    assert (sample.skew_ms, sample.uncertainty_ms, sample.method) == (119_520, 520, "http-date")
    assert from_date_header(0, 1, None) is None
    assert from_date_header(0, 1, "yesterday") is None


def test_reported_first_then_on_change_or_daily() -> None:
    watch = ClockWatch()
    a = from_exchange(S * 10**6, S * 10**6 + 10_000, S * 1000 - 3000)
    b = from_exchange(S * 10**6, S * 10**6 + 10_000, S * 1000 - 3400)
    c = from_exchange(S * 10**6, S * 10**6 + 10_000, S * 1000 - 5000)
    assert a and b and c
    assert watch.consider(a, 0) is True
    assert watch.consider(b, 10**6) is False  # 400 ms: below the 1 s threshold
    assert watch.latest == b
    assert watch.consider(c, 2 * 10**6) is True
    assert watch.consider(c, 2 * 10**6 + 86_400 * 10**6 - 1) is False
    assert watch.consider(c, 2 * 10**6 + 86_400 * 10**6) is True


def test_backoff_grows_exponentially_with_jitter_and_resets() -> None:
    backoff = Backoff(0.5, 8.0, random.Random(7))
    delays = [backoff.next_delay() for _ in range(7)]
    ceilings = [0.5, 1, 2, 4, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len({round(d, 6) for d in delays[4:]}) == 3  # jittered, not one fixed cap
    backoff.reset()
    assert backoff.next_delay() <= 0.5


@pytest.mark.parametrize("seed", range(5))
def test_a_fleet_does_not_retry_in_step(seed: int) -> None:
    fleet = [Backoff(1.0, 60.0, random.Random(seed * 1000 + i)) for i in range(50)]
    for b in fleet:
        for _ in range(5):
            b.next_delay()
    retries = sorted(b.next_delay() for b in fleet)
    assert retries[-1] - retries[0] > 10  # spread over the [16, 32] s window, not one instant
