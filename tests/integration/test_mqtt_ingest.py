"""MQTT in, events and usage out: every format, status messages, and what goes to quarantine.

Runs against the Mosquitto on 127.0.0.1:1883 and both databases, with a worker in a thread.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import cbor2
import pytest
from test_mqtt_support import (
    event_count,
    event_ids,
    publisher,
    quarantined,
    require_broker,
    running_worker,
    seed,
    unique,
    usage_total,
    wait_until,
)

from monetiot.bootstrap import Platform
from monetiot.domain.clock import iso_from_ms
from monetiot.ingest.mqtt_topics import events_topic, status_topic
from monetiot.store import registry

HOUR = 3_600_000


def reading(event_id: str, time_ms: int, kwh: str, **extra: Any) -> dict[str, Any]:
    return {"id": event_id, "type": "energy.reading", "time": iso_from_ms(time_ms),
            "data": {"kwh": Decimal(kwh)}, **extra}


def cloudevent(event_id: str, device: str, time_ms: int, kwh: str) -> dict[str, Any]:
    return {"specversion": "1.0", "id": event_id, "source": f"urn:dev:{device}",
            "type": "energy.reading", "time": iso_from_ms(time_ms), "data": {"kwh": Decimal(kwh)}}


def exact(doc: Any) -> bytes:
    """Serialise with Decimals as JSON number literals (json.dumps would need a float)."""
    if isinstance(doc, Decimal):
        return str(doc).encode()
    if isinstance(doc, dict):
        parts = [json.dumps(k).encode() + b":" + exact(v) for k, v in doc.items()]
        return b"{" + b",".join(parts) + b"}"
    if isinstance(doc, list):
        return b"[" + b",".join(exact(v) for v in doc) + b"]"
    return json.dumps(doc).encode()


@pytest.mark.integration
def test_every_format_becomes_events_usage_and_quarantine(platform: Platform) -> None:
    require_broker()
    prefix = unique("t")
    plat = replace(platform, settings=replace(platform.settings, mqtt_prefix=prefix))
    now = plat.clock.now_ms()
    seed(plat, "acme")
    t = now - 3 * HOUR
    senml_t = (now - 2 * HOUR) // 1000

    def on(device: str, fmt: str | None = None) -> str:
        return events_topic(prefix, "acme", device, fmt)

    good: list[tuple[str, bytes, str | None]] = [
        (on("m1"), exact(reading("j1", t, "1.5")), None),
        (on("m1", "json"), exact([reading("j2", t + 1, "0.25"),
                                  reading("j3", t + 2, "2", device="m1")]), None),
        (on("m1", "cloudevents"), exact(cloudevent("ce1", "m1", t + 3, "0.125")), None),
        (on("m2", "cloudevents-batch"), exact([cloudevent("ce2", "m2", t + 4, "1"),
                                               cloudevent("ce3", "m2", t + 5, "1.1")]), None),
        (on("m1", "senml+json"), exact([
            {"n": "kwh", "t": Decimal(senml_t), "v": Decimal("3.5"), "u": "kWh"},
            {"n": "kwh", "t": Decimal(senml_t + 60), "v": Decimal("0.5"), "u": "kWh"},
        ]), None),
        (on("m2", "senml+cbor"), cbor2.dumps([{0: "kwh", 6: senml_t, 2: 1.25, 1: "kWh"}]), None),
        # no suffix: the MQTT 5 Content-Type property says what it is
        (on("m2"), exact(cloudevent("ce4", "m2", t + 6, "0.5")), "application/cloudevents+json"),
        (status_topic(prefix, "acme", "m1"), b"offline", None),
        # sent again: a duplicate, stored and counted once
        (on("m1"), exact(reading("j1", t, "1.5")), None),
    ]
    bad: list[tuple[str, bytes, str | None, str, str | None]] = [
        (on("m1", "json"), b"{not json", None, "not valid JSON", "m1"),
        (on("m1", "xml"), b"<kwh>1</kwh>", None, "unknown format 'xml'", "m1"),
        (status_topic(prefix, "acme", "m1"), b"sleeping", None, "`online` or `offline`", "m1"),
        (on("m1"), exact(reading("evil", t, "99", device="m2")), None,
         "device may publish only as itself", "m1"),
        (on("ghost"), exact(reading("g1", t, "1")), None, "unknown device 'ghost'", "ghost"),
        (on("m1", "senml+json"), exact([{"bver": Decimal(11), "n": "kwh", "v": Decimal(1)}]),
         None, "bver 11", "m1"),
        (on("m2"), b"a,b\n1,2\n", "text/csv", "unsupported Content-Type 'text/csv'", "m2"),
    ]

    with running_worker(plat) as worker, publisher() as pub:
        infos = [pub.publish(topic, payload, content_type=ct) for topic, payload, ct in good]
        infos += [pub.publish(topic, payload, content_type=ct) for topic, payload, ct, *_ in bad]
        pub.wait_acked(infos)
        wait_until(lambda: worker.stats.acked >= len(infos), "the worker's acknowledgements")

    ids = event_ids(plat, "acme")
    assert len(ids) == len(set(ids)) == 11  # 7 with ids, 3 SenML records, 1 status
    assert {"j1", "j2", "j3", "ce1", "ce2", "ce3", "ce4"} <= set(ids)
    assert usage_total(plat, "acme", "kwh", now) == Decimal("6.475")
    assert usage_total(plat, "acme", "senml_kwh", now) == Decimal("5.25")
    assert worker.stats.duplicate == 1
    with plat.uow(readonly=True) as uow:
        m1 = registry.get_device(uow.conn, "acme", "m1")
    assert m1 is not None and m1["reported_state"] == "offline"

    rows = quarantined(plat)
    assert len(rows) == len(bad)
    assert all(r["source"] == "mqtt" and r["tenant_id"] == "acme" for r in rows)
    for _topic, payload, _ct, reason, device in bad:
        matching = [r for r in rows if reason in r["reason"]]
        assert len(matching) == 1, (reason, [r["reason"] for r in rows])
        assert matching[0]["device_id"] == device
        if b'"id"' not in payload:  # (an event rejected after decoding is kept as JSON)
            assert bytes(matching[0]["raw"]) == payload


@pytest.mark.integration
def test_workers_of_one_group_share_the_stream(pg_url: str) -> None:
    from monetiot.bootstrap import bootstrap
    from monetiot.settings import Settings

    require_broker()
    prefix, group = unique("t"), unique("g")
    plat = bootstrap(Settings(database_url=pg_url, mqtt_prefix=prefix))
    try:
        seed(plat, "acme")
        now = plat.clock.now_ms()
        with running_worker(plat, group=group) as one, running_worker(plat, group=group) as two, \
                publisher() as pub:
            infos = [pub.publish(events_topic(prefix, "acme", f"m{1 + i % 2}"),
                                 exact(reading(f"s{i}", now - HOUR + i, "0.5")))
                     for i in range(400)]
            pub.wait_acked(infos)
            wait_until(lambda: one.stats.acked + two.stats.acked >= 400, "both workers")
        assert one.stats.received > 0 and two.stats.received > 0
        assert event_count(plat, "acme") == 400
        assert usage_total(plat, "acme", "kwh", now) == Decimal(200)
    finally:
        plat.close()
