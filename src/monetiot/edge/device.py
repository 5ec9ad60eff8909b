"""`Device`: what an application on a device (or a gateway) calls to hand readings to monetiot.

    dev = Device(url="mqtt://broker:1883", tenant="acme", device="meter-1",
                 password="...", outbox="outbox.db")
    dev.record("energy.reading", {"kwh": "0.125"})   # on disk when it returns
    dev.flush(timeout=30)                             # how many are still waiting
    dev.close()

Invariants:
- `record` returns only once the reading is committed to the outbox on disk; it never waits for
  the network, and it raises (`ReadingError` naming the field, `OutboxFull`) rather than keep a
  reading it could not store;
- the reading's time is the device's clock when `record` was called (or the `time` given); two
  readings recorded in one burst get distinct microseconds;
- every event names its own device: the device itself, or in gateway mode the child passed as
  `device=`; the connection, credentials and outbox are the gateway's;
- nothing here imports the server side of monetiot (tests/unit/test_architecture.py).
"""

from __future__ import annotations

import random
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from os import PathLike
from urllib.parse import urlsplit

from monetiot.edge import senml, wire
from monetiot.edge.clock import ClockSample, ClockWatch
from monetiot.edge.http_link import HttpLink
from monetiot.edge.mqtt_link import MqttLink
from monetiot.edge.outbox import EdgeError, NewReading, Outbox
from monetiot.edge.sender import Backoff, Sender, log
from monetiot.edge.values import MAX_ID, MAX_TYPE, ReadingError, check_data, check_text, time_us
from monetiot.edge.values import to_json as json_text

_DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}")  # as the server's registry
_TENANT_ID = _DEVICE_ID
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883, "http": 80, "https": 443}


@dataclass(frozen=True)
class Reading:
    """One reading for `record_many`; `device` names a gateway's child."""

    type: str
    data: Mapping[str, object]
    time: datetime | int | None = None  # aware datetime or epoch ms; default: now
    id: str | None = None  # default: the outbox's stable id
    device: str | None = None


@dataclass(frozen=True)
class Stats:
    pending: int  # readings waiting in the outbox (in flight included)
    pending_bytes: int
    pending_reports: int  # the SDK's own reports (drops, clock) not yet delivered
    recorded: int  # readings ever recorded in this outbox
    sent: int  # readings the server (or broker) acknowledged
    dropped: int  # readings the drop-oldest policy removed (all reported as edge.dropped)
    rejected: int  # readings the server took but quarantined (HTTP only: MQTT cannot tell)
    connected: bool
    last_error: str | None
    clock: ClockSample | None  # the latest skew measurement
    refused: dict[str, str]  # devices the broker refuses, and why (gateway without a grant)


class Device:
    def __init__(
        self, url: str, tenant: str, device: str, password: str | None = None,
        outbox: str | PathLike[str] = "outbox.db", *,
        api_key: str | None = None,
        encoding: str = wire.JSON,
        max_records: int | None = 100_000,
        max_bytes: int | None = None,
        when_full: str = "refuse",
        batch_size: int = 100,
        prefix: str = "monetiot",
        client_id: str | None = None,
        ca_file: str | None = None,
        cert_file: str | None = None,
        key_file: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        backoff: tuple[float, float] = (0.5, 60.0),
        ack_timeout: float = 30.0,
        clock_check_s: float = 600.0,
        clock: Callable[[], int] = time.time_ns,
        seed: int | None = None,
    ) -> None:
        for name, value in (("tenant", tenant), ("device", device)):
            if not isinstance(value, str) or not _DEVICE_ID.fullmatch(value):
                raise ValueError(f"{name}: 1-100 letters, digits or _ . : @ -, starting with a "
                                 f"letter or digit, not {value!r}")
        if encoding not in wire.ENCODINGS:
            raise ValueError(f"encoding: one of {', '.join(wire.ENCODINGS)}, not {encoding!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size: a positive integer, not {batch_size!r}")
        self.tenant, self.device, self.encoding = tenant, device, encoding
        self._clock = clock
        self._last_us = 0
        self._time_lock = threading.Lock()
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"url: mqtt://, mqtts://, http:// or https:// with a host, "
                             f"not {url!r}")
        if scheme.startswith("mqtt") and api_key:
            raise ValueError("api_key: MQTT authenticates with the device's password; an API "
                             "key is for HTTP")
        if scheme.startswith("http") and not password and not api_key:
            raise ValueError("password or api_key: HTTP needs credentials")
        secure = scheme in ("mqtts", "https")
        tls = _tls(secure, ca_file, cert_file, key_file, ssl_context)
        port = parts.port or DEFAULT_PORTS[scheme]
        # everything checked: only now take the outbox (and its lock)
        self.outbox = Outbox(outbox, max_records=max_records, max_bytes=max_bytes,
                             when_full=when_full)
        limits = [n // 4 for n in (max_records,) if n is not None]
        round_size = max(1, min([batch_size * 10, *limits]))
        rng = random.Random(seed)
        self._watch = ClockWatch()
        on_clock = self._on_clock
        link: MqttLink | HttpLink
        if scheme.startswith("mqtt"):
            link = MqttLink(host=parts.hostname, port=port, tls=tls, tenant=tenant,
                            device=device, password=password, prefix=prefix.strip("/"),
                            client_id=client_id or f"monetiot-edge-{tenant}-{device}",
                            now_us=self._now_us, on_clock=on_clock)
        else:
            link = HttpLink(host=parts.hostname, port=port, path=parts.path, tls=tls,
                            tenant=tenant, device=device, password=password, api_key=api_key,
                            now_us=self._now_us, on_clock=on_clock)
        self._sender = Sender(
            self.outbox, link, device=device, batch_size=batch_size, round_size=round_size,
            backoff=Backoff(backoff[0], backoff[1], rng), ack_timeout_s=ack_timeout,
            clock_check_s=clock_check_s)
        self._closed = False
        self._sender.start()

    # recording ---------------------------------------------------------------------------------

    def record(self, type: str, data: Mapping[str, object], *,
               time: datetime | int | None = None, id: str | None = None,
               device: str | None = None) -> str:
        """Keep one reading durably in the outbox; return its event id."""
        return self.record_many([Reading(type, data, time, id, device)])[0]

    def record_many(self, readings: Iterable[Reading]) -> list[str]:
        """Keep several readings in one commit (all or none); return their event ids."""
        if self._closed:
            raise EdgeError("the device is closed")
        rows = [self._row(r) for r in readings]
        return self.outbox.append(rows) if rows else []

    def _row(self, r: Reading) -> NewReading:
        kind = check_text(r.type, "type", MAX_TYPE)
        device = r.device if r.device is not None else self.device
        if not isinstance(device, str) or not _DEVICE_ID.fullmatch(device):
            raise ReadingError(f"device: 1-100 letters, digits or _ . : @ -, not {device!r}")
        event_id = check_text(r.id, "id", MAX_ID) if r.id is not None else None
        data = check_data(r.data)
        if self.encoding == wire.SENML_CBOR:
            if kind != senml.TYPE:
                raise ReadingError(
                    f"type: a SenML device records type 'senml' (each field becomes a record, "
                    f"stored as senml.FIELD), not {kind!r}")
            if event_id is not None:
                raise ReadingError("id: SenML records carry no id (the server derives it from "
                                   "device, name and time)")
            senml.check_fields(device, data)
        at = time_us(r.time) if r.time is not None else self._next_us()
        return NewReading(device=device, type=kind, time_us=at, data=json_text(data),
                          encoding=self.encoding, id=event_id)

    def _on_clock(self, sample: ClockSample) -> None:
        """A skew sample from the link (sender thread): queue an `edge.clock` report if news."""
        now = self._now_us()
        if self._watch.consider(sample, now):
            self.outbox.add_report("clock", self.device, now, sample.report())
            log.info("clock skew %+d ms (+-%d ms, %s)", sample.skew_ms, sample.uncertainty_ms,
                     sample.method)

    def _now_us(self) -> int:
        return self._clock() // 1000

    def _next_us(self) -> int:
        with self._time_lock:
            now = self._now_us()
            if self._last_us - 1000 < now <= self._last_us:
                now = self._last_us + 1  # a burst within one microsecond: keep times distinct
            self._last_us = max(self._last_us, now)
            return now

    # sending -----------------------------------------------------------------------------------

    def flush(self, timeout: float = 30.0) -> int:
        """Wait until the outbox is empty or `timeout` passed; return how many are still waiting
        (readings, plus the SDK's own reports)."""
        deadline = time.monotonic() + timeout
        while True:
            left = self.outbox.pending + self.outbox.pending_reports()
            if left == 0 or time.monotonic() >= deadline or not self._sender.is_alive():
                return left
            self._sender.wake.set()
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))

    def stats(self) -> Stats:
        counters = self.outbox.counters()
        state = self._sender.state
        return Stats(
            pending=self.outbox.pending, pending_bytes=self.outbox.pending_bytes,
            pending_reports=self.outbox.pending_reports(), recorded=counters["recorded"],
            sent=counters["sent"], dropped=counters["dropped"], rejected=counters["rejected"],
            connected=state.connected, last_error=state.last_error, clock=self._watch.latest,
            refused=dict(state.refused))

    @property
    def rejections(self) -> list[tuple[str, str]]:
        """The latest (event id, reason) the server rejected (kept in its quarantine)."""
        return list(self._sender.state.rejections)

    def close(self, timeout: float = 15.0) -> None:
        """Stop sending (what is in flight gets a short grace) and close the outbox. What was
        not delivered stays on disk for the next `Device` on this outbox."""
        if self._closed:
            return
        self._closed = True
        self._sender.stop.set()
        self._sender.wake.set()
        self._sender.join(timeout)
        self.outbox.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _tls(secure: bool, ca_file: str | None, cert_file: str | None, key_file: str | None,
         context: ssl.SSLContext | None) -> ssl.SSLContext | None:
    if not secure:
        if ca_file or cert_file or key_file or context:
            raise ValueError("TLS options need an mqtts:// or https:// url")
        return None
    if context is not None:
        return context
    made = ssl.create_default_context(cafile=ca_file)
    if cert_file:
        made.load_cert_chain(cert_file, key_file)
    elif key_file:
        raise ValueError("key_file: give cert_file with it (a client certificate)")
    return made
