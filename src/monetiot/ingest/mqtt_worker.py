"""The MQTT ingest worker: messages in, batches committed, and only then acknowledged.

paho-mqtt's network thread puts every message into a local queue; the worker thread takes up to
`batch_size` of them (waiting at most `batch_ms` after the first), turns them into payloads
(`mqtt_topics.route`), runs `services.ingest.ingest` plus the quarantine of unroutable messages in
ONE transaction, and PUBACKs each message of the batch only after that commit returned.

Invariants:
- a message is acknowledged only after what it carried is durably committed (manual ack);
- nothing is dropped: a failed commit is retried with backoff, unacknowledged, until it succeeds;
  a batch that fails for a reason other than the database being unreachable is retried one
  message at a time, and a message that still cannot be stored is quarantined raw with the error;
- the session is persistent (clean start off, a session expiry): messages sent to a worker that
  died unacknowledged, or queued for it while it was away, are delivered again when a worker with
  the same client id reconnects; they then count as duplicates, never twice;
- a clean stop (SIGTERM, SIGINT) finishes the batch in hand, unsubscribes, drains what the broker
  already sent, acknowledges, and disconnects, so a stopped worker strands nothing.

Scaling out: workers sharing a `group` share the subscription (`$share/GROUP/...`); each is a
process with its own stable client id. `run_workers` supervises N of them and restarts one that
dies, with the same client id, so its session is resumed. Mosquitto keeps routing a dead member's
share to its session, so a crashed worker must come back under the same id.

The broker must queue rather than drop: stock Mosquitto (`max_queued_messages 1000`) discards new
messages for an offline session that already holds 1,000 unacknowledged ones. The configuration
`monetiot mqtt-acl` writes raises that limit.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import FrameType

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy import exc as sa_exc

from monetiot.bootstrap import Platform
from monetiot.ingest import mqtt_time, mqtt_topics
from monetiot.ingest.mqtt_topics import Unroutable
from monetiot.services.ingest import Payload, ingest
from monetiot.store import quarantine as quarantine_store

log = logging.getLogger("monetiot.ingest.mqtt")

SESSION_EXPIRY_S = 7 * 86_400  # how long the broker keeps a dead worker's session and messages
RECEIVE_MAXIMUM = 65_535  # unacknowledged messages the broker may have in flight to one worker
_TRANSIENT = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
              sa_exc.TimeoutError, ConnectionError)


@dataclass(frozen=True)
class WorkerOptions:
    host: str = "127.0.0.1"
    port: int = 1883
    group: str = "monetiot-ingest"
    client_id: str = "monetiot-ingest"
    batch_size: int = 1000
    batch_ms: int = 50
    username: str | None = None
    password: str | None = None
    keepalive_s: int = 30
    drain_s: float = 10.0  # at most this long to drain on a clean stop
    log_every_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Message:
    mid: int
    qos: int
    topic: str
    body: bytes
    received_ms: int
    content_type: str | None


@dataclass
class WorkerStats:
    received: int = 0
    batches: int = 0
    acked: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    unroutable: int = 0
    failed_commits: int = 0


class MqttWorker:
    """One worker process's consumer. `run` blocks until `stop` (thread- and signal-safe)."""

    def __init__(self, platform: Platform, options: WorkerOptions) -> None:
        self.platform = platform
        self.options = options
        self.prefix = mqtt_topics.check_prefix(platform.settings.mqtt_prefix)
        self.filters = mqtt_topics.subscriptions(self.prefix, options.group)
        self.stats = WorkerStats()
        self.subscribed = threading.Event()
        self._inbox: queue.Queue[Message] = queue.Queue()
        self._stopping = threading.Event()
        self._unsubscribed = threading.Event()
        self._client = self._make_client()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        o = self.options
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        self._client.connect_async(o.host, o.port, o.keepalive_s, clean_start=False,
                                   properties=props)
        self._client.loop_start()
        try:
            last_log, logged = time.monotonic(), WorkerStats()
            while not self._stopping.is_set():
                batch = self._next_batch(wait_s=0.2)
                if batch:
                    self._handle(batch)
                if time.monotonic() - last_log >= o.log_every_s and self.stats != logged:
                    self._log_stats()
                    last_log, logged = time.monotonic(), replace(self.stats)
            log.info("stopping: unsubscribing, then storing what was already received")
            self._drain()
        finally:
            self._client.disconnect()
            self._client.loop_stop()
            self._log_stats()

    # the network thread ------------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        o = self.options
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=o.client_id,
                             protocol=mqtt.MQTTv5, manual_ack=True)
        if o.username:
            client.username_pw_set(o.username, o.password)
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = self._on_unsubscribe
        client.on_message = self._on_message
        return client

    def _on_connect(self, client: mqtt.Client, _userdata: object, flags: mqtt.ConnectFlags,
                    reason: ReasonCode, _props: Properties | None) -> None:
        if reason.is_failure:
            log.error("broker %s:%s refused the connection: %s", self.options.host,
                      self.options.port, reason)
            return
        log.info("connected to %s:%s as %s (session %s)", self.options.host, self.options.port,
                 self.options.client_id, "resumed" if flags.session_present else "new")
        if not self._stopping.is_set():
            client.subscribe([(f, SubscribeOptions(qos=1)) for f in self.filters])

    def _on_subscribe(self, _client: mqtt.Client, _userdata: object, _mid: int,
                      reasons: list[ReasonCode], _props: Properties | None) -> None:
        refused = [f"{f} ({r})" for f, r in zip(self.filters, reasons, strict=False)
                   if r.is_failure]
        if refused:
            log.error("subscription refused: %s", ", ".join(refused))
            return
        log.info("subscribed to %s", " and ".join(self.filters))
        self.subscribed.set()

    def _on_unsubscribe(self, *_args: object) -> None:
        self._unsubscribed.set()

    def _on_disconnect(self, _client: mqtt.Client, _userdata: object,
                       _flags: mqtt.DisconnectFlags, reason: ReasonCode,
                       _props: Properties | None) -> None:
        self.subscribed.clear()
        if not self._stopping.is_set():
            log.warning("disconnected (%s); reconnecting with backoff", reason)

    def _on_message(self, client: mqtt.Client, _userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        if mqtt_time.is_request(self.prefix, message.topic):  # answered now, nothing stored
            reply = mqtt_time.answer(self.prefix, message.topic, bytes(message.payload),
                                     self.platform.clock.now_ms())
            if reply is not None:
                client.publish(*reply, qos=0)
            if message.qos > 0:
                client.ack(message.mid, message.qos)
            return
        content_type = getattr(message.properties, "ContentType", None)
        self._inbox.put(Message(message.mid, message.qos, message.topic, bytes(message.payload),
                                self.platform.clock.now_ms(), content_type))
        self.stats.received += 1

    # the worker thread -------------------------------------------------------------------------

    def _next_batch(self, wait_s: float) -> list[Message]:
        try:
            batch = [self._inbox.get(timeout=wait_s)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.options.batch_ms / 1000
        while len(batch) < self.options.batch_size:
            try:
                batch.append(self._inbox.get_nowait())
                continue
            except queue.Empty:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._inbox.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def _handle(self, batch: list[Message]) -> None:
        if self._store(batch):
            for m in batch:
                if m.qos > 0:
                    self._client.ack(m.mid, m.qos)  # not connected: redelivered, a duplicate
            self.stats.acked += len(batch)
            self.stats.batches += 1

    def _store(self, batch: Sequence[Message]) -> bool:
        """Commit the batch, retrying until it is stored; False when stopped while retrying.

        The database being unreachable is retried forever. Any other error is retried twice
        (a race between workers passes), then the batch is stored one message at a time, and a
        message that fails alone is quarantined raw with the error, so one bad message cannot
        hold up the stream.
        """
        delay, errors = 0.2, 0
        while True:
            try:
                self._commit(batch)
                return True
            except _TRANSIENT as exc:
                self._failed(exc, len(batch), delay)
            except Exception as exc:
                errors += 1
                if errors < 3:
                    self._failed(exc, len(batch), delay)
                elif len(batch) > 1:
                    log.warning("a batch of %d failed (%s); storing its messages one by one",
                                len(batch), exc)
                    return all(self._store([m]) for m in batch)
                else:
                    try:
                        self._quarantine_poison(batch[0], exc)
                        return True
                    except Exception as again:
                        self._failed(again, 1, delay)
            if self._stopping.wait(delay):
                return False
            delay = min(delay * 2, 15.0)

    def _failed(self, exc: BaseException, size: int, delay: float) -> None:
        self.stats.failed_commits += 1
        log.warning("could not commit %d message(s), nothing acknowledged; retrying in %.1f s: %s",
                    size, delay, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    def _commit(self, batch: Sequence[Message]) -> None:
        payloads: list[Payload] = []
        unroutable: list[Unroutable] = []
        for m in batch:
            routed = mqtt_topics.route(self.prefix, m.topic, m.body, m.received_ms,
                                       m.content_type)
            if isinstance(routed, Payload):
                payloads.append(routed)
            else:
                unroutable.append(routed)
        with self.platform.uow() as uow:
            # quarantine first: ingest ends with the rows other writers wait for, then commit
            quarantine_store.insert(uow.conn, [u.quarantine_row() for u in unroutable])
            results = ingest(uow, self.platform.settings, payloads, commit=False)
            uow.commit()
        for result in results:
            self.stats.accepted += result.count("accepted")
            self.stats.duplicate += result.count("duplicate")
            self.stats.rejected += result.count("rejected")
        self.stats.unroutable += len(unroutable)

    def _quarantine_poison(self, m: Message, exc: Exception) -> None:
        reason = f"could not be stored ({type(exc).__name__}: {str(exc)[:500]})"
        kept = mqtt_topics.unroutable(self.prefix, m.topic, m.body, m.received_ms, reason)
        with self.platform.uow() as uow:
            quarantine_store.insert(uow.conn, [kept.quarantine_row()])
            uow.commit()
        log.error("message on %s quarantined: %s", m.topic, reason)
        self.stats.unroutable += 1

    def _drain(self) -> None:
        """Stop new deliveries, then store and acknowledge what the broker already sent."""
        if self._client.is_connected():
            self._client.unsubscribe(list(self.filters))
            self._unsubscribed.wait(5)
        deadline = time.monotonic() + self.options.drain_s
        quiet_s = max(0.25, 4 * self.options.batch_ms / 1000)
        while time.monotonic() < deadline:
            batch = self._next_batch(wait_s=quiet_s)
            if not batch:
                return
            self._handle(batch)
        left = self._inbox.qsize()
        if left:
            log.warning("stopped with %d message(s) unacknowledged: the broker keeps them for "
                        "client id %s", left, self.options.client_id)

    def _log_stats(self) -> None:
        s = self.stats
        log.info("%d received, %d acknowledged in %d batches: %d accepted, %d duplicate, "
                 "%d rejected, %d unroutable", s.received, s.acked, s.batches, s.accepted,
                 s.duplicate, s.rejected, s.unroutable)


# running one worker, or N supervised worker processes --------------------------------------------

def run_worker(options: WorkerOptions, *, migrate: bool = True) -> None:
    """Run one worker in this process until SIGTERM or SIGINT."""
    from monetiot.bootstrap import bootstrap

    platform = bootstrap(migrate=migrate)
    try:
        worker = MqttWorker(platform, options)
        _on_signals(lambda: worker.stop())
        worker.run()
    finally:
        platform.close()


def run_workers(options: WorkerOptions, count: int) -> None:
    """Run `count` worker processes, client ids `CLIENT_ID-0` ...; restart any that dies."""
    if count == 1:
        run_worker(options)
        return
    from monetiot.bootstrap import bootstrap

    bootstrap().close()  # migrate once, not N times at once
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()
    _on_signals(stopping.set)
    slots = [replace(options, client_id=f"{options.client_id}-{i}") for i in range(count)]
    procs: list[multiprocessing.process.BaseProcess | None] = [None] * count
    started = [0.0] * count
    delays = [1.0] * count
    next_start = [0.0] * count
    try:
        while not stopping.is_set():
            now = time.monotonic()
            for i, slot in enumerate(slots):
                proc = procs[i]
                if proc is not None and not proc.is_alive():
                    delays[i] = 1.0 if now - started[i] > 60 else min(delays[i] * 2, 30.0)
                    log.error("worker %s exited with %s; restarting in %.0f s", slot.client_id,
                              proc.exitcode, delays[i])
                    procs[i], next_start[i] = None, now + delays[i]
                if procs[i] is None and now >= next_start[i]:
                    proc = context.Process(target=_child, args=(slot,), name=slot.client_id)
                    proc.start()
                    procs[i], started[i] = proc, now
            stopping.wait(0.5)
    finally:
        alive = [p for p in procs if p is not None and p.is_alive()]
        for p in alive:
            p.terminate()  # SIGTERM: each finishes its batch, drains, acknowledges
        for p in alive:
            p.join(options.drain_s + 15)
            if p.is_alive():
                p.kill()


def _child(options: WorkerOptions) -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s [%(processName)s] %(message)s")
    run_worker(options, migrate=False)


def _on_signals(handler: Callable[[], None]) -> None:
    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        handler()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
