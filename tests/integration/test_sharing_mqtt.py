"""Sessions over real MQTT (Mosquitto on 127.0.0.1:1883, a topic prefix of the test's own).

The unlock is published to `{prefix}/{tenant}/{device}/commands` only for a member with a valid
booking; the device reports the end of the session as a `session.stopped` event on its events
topic, which the ingest worker stores and applies in the same transaction.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from test_mqtt_support import (
    event_count,
    publisher,
    require_broker,
    running_worker,
    unique,
    wait_until,
)

from monetiot.bootstrap import Platform
from monetiot.domain.clock import iso_from_ms
from monetiot.ingest.mqtt_topics import commands_topic, events_topic
from monetiot.services import access, fleet, metering, sessions, sharing
from monetiot.web.app import create_app

HOUR = 3_600_000
MINUTE = 60_000
TARIFF = {"currency": "EUR", "elements": [{"price_components": [
    {"type": "ENERGY", "price": "0.40", "step_size": 1}]}]}


class Listener:
    """A client subscribed to one topic, keeping what arrives."""

    def __init__(self, topic: str) -> None:
        self.messages: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique("listen-"),
                                  protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: self.ready.set()
        self.client.on_message = lambda _c, _u, m: self.messages.append(json.loads(m.payload))
        self.client.connect("127.0.0.1", 1883)
        self.client.loop_start()
        assert self.ready.wait(10), "not subscribed"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _seed(plat: Platform) -> tuple[str, str]:
    now = plat.clock.now_ms()
    since = now - 24 * HOUR
    with plat.uow() as uow:
        admin = access.create_tenant(uow, since, "acme", "Acme").key
    with plat.uow() as uow:
        fleet.create_customer(uow, since, "acme", {"id": "site"})
    with plat.uow() as uow:
        fleet.create_customer(uow, since, "acme", {"id": "c-ann"})
    with plat.uow() as uow:
        password = fleet.create_device(uow, since, "acme", {
            "id": "cp-1", "customer": "site", "assigned_from": since}).password
    with plat.uow() as uow:
        metering.create_meter(uow, since, "acme", {"id": "kwh", "event_type": "charger.meter",
                                                   "aggregation": "SUM", "property": "kwh"})
    with plat.uow() as uow:
        sharing.create_owner(uow, since, "acme", {"id": "o1", "platform_fee_percent": "20"})
    with plat.uow() as uow:
        sharing.create_asset(uow, since, "acme", {"id": "cp-1", "owner": "o1", "device": "cp-1",
                                                  "tariff": TARIFF, "energy_meter": "kwh"})
    with plat.uow() as uow:
        sharing.create_member(uow, since, "acme", {"id": "ann", "customer": "c-ann"})
    return admin, password


@pytest.mark.integration
def test_the_unlock_goes_to_the_device_only_with_a_valid_booking_and_the_device_stops_it(
        platform: Platform) -> None:
    require_broker()
    prefix = unique("share")
    plat = replace(platform, settings=replace(platform.settings, mqtt_prefix=prefix))
    admin, password = _seed(plat)
    now = plat.clock.now_ms()
    client = TestClient(create_app(plat))
    auth = {"Authorization": f"Bearer {admin}"}
    listener = Listener(commands_topic(prefix, "acme", "cp-1"))
    try:
        refused = client.post("/v1/assets/cp-1/sessions", json={"member": "ann"}, headers=auth)
        assert refused.status_code == 403 and refused.json()["field"] == "booking"
        booked = client.post("/v1/bookings", headers=auth, json={
            "asset": "cp-1", "member": "ann", "start": iso_from_ms(now),
            "end": iso_from_ms(now + HOUR)})
        assert booked.status_code == 201
        started = client.post("/v1/assets/cp-1/sessions", json={"member": "ann"}, headers=auth)
        assert started.status_code == 201, started.text
        session = started.json()["id"]
        wait_until(lambda: listener.messages, "the unlock command")
        assert listener.messages == [{"command": "unlock", "session": session}]

        # the device meters the session, then reports its end over MQTT
        with running_worker(plat) as worker, publisher(
                username="acme/cp-1", password=password) as device:
            body = [{"id": "r1", "type": "charger.meter", "time": iso_from_ms(now + 10 * MINUTE),
                     "data": {"kwh": "6.25"}},
                    {"id": "end", "type": "session.stopped",
                     "time": iso_from_ms(now + 12 * MINUTE), "data": {"session": session}}]
            plat.clock.at_ms = now + 13 * MINUTE  # type: ignore[attr-defined]
            device.wait_acked([device.publish(events_topic(prefix, "acme", "cp-1"),
                                              json.dumps(body))])
            wait_until(lambda: event_count(plat, "acme") == 2, "the stored events")
            assert worker.stats.rejected == 0
        with plat.uow(readonly=True) as uow:  # the ingest of the report stopped it
            stopped = sessions.get_session(uow, "acme", session)
        assert stopped["stopped_by"] == "device" and stopped["stop_ms"] == now + 12 * MINUTE
        assert str(stopped["amount"]) == "2.50"  # 6.25 kWh x 0.40
        assert len(listener.messages) == 1  # a device that stopped itself is sent no lock
    finally:
        listener.close()
