"""What the MQTT tests share: a broker check, a publisher, a worker in a thread, a seeded tenant.

Every test uses its own topic prefix, shared-subscription group and client ids, and removes the
persistent sessions it created from the broker afterwards. Waits poll with a deadline; none of
them is a bare sleep.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select

from conftest import service_missing
from monetiot.bootstrap import Platform
from monetiot.ingest.mqtt_worker import MqttWorker, WorkerOptions
from monetiot.services import access, fleet, metering
from monetiot.store.schema import events, quarantine

HOST = "127.0.0.1"
PORT = 1883


def require_broker(host: str = HOST, port: int = PORT) -> None:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        service_missing(f"Mosquitto on {host}:{port}")


def unique(stem: str) -> str:
    return f"{stem}{uuid.uuid4().hex[:8]}"


def wait_until(check: Callable[[], Any], what: str, timeout: float = 20.0,
               every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def forget_session(client_id: str, host: str = HOST, port: int = PORT,
                   username: str | None = None, password: str | None = None) -> None:
    """Remove a persistent session from the broker: connect with clean start, expiry 0."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if username:
        client.username_pw_set(username, password)
    connected = threading.Event()
    client.on_connect = lambda *_: connected.set()
    client.connect(host, port, clean_start=True)
    client.loop_start()
    try:
        connected.wait(5)
    finally:
        client.disconnect()
        client.loop_stop()


@dataclass
class Publisher:
    """A device-side MQTT 5 client; `acks` holds the PUBACK reason code of each mid."""

    host: str = HOST
    port: int = PORT
    username: str | None = None
    password: str | None = None
    client_id: str = field(default_factory=lambda: unique("pub-"))
    acks: dict[int, int] = field(default_factory=dict)
    connack: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id,
                                  protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(500)
        self.client.max_queued_messages_set(0)
        if self.username:
            self.client.username_pw_set(self.username, self.password)
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.on_connect = lambda _c, _u, _f, rc, _p: self.connack.append(rc.value)

    def _on_publish(self, _c: object, _u: object, mid: int, rc: Any, _p: object) -> None:
        with self._lock:
            self.acks[mid] = rc.value

    def connect(self) -> int:
        """Connect; return the CONNACK reason code (0 is success)."""
        self.client.connect(self.host, self.port, clean_start=True)
        self.client.loop_start()
        wait_until(lambda: self.connack, "CONNACK", timeout=10)
        return self.connack[0]

    def publish(self, topic: str, body: bytes | str, *, content_type: str | None = None,
                qos: int = 1) -> mqtt.MQTTMessageInfo:
        props = None
        if content_type is not None:
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            props.ContentType = content_type
        return self.client.publish(topic, body, qos=qos, properties=props)

    def wait_acked(self, infos: list[mqtt.MQTTMessageInfo], timeout: float = 20.0) -> None:
        wait_until(lambda: all(i.is_published() for i in infos),
                   f"PUBACKs for {len(infos)} messages", timeout=timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextmanager
def publisher(**kwargs: Any) -> Iterator[Publisher]:
    pub = Publisher(**kwargs)
    assert pub.connect() == 0
    try:
        yield pub
    finally:
        pub.close()


@contextmanager
def running_worker(plat: Platform, *, host: str = HOST, port: int = PORT,
                   keep_session: bool = False,
                   prepare: Callable[[MqttWorker], None] | None = None,
                   **options: Any) -> Iterator[MqttWorker]:
    """An `MqttWorker` in a thread, subscribed before the block starts; its session removed
    afterwards unless `keep_session`. `prepare` may adjust the worker before it runs."""
    opts = WorkerOptions(host=host, port=port, group=options.pop("group", unique("g")),
                         client_id=options.pop("client_id", unique("w-")), **options)
    worker = MqttWorker(plat, opts)
    if prepare is not None:
        prepare(worker)
    thread = threading.Thread(target=worker.run, name="mqtt-worker", daemon=True)
    thread.start()
    try:
        wait_until(worker.subscribed.is_set, "the worker's subscription", timeout=15)
        yield worker
    finally:
        worker.stop()
        thread.join(30)
        assert not thread.is_alive(), "the worker did not stop"
        if not keep_session:
            forget_session(opts.client_id, host, port, opts.username, opts.password)


@dataclass(frozen=True)
class Seeded:
    tenant: str
    passwords: dict[str, str]  # device -> password


def seed(plat: Platform, tenant: str, devices: tuple[str, ...] = ("m1", "m2"),
         now_ms: int | None = None) -> Seeded:
    """A tenant, customer `c1` owning the devices since a year, and two SUM meters."""
    now = plat.clock.now_ms() if now_ms is None else now_ms
    since = now - 365 * 86_400_000
    passwords: dict[str, str] = {}
    with plat.uow() as uow:
        access.create_tenant(uow, since, tenant, tenant)
    with plat.uow() as uow:
        fleet.create_customer(uow, since, tenant, {"id": "c1"})
    for device in devices:
        with plat.uow() as uow:
            new = fleet.create_device(uow, since, tenant, {"id": device, "customer": "c1",
                                                           "assigned_from": since})
        passwords[device] = new.password
    with plat.uow() as uow:
        metering.create_meter(uow, since, tenant, {"id": "kwh", "event_type": "energy.reading",
                                                   "aggregation": "SUM", "property": "kwh"})
    with plat.uow() as uow:
        metering.create_meter(uow, since, tenant, {"id": "senml_kwh", "event_type": "senml.kwh",
                                                   "aggregation": "SUM", "property": "value"})
    return Seeded(tenant, passwords)


def event_count(plat: Platform, tenant: str) -> int:
    with plat.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(events)
                                    .where(events.c.tenant_id == tenant)).scalar_one())


def event_ids(plat: Platform, tenant: str) -> list[str]:
    with plat.uow(readonly=True) as uow:
        return [r[0] for r in uow.conn.execute(select(events.c.id)
                                               .where(events.c.tenant_id == tenant))]


def quarantined(plat: Platform, tenant: str | None = None) -> list[dict[str, Any]]:
    stmt = select(quarantine).order_by(quarantine.c.id)
    if tenant is not None:
        stmt = stmt.where(quarantine.c.tenant_id == tenant)
    with plat.uow(readonly=True) as uow:
        return [dict(r) for r in uow.conn.execute(stmt).mappings()]


def usage_total(plat: Platform, tenant: str, meter: str, now_ms: int) -> Any:
    hour = now_ms - now_ms % 3_600_000
    query = metering.UsageQuery(meter=meter, start_ms=hour - 400 * 86_400_000,
                                end_ms=hour + 86_400_000)
    with plat.uow(readonly=True) as uow:
        rows = metering.usage(uow, tenant, query, now_ms)
    return sum((r["value"] for r in rows), start=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def private_broker(directory: Path, conf: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Mosquitto of the test's own on `port`, configured by `conf`; killed afterwards."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        service_missing("the mosquitto binary")
    if os.geteuid() == 0:
        conf += "\nuser root\n"  # else it drops to `mosquitto`, who cannot read the test's files
    path = directory / "broker.conf"
    path.write_text(conf)
    log = (directory / "broker.log").open("wb")
    proc = subprocess.Popen([binary, "-c", str(path)], stdout=log, stderr=subprocess.STDOUT)
    try:
        def listening() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"mosquitto exited: {(directory / 'broker.log').read_text()}")
            try:
                socket.create_connection((HOST, port), timeout=0.5).close()
                return True
            except OSError:
                return False

        wait_until(listening, f"mosquitto on port {port}", timeout=10)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
