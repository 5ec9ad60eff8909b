"""Broker accounts from `monetiot mqtt-acl`: a device publishes only as itself.

A private Mosquitto runs on a free port with the passwords, ACL and config the command wrote;
the ingest worker connects with its own account. A device's message to its own topic is stored;
one to another device's topic is refused by the broker and never stored; wrong passwords and
anonymous clients are refused at connect.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from test_mqtt_support import (
    HOST,
    Publisher,
    event_ids,
    free_port,
    private_broker,
    publisher,
    quarantined,
    running_worker,
    seed,
    unique,
    usage_total,
    wait_until,
)

from monetiot.bootstrap import Platform
from monetiot.domain.clock import iso_from_ms
from monetiot.ingest.mqtt_topics import events_topic

MONETIOT = str(Path(sys.executable).parent / "monetiot")
NOT_AUTHORIZED = 0x87
BAD_CREDENTIALS = 0x86


def event(event_id: str, time_ms: int, kwh: str) -> bytes:
    return (f'{{"id": "{event_id}", "type": "energy.reading", '
            f'"time": "{iso_from_ms(time_ms)}", "data": {{"kwh": {kwh}}}}}').encode()


def mqtt_acl(database_url: str, prefix: str, out: Path, *args: str) -> dict[str, object]:
    env = {**os.environ, "MONETIOT_DATABASE_URL": database_url, "MONETIOT_MQTT_PREFIX": prefix}
    done = subprocess.run([MONETIOT, "mqtt-acl", "--out", str(out), *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.integration
def test_a_device_publishes_only_as_itself(sqlite_platform: Platform, tmp_path: Path) -> None:
    prefix = unique("t")
    plat = replace(sqlite_platform, settings=replace(sqlite_platform.settings,
                                                     mqtt_prefix=prefix))
    acme = seed(plat, "acme", ("d1", "d2"))
    seed(plat, "other", ("d1",))
    now = plat.clock.now_ms()
    port = free_port()
    out = tmp_path / "broker"
    url = plat.settings.database_url

    written = mqtt_acl(url, prefix, out, "--worker-password", "--port", str(port),
                       "--bind", HOST)
    assert written["devices"] == 3
    worker_password = str(written["worker_password"])
    lines = (out / "passwords").read_text().splitlines()
    assert {line.split(":", 1)[0] for line in lines} == {
        "acme/d1", "acme/d2", "other/d1", "monetiot-ingest"}
    assert all(line.split(":", 1)[1].startswith("$7$") for line in lines)
    assert "password" not in (out / "acl").read_text()
    # regenerated without --worker-password (one tenant only): the worker's account is kept
    again = mqtt_acl(url, prefix, out, "--tenant", "acme", "--port", str(port), "--bind", HOST)
    assert again["devices"] == 2 and "worker_password" not in again
    assert f"monetiot-ingest:{lines[-1].split(':', 1)[1]}" in (out / "passwords").read_text()

    with private_broker(tmp_path, (out / "mosquitto.conf").read_text(), port), \
            running_worker(plat, port=port, username="monetiot-ingest",
                           password=worker_password) as worker:
        with publisher(port=port, username="acme/d1", password=acme.passwords["d1"]) as d1:
            forged = d1.publish(events_topic(prefix, "acme", "d2"), event("forged", now, "5"))
            own = d1.publish(events_topic(prefix, "acme", "d1"), event("own", now, "1.5"))
            status = d1.publish(f"{prefix}/acme/d1/status", b"online")
            d1.wait_acked([forged, own, status])
            assert d1.acks[forged.mid] == NOT_AUTHORIZED
            assert d1.acks[own.mid] == 0 and d1.acks[status.mid] == 0
            # the broker delivers a publisher's messages in order: once `own` and the status
            # are stored, `forged` would have been too, had it passed
            wait_until(lambda: worker.stats.acked >= 2, "the device's own messages")

        # Mosquitto 2.0 answers 0x87 (not authorized); 0x86 (bad user name or password) is
        # what other brokers send
        refused = (NOT_AUTHORIZED, BAD_CREDENTIALS)
        assert _refused(port, "acme/d1", "not-the-password") in refused
        assert _refused(port, "acme/d1", acme.passwords["d2"]) in refused
        assert _refused(port, "other/d1", acme.passwords["d1"]) in refused
        assert _refused(port, None, None) in refused
        assert worker.stats.received == 2

    ids = event_ids(plat, "acme")
    assert "own" in ids and "forged" not in ids and len(ids) == 2  # own + device.status
    assert event_ids(plat, "other") == []
    assert quarantined(plat) == []
    assert usage_total(plat, "acme", "kwh", now) == Decimal("1.5")


def _refused(port: int, username: str | None, password: str | None) -> int:
    client = Publisher(port=port, username=username, password=password)
    try:
        return client.connect()
    finally:
        client.close()

