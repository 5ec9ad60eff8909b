"""The sender thread: takes rows from the outbox, sends them, and deletes what the server took.

One round: take up to `round_size` rows (the SDK's reports first, then the oldest readings),
group them into messages (wire.py), send them over the link, then settle: delivered rows are
deleted (the rejected among them counted), the others stay for the next round.

Invariants:
- a row is deleted only after its message was delivered (link modules define delivered);
- a failure (link down, no acknowledgement, a refusal) is retried after an exponential backoff
  with jitter: the n-th consecutive failure waits a random time in [d/2, d], d = min(cap,
  base * 2**n), so a fleet that lost its broker at once does not return at once; a delivered
  round resets it;
- a device the broker refuses (a gateway's child without a grant) is set aside with a backoff of
  its own, so it cannot hold up the others;
- the thread never dies of an unexpected error: it logs it, keeps it in `last_error`, backs off
  and goes on.
"""

from __future__ import annotations

import collections
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from monetiot.edge import wire
from monetiot.edge.mqtt_link import LinkError
from monetiot.edge.outbox import Outbox, Row

log = logging.getLogger("monetiot.edge")
IDLE_S = 1.0
REFUSED_BASE_S = 5.0
REFUSED_CAP_S = 600.0
KEPT_REJECTIONS = 100


class Link(Protocol):
    @property
    def connected(self) -> bool: ...
    def connect(self, timeout: float = 10.0) -> None: ...
    def send(self, messages: list[wire.Message], timeout: float,
             stop: threading.Event) -> list[wire.Outcome]: ...
    def poll(self, seconds: float, *events: threading.Event) -> None: ...
    def request_time(self) -> None: ...
    def close(self) -> None: ...


@dataclass
class Backoff:
    base_s: float = 0.5
    cap_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures, 30))
        self.failures += 1
        return self.rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


@dataclass
class SenderState:
    """What the application may read about the sender (updated by its thread)."""

    connected: bool = False
    last_error: str | None = None
    rounds: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # device -> why
    rejections: collections.deque[tuple[str, str]] = field(
        default_factory=lambda: collections.deque(maxlen=KEPT_REJECTIONS))


class Sender(threading.Thread):
    def __init__(self, outbox: Outbox, link: Link, *, device: str, batch_size: int,
                 round_size: int, backoff: Backoff, ack_timeout_s: float,
                 clock_check_s: float) -> None:
        super().__init__(name=f"monetiot-edge-{device}", daemon=True)
        self.outbox, self.link, self.device = outbox, link, device
        self.batch_size, self.round_size = batch_size, round_size
        self.backoff, self.ack_timeout_s, self.clock_check_s = backoff, ack_timeout_s, clock_check_s
        self.state = SenderState()
        self.wake = threading.Event()
        self.stop = threading.Event()
        self._clock_due = 0.0
        self._refused_until: dict[str, float] = {}
        self._refusals: dict[str, Backoff] = {}

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                try:
                    self._step()
                except Exception as exc:  # the thread must outlive any one error
                    log.exception("edge sender: unexpected error")
                    self.state.last_error = f"{type(exc).__name__}: {exc}"
                    self._pause(self.backoff.next_delay())
        finally:
            self.link.close()
            self.state.connected = False

    def _step(self) -> None:
        if not self.link.connected:
            try:
                self.link.connect()
            except LinkError as exc:
                self._failed(str(exc))
                return
            self._clock_due = 0.0
        self.state.connected = True
        if time.monotonic() >= self._clock_due:
            self.link.request_time()
            self._clock_due = time.monotonic() + self.clock_check_s
        self.wake.clear()
        rows = self.outbox.take(self.round_size, self._set_aside())
        if not rows:
            started = time.monotonic()
            self.link.poll(IDLE_S, self.wake, self.stop)  # MQTT: keepalives, time answers
            self.state.connected = self.link.connected
            left = IDLE_S - (time.monotonic() - started)
            if left > 0:
                self.wake.wait(left)
            return
        self._send(rows)

    def _send(self, rows: list[Row]) -> None:
        messages = wire.messages(rows, self.batch_size)
        outcomes = self.link.send(messages, self.ack_timeout_s, self.stop)
        delivered: list[Row] = []
        failed: list[Row] = []
        rejected = 0
        errors: list[str] = []
        for message, outcome in zip(messages, outcomes, strict=True):
            if outcome.delivered:
                delivered.extend(message.rows)
                for row, reason in outcome.rejected:
                    self.state.rejections.append((row.id, reason))
                    rejected += 0 if row.report else 1
                    log.warning("event %s rejected by the server (kept in its quarantine): %s",
                                row.id, reason)
                self._refused_until.pop(message.device, None)
                self._refusals.pop(message.device, None)
                self.state.refused.pop(message.device, None)
            else:
                failed.extend(message.rows)
                errors.append(outcome.error or "not delivered")
                if outcome.refused and message.device != self.device:
                    self._refuse(message.device, outcome.error or "refused")
        self.outbox.settle(delivered, failed, rejected)
        self.state.rounds += 1
        if failed and not all(r.device in self._refused_until for r in failed):
            self._failed(errors[0])
        else:
            self.backoff.reset()
            self.state.last_error = None

    def _refuse(self, device: str, why: str) -> None:
        backoff = self._refusals.setdefault(
            device, Backoff(REFUSED_BASE_S, REFUSED_CAP_S, self.backoff.rng))
        self._refused_until[device] = time.monotonic() + backoff.next_delay()
        self.state.refused[device] = why
        log.warning("device %s set aside: %s", device, why)

    def _set_aside(self) -> list[str]:
        now = time.monotonic()
        return [d for d, until in self._refused_until.items() if until > now]

    def _failed(self, error: str) -> None:
        self.state.last_error = error
        self.state.connected = self.link.connected
        delay = self.backoff.next_delay()
        log.warning("edge sender: %s; retrying in %.1f s", error, delay)
        self._pause(delay)

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        self.link.poll(seconds, self.stop)  # keeps a live connection serviced meanwhile
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.stop.wait(remaining)
