"""Clock skew: how far the device's clock is from the server's, measured and reported.

Readings carry the device's own time, so a device whose clock is wrong files its readings in the
wrong hour (or, beyond five minutes ahead, has them refused as from the future). The SDK measures
the skew and reports it as an `edge.clock` event so that the server can flag such devices:

    {"skew_ms": 1520, "uncertainty_ms": 4, "rtt_ms": 8, "method": "mqtt-time"}

`skew_ms` is device time minus server time: positive when the device's clock is ahead.

Two ways to measure (t0: the device sends, t3: the answer arrives, both on the device's clock):
- `mqtt-time`: the device publishes `{"id": NONCE, "t0": MS}` to `PREFIX/TENANT/DEVICE/time`;
  the ingest worker answers on `PREFIX/TENANT/DEVICE/commands` with
  `{"command": "time", "id": NONCE, "t0": MS, "server_ms": MS}`; the server read its clock
  between t0 and t3, so skew = (t0 + t3) / 2 - server_ms within +-(t3 - t0) / 2;
- `http-date`: every HTTP answer's `Date` header (RFC 9110, whole seconds): the server's clock
  read somewhere in [Date, Date + 1 s) between t0 and t3, so the uncertainty adds half a second.

Invariants:
- a sample whose round trip is longer than `MAX_RTT_MS` is discarded, not reported: it says
  little (an answer delayed in a queue looks like a skew);
- a sample is reported when it is the first of the process, when it moved by more than its
  uncertainty (and at least `MIN_CHANGE_MS`) from the last one reported, or once a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime

MAX_RTT_MS = 10_000
MIN_CHANGE_MS = 1_000
REPORT_EVERY_US = 86_400 * 1_000_000


@dataclass(frozen=True, slots=True)
class ClockSample:
    skew_ms: int
    uncertainty_ms: int
    rtt_ms: int
    method: str  # mqtt-time | http-date

    def report(self) -> dict[str, object]:
        return {"skew_ms": self.skew_ms, "uncertainty_ms": self.uncertainty_ms,
                "rtt_ms": self.rtt_ms, "method": self.method}


def from_exchange(t0_us: int, t3_us: int, server_ms: int) -> ClockSample | None:
    """A sample from a time request sent at t0 and answered at t3 (device microseconds)."""
    rtt_us = t3_us - t0_us
    if rtt_us < 0 or rtt_us > MAX_RTT_MS * 1000:
        return None
    middle_us = (t0_us + t3_us) // 2
    return ClockSample(skew_ms=round((middle_us - server_ms * 1000) / 1000),
                       uncertainty_ms=(rtt_us + 1999) // 2000, rtt_ms=rtt_us // 1000,
                       method="mqtt-time")


def from_date_header(t0_us: int, t3_us: int, date: str | None) -> ClockSample | None:
    """A sample from an HTTP answer's `Date` header (None when absent or unreadable)."""
    if not date:
        return None
    try:
        server_s = int(parsedate_to_datetime(date).timestamp())
    except (TypeError, ValueError, OverflowError):
        return None
    rtt_us = t3_us - t0_us
    if rtt_us < 0 or rtt_us > MAX_RTT_MS * 1000:
        return None
    middle_us = (t0_us + t3_us) // 2
    server_middle_us = server_s * 1_000_000 + 500_000
    return ClockSample(skew_ms=round((middle_us - server_middle_us) / 1000),
                       uncertainty_ms=500 + (rtt_us + 1999) // 2000, rtt_ms=rtt_us // 1000,
                       method="http-date")


class ClockWatch:
    """Decides which samples become `edge.clock` reports; remembers the latest sample."""

    def __init__(self) -> None:
        self.latest: ClockSample | None = None
        self._reported: ClockSample | None = None
        self._reported_us = 0

    def consider(self, sample: ClockSample, now_us: int) -> bool:
        """True when `sample` should be reported (and it is then taken as reported)."""
        self.latest = sample
        last = self._reported
        due = (
            last is None
            or abs(sample.skew_ms - last.skew_ms)
            > max(MIN_CHANGE_MS, sample.uncertainty_ms + last.uncertainty_ms)
            or now_us - self._reported_us >= REPORT_EVERY_US
        )
        if due:
            self._reported, self._reported_us = sample, now_us
        return due
