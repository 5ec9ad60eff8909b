"""The SDK over MQTT against a private Mosquitto and the real `monetiot ingest-mqtt` worker.

- drop-oldest at the outbox's limit while the broker is down: the drops the server is told of
  are exactly the readings it lacks, id for id;
- gateway mode: one connection publishes for its children under the broker's grant; a child
  without a grant is refused, set aside (the others flow), and delivered once granted;
- SenML CBOR from a device whose clock is 90 s ahead: values exact, the device's time kept, and
  the skew measured through the worker's time answer and reported as `edge.clock`;
- mqtts:// with the broker's CA.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import pytest
from test_edge_support import (
    HOST,
    Broker,
    broker,
    certificates,
    count,
    platform,
    stored,
    worker,
)
from test_mqtt_support import forget_session, seed, unique, usage_total, wait_until

from monetiot.bootstrap import Platform
from monetiot.edge import Device, Reading
from monetiot.edge import sender as edge_sender

MONETIOT = str(Path(sys.executable).parent / "monetiot")


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as s:
        yield s


def start(stack: ExitStack, tmp_path: Path, devices: tuple[str, ...], extra: str = "",
          *worker_args: str) -> tuple[Platform, Broker, dict[str, str], str]:
    """A seeded SQLite platform, a private broker and the real worker, all undone by `stack`."""
    prefix = unique("edge")
    url = f"sqlite:///{tmp_path / 'monetiot.db'}"
    plat = platform(url, prefix)
    stack.callback(plat.close)
    passwords = seed(plat, "acme", devices).passwords
    mosquitto = stack.enter_context(broker(tmp_path / "broker", extra))
    client_id = unique("edge-worker-")
    stack.callback(forget_session, client_id, HOST, mosquitto.port, *worker_args[1::2])
    proc = worker(url, prefix, mosquitto.port, client_id, *worker_args)
    stack.callback(proc.close)
    return plat, mosquitto, passwords, prefix


def open_device(stack: ExitStack, **kwargs: object) -> Device:
    dev = Device(**{"backoff": (0.05, 0.5), "ack_timeout": 5.0, **kwargs})  # type: ignore[arg-type]
    stack.callback(dev.close)
    return dev


@pytest.mark.integration
def test_drops_reported_equal_readings_missing(stack: ExitStack, tmp_path: Path) -> None:
    plat, mosquitto, passwords, prefix = start(stack, tmp_path, ("meter-1",))
    dev = open_device(stack, url=f"mqtt://{HOST}:{mosquitto.port}", tenant="acme",
                      device="meter-1", password=passwords["meter-1"], prefix=prefix,
                      outbox=tmp_path / "outbox.db", max_records=200, when_full="drop_oldest",
                      batch_size=25)
    for n in range(300):  # faster than the sender: some are dropped already
        dev.record("energy.reading", {"kwh": "0.5", "n": n})
    assert dev.flush(timeout=20) == 0
    online = dev.stats()
    mosquitto.stop()
    for n in range(300, 1300):  # 1,000 readings into an outbox of 200, offline
        dev.record("energy.reading", {"kwh": "0.5", "n": n})
    offline = dev.stats()
    assert offline.pending == 200 and offline.dropped - online.dropped == 800
    mosquitto.start()
    assert dev.flush(timeout=30) == 0

    dropped = dev.stats().dropped
    wait_until(lambda: count(plat, "acme", "energy.reading") >= 1300 - dropped, "the readings")
    readings = stored(plat, "acme", "energy.reading")
    reports = stored(plat, "acme", "edge.dropped")
    have = {int(r["data"]["n"]) for r in readings}
    missing = set(range(1300)) - have
    assert sum(int(r["data"]["count"]) for r in reports) == len(missing) == dropped >= 800
    assert {r["device"] for r in reports} == {"meter-1"}
    seq_of_n = {n: n + 1 for n in range(1300)}  # the device's only readings: seq = n + 1
    covered: set[int] = set()
    for r in reports:
        first, last = (int(r["data"][k].rsplit("-", 1)[1]) for k in ("first_id", "last_id"))
        covered |= set(range(first, last + 1))
    assert {seq_of_n[n] for n in missing} <= covered
    assert not covered & {seq_of_n[n] for n in have}, "a delivered reading reported dropped"


def mqtt_acl(database_url: str, prefix: str, out: Path) -> str:
    """`monetiot mqtt-acl`; returns the worker's password."""
    env = {**os.environ, "MONETIOT_DATABASE_URL": database_url, "MONETIOT_MQTT_PREFIX": prefix}
    done = subprocess.run([MONETIOT, "mqtt-acl", "--out", str(out), "--worker-password"],
                          env=env, capture_output=True, text=True, timeout=60, check=True)
    return str(json.loads(done.stdout)["worker_password"])


def grant(acl: Path, prefix: str, gateway: str, children: list[str]) -> None:
    """The broker side of a gateway grant, as docs/edge.md spells it."""
    lines = [f"user acme/{gateway}"] + [f"topic write {prefix}/acme/{c}/events/#"
                                       for c in children]
    acl.write_text(acl.read_text() + "\n".join(lines) + "\n")


@pytest.mark.integration
def test_a_gateway_publishes_for_its_granted_children(stack: ExitStack, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edge_sender, "REFUSED_BASE_S", 0.2)
    monkeypatch.setattr(edge_sender, "REFUSED_CAP_S", 0.4)
    devices = ("gw-1", "child-1", "child-2", "child-3")
    prefix = unique("edge")
    url = f"sqlite:///{tmp_path / 'monetiot.db'}"
    plat = platform(url, prefix)
    stack.callback(plat.close)
    passwords = seed(plat, "acme", devices).passwords
    accounts = tmp_path / "accounts"
    worker_password = mqtt_acl(url, prefix, accounts)
    grant(accounts / "acl", prefix, "gw-1", ["child-1", "child-2"])
    extra = "\n".join(["allow_anonymous false", f"password_file {accounts / 'passwords'}",
                       f"acl_file {accounts / 'acl'}"])
    mosquitto = stack.enter_context(broker(tmp_path / "broker", extra))
    client_id = unique("edge-worker-")
    proc = worker(url, prefix, mosquitto.port, client_id, "--username", "monetiot-ingest",
                  "--password", worker_password)
    stack.callback(proc.close)
    stack.callback(forget_session, client_id, HOST, mosquitto.port, "monetiot-ingest",
                   worker_password)

    gw = open_device(stack, url=f"mqtt://{HOST}:{mosquitto.port}", tenant="acme",
                     device="gw-1", password=passwords["gw-1"], prefix=prefix,
                     outbox=tmp_path / "gw.db")
    gw.record_many([Reading("energy.reading", {"kwh": f"{n}.25"}, device=child)
                    for n, child in enumerate(["child-1", "child-2", "child-3", "child-1"])])
    gw.record("gateway.heartbeat", {"children": 3})
    wait_until(lambda: "child-3" in gw.stats().refused, "the broker refusing child-3")
    # child-3's reading waits; the others went
    wait_until(lambda: gw.stats().pending == 1 and gw.stats().pending_reports == 0,
               "the granted readings delivered")
    assert "not authorized" in gw.stats().refused["child-3"]
    wait_until(lambda: count(plat, "acme") >= 4, "the granted readings")
    got = {(r["device"], r["data"]["kwh"]) for r in stored(plat, "acme", "energy.reading")}
    assert got == {("child-1", "0.25"), ("child-2", "1.25"), ("child-1", "3.25")}
    assert [r["device"] for r in stored(plat, "acme", "gateway.heartbeat")] == ["gw-1"]

    grant(accounts / "acl", prefix, "gw-1", ["child-1", "child-2", "child-3"])
    mosquitto.reload()
    assert gw.flush(timeout=15) == 0
    wait_until(lambda: count(plat, "acme", "energy.reading") >= 4, "child-3's reading")
    assert ("child-3", "2.25") in {(r["device"], r["data"]["kwh"])
                                   for r in stored(plat, "acme", "energy.reading")}
    assert gw.stats().refused == {}


@pytest.mark.integration
def test_senml_cbor_from_a_device_whose_clock_is_ahead(stack: ExitStack, tmp_path: Path) -> None:
    plat, mosquitto, passwords, prefix = start(stack, tmp_path, ("meter-1",))
    ahead_ns = 90 * 10**9
    dev = open_device(stack, url=f"mqtt://{HOST}:{mosquitto.port}", tenant="acme",
                      device="meter-1", password=passwords["meter-1"], prefix=prefix,
                      outbox=tmp_path / "outbox.db", encoding="senml+cbor",
                      clock=lambda: time.time_ns() + ahead_ns)
    before = time.time_ns() // 10**6
    values = ["0.125", Decimal("12.5"), "1E+2", 7]
    for v in values:
        dev.record("senml", {"kwh": v, "state": "on"})
    assert dev.flush(timeout=20) == 0
    wait_until(lambda: dev.stats().clock is not None, "the time exchange")
    assert dev.flush(timeout=10) == 0
    wait_until(lambda: count(plat, "acme", "edge.clock") == 1, "the clock report")

    kwh = stored(plat, "acme", "senml.kwh")
    assert sorted(Decimal(r["data"]["value"]) for r in kwh) == [
        Decimal("0.125"), 7, Decimal("12.5"), 100]
    assert all(r["device"] == "meter-1" for r in kwh)
    # the device's own time is kept: 90 s ahead of the server's
    assert all(before + 89_000 <= r["time_ms"] <= before + 150_000 for r in kwh)
    assert [r["data"]["value"] for r in stored(plat, "acme", "senml.state")] == ["on"] * 4
    assert usage_total(plat, "acme", "senml_kwh", before) == Decimal("119.625")
    (report,) = stored(plat, "acme", "edge.clock")
    assert report["data"]["method"] == "mqtt-time"
    skew, uncertainty = report["data"]["skew_ms"], report["data"]["uncertainty_ms"]
    assert abs(skew - 90_000) <= uncertainty + 50, report


@pytest.mark.integration
def test_mqtts_with_the_brokers_ca(stack: ExitStack, tmp_path: Path) -> None:
    certs = certificates(tmp_path / "certs")
    port = Broker(tmp_path / "unused").port
    extra = "\n".join(["allow_anonymous true", f"listener {port} {HOST}",
                       f"cafile {certs.ca}", f"certfile {certs.cert}", f"keyfile {certs.key}"])
    plat, _plain, passwords, prefix = start(stack, tmp_path, ("meter-1",), extra)
    dev = open_device(stack, url=f"mqtts://{HOST}:{port}", tenant="acme", device="meter-1",
                      password=passwords["meter-1"], prefix=prefix,
                      outbox=tmp_path / "outbox.db", ca_file=str(certs.ca))
    dev.record("energy.reading", {"kwh": "0.75"})
    assert dev.flush(timeout=20) == 0
    wait_until(lambda: count(plat, "acme", "energy.reading") == 1, "the reading over TLS")
    untrusted = open_device(stack, url=f"mqtts://{HOST}:{port}", tenant="acme",
                            device="meter-1", password=passwords["meter-1"], prefix=prefix,
                            outbox=tmp_path / "untrusted.db", client_id="untrusted")
    untrusted.record("energy.reading", {"kwh": "1"})
    assert untrusted.flush(timeout=2) == 1
    assert "CERTIFICATE_VERIFY_FAILED" in (untrusted.stats().last_error or "")
