"""Exactly once through a crash: SIGKILL the worker mid-stream, restart it, count every event once.

The worker runs as `monetiot ingest-mqtt` in a subprocess on PostgreSQL. A publisher streams 5,000
events at QoS 1; once some are committed the worker is killed (it has more in flight, received
but not acknowledged, and possibly a committed batch whose PUBACKs were never sent). A new worker
with the same client id resumes the session: the broker redelivers what was not acknowledged,
what was already committed becomes a duplicate, and the event table ends with exactly the 5,000
ids and the exact total.

Two brokers:
- `configured`: a private Mosquitto set up as `monetiot mqtt-acl` recommends (a deep queue per
  client); the stream goes on while no worker is running, and the broker keeps it for the session;
- `default`: the shared Mosquitto on 1883 with stock settings, which drops what it would queue for
  an offline session already holding 1,000 unacknowledged messages (`max_queued_messages`); there
  the publisher pauses while no worker runs, and the test shows the crash itself loses nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from paho.mqtt.client import MQTTMessageInfo
from paho.mqtt.enums import MQTTErrorCode
from test_mqtt_support import (
    HOST,
    PORT,
    Publisher,
    event_count,
    event_ids,
    forget_session,
    free_port,
    private_broker,
    publisher,
    require_broker,
    running_worker,
    seed,
    unique,
    usage_total,
    wait_until,
)

from conftest import PG_ADMIN_URL
from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import iso_from_ms
from monetiot.ingest.mqtt_topics import events_topic
from monetiot.ingest.mqtt_worker import MqttWorker
from monetiot.settings import Settings

MONETIOT = str(Path(sys.executable).parent / "monetiot")
TOTAL = 5_000
DEVICES = tuple(f"d{i}" for i in range(10))
RATE = 2_500  # messages per second


class WorkerProcess:
    """`monetiot ingest-mqtt` in a subprocess; its log lines are collected as they come."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen([MONETIOT, "ingest-mqtt", *args], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())

    def wait_subscribed(self) -> None:
        def subscribed() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError("worker exited:\n" + "\n".join(self.lines))
            return any("subscribed to" in line for line in self.lines)

        wait_until(subscribed, "the worker's subscription", timeout=20)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self._reader.join(5)
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Stream:
    """Publishes the events at a steady rate in a thread; `pause()` holds it between chunks."""

    def __init__(self, pub: Publisher, messages: list[tuple[str, bytes]]) -> None:
        self.pub, self.messages = pub, messages
        self.infos: list[MQTTMessageInfo] = []
        self._go, self._paused = threading.Event(), threading.Event()
        self._go.set()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        chunk = 100
        started = time.monotonic()
        for n in range(0, len(self.messages), chunk):
            if not self._go.is_set():
                self._paused.set()
                self._go.wait()
                self._paused.clear()
                started = time.monotonic() - n / RATE
            for topic, body in self.messages[n:n + chunk]:
                self.infos.append(self.pub.publish(topic, body))
            ahead = started + (n + chunk) / RATE - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)  # pacing the stream, not waiting for anything

    def pause(self) -> None:
        """Stop publishing, and wait until the broker has everything published so far."""
        self._go.clear()
        wait_until(lambda: self._paused.is_set() or not self.thread.is_alive(), "the pause")
        self.pub.wait_acked(list(self.infos))

    def resume(self) -> None:
        self._go.set()


@contextmanager
def broker(kind: str, tmp_path: Path) -> Iterator[int]:
    if kind == "default":
        require_broker()
        yield PORT
        return
    port = free_port()
    conf = "\n".join([f"listener {port} {HOST}", "allow_anonymous true",
                      "max_queued_messages 1000000", ""])
    with private_broker(tmp_path, conf, port):
        yield port


def events(prefix: str, now_ms: int) -> tuple[list[tuple[str, bytes]], Decimal]:
    messages, total = [], Decimal(0)
    for i in range(TOTAL):
        kwh = Decimal(i % 97) / 8  # exact in binary and decimal: 0.125 steps
        total += kwh
        device = DEVICES[i % len(DEVICES)]
        body = (f'{{"id": "e{i:05d}", "type": "energy.reading", '
                f'"time": "{iso_from_ms(now_ms - 1_800_000 + i)}", "data": {{"kwh": {kwh}}}}}')
        messages.append((events_topic(prefix, "acme", device), body.encode()))
    return messages, total


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["configured", "default"])
def test_sigkill_mid_stream_counts_every_event_once(kind: str, pg_url: str,
                                                    tmp_path: Path) -> None:
    prefix, group, client_id = unique("t"), unique("g"), unique("worker-")
    plat = bootstrap(Settings(database_url=pg_url, mqtt_prefix=prefix))
    with ExitStack() as stack:
        stack.callback(plat.close)
        port = stack.enter_context(broker(kind, tmp_path))
        stack.callback(forget_session, client_id, HOST, port)
        seed(plat, "acme", DEVICES)
        now = plat.clock.now_ms()
        messages, expected_kwh = events(prefix, now)
        env = {**os.environ, "MONETIOT_DATABASE_URL": pg_url, "MONETIOT_MQTT_PREFIX": prefix,
               "MONETIOT_MQTT_HOST": HOST, "MONETIOT_MQTT_PORT": str(port)}
        args = ("--group", group, "--client-id", client_id)

        first = WorkerProcess(env, *args)
        stack.callback(first.close)
        first.wait_subscribed()
        pub = stack.enter_context(publisher(port=port))
        stream = Stream(pub, messages)
        stream.thread.start()

        wait_until(lambda: event_count(plat, "acme") >= 1000, "the first commits")
        if kind == "default":
            stream.pause()
        first.kill()
        at_kill = event_count(plat, "acme")
        assert 1000 <= at_kill < TOTAL

        second = WorkerProcess(env, *args)
        stack.callback(second.close)
        second.wait_subscribed()
        stream.resume()
        stream.thread.join(30)
        assert not stream.thread.is_alive()
        pub.wait_acked(list(stream.infos))
        wait_until(lambda: event_count(plat, "acme") >= TOTAL, f"{TOTAL} events", timeout=30)
        assert second.terminate() == 0, "\n".join(second.lines)

        ids = event_ids(plat, "acme")
        assert len(ids) == TOTAL and set(ids) == {f"e{i:05d}" for i in range(TOTAL)}
        assert usage_total(plat, "acme", "kwh", now) == expected_kwh
        print(f"{kind}: killed at {at_kill} committed; then: {second.lines[-1]}")


@pytest.mark.integration
def test_committed_but_never_acknowledged_comes_back_as_duplicates(platform: Platform) -> None:
    """The window SIGKILL can hit but not aim at: after the commit, before the PUBACKs.

    The first worker commits and never acknowledges (its acks are swallowed, as if it died right
    after the commit); the next one, with the same client id, gets every message again and
    counts each as a duplicate: stored once, metered once.
    """
    require_broker()
    prefix, group, client_id = unique("t"), unique("g"), unique("worker-")
    plat = replace(platform, settings=replace(platform.settings, mqtt_prefix=prefix))
    seed(plat, "acme", DEVICES)
    now = plat.clock.now_ms()
    messages = events(prefix, now)[0][:300]
    expected_kwh = sum((Decimal(i % 97) / 8 for i in range(300)), start=Decimal(0))

    def lose_acks(worker: MqttWorker) -> None:
        def swallowed(mid: int, qos: int) -> MQTTErrorCode:
            return MQTTErrorCode.MQTT_ERR_SUCCESS

        worker._client.ack = swallowed  # type: ignore[method-assign]

    try:
        with running_worker(plat, group=group, client_id=client_id, keep_session=True,
                            prepare=lose_acks) as first, publisher() as pub:
            pub.wait_acked([pub.publish(topic, body) for topic, body in messages])
            wait_until(lambda: first.stats.acked >= 300, "the first worker's commits")
        assert event_count(plat, "acme") == 300
        with running_worker(plat, group=group, client_id=client_id) as second:
            wait_until(lambda: second.stats.duplicate >= 300, "the redelivered messages")
        assert second.stats.accepted == 0
    finally:
        forget_session(client_id)
    assert event_count(plat, "acme") == 300
    assert usage_total(plat, "acme", "kwh", now) == expected_kwh


@pytest.mark.integration
def test_database_outage_holds_acknowledgements_until_commit(pg_url: str) -> None:
    """PostgreSQL refuses connections: the worker retries, acknowledges nothing, drops nothing."""


    require_broker()
    prefix = unique("t")
    plat = bootstrap(Settings(database_url=pg_url, mqtt_prefix=prefix))
    name = pg_url.rsplit("/", 1)[1]
    admin = psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"),
                            autocommit=True)

    def database_up(up: bool) -> None:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(up).lower()}')
        if not up:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s", (name,))

    try:
        seed(plat, "acme", DEVICES)
        now = plat.clock.now_ms()
        messages = events(prefix, now)[0][:200]
        with running_worker(plat) as worker, publisher() as pub:
            database_up(False)
            pub.wait_acked([pub.publish(topic, body) for topic, body in messages])
            wait_until(lambda: worker.stats.failed_commits >= 2, "failed commits")
            assert worker.stats.acked == 0
            database_up(True)
            wait_until(lambda: worker.stats.acked >= 200, "the commits after the outage",
                       timeout=30)
        assert event_count(plat, "acme") == 200
        assert usage_total(plat, "acme", "kwh", now) == sum(
            (Decimal(i % 97) / 8 for i in range(200)), start=Decimal(0))
    finally:
        database_up(True)
        admin.close()
        plat.close()
