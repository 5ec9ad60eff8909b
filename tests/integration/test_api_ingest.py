"""POST /v1/events: a result per record, duplicates counted once, and nothing ever lost.

Every rejected record lands in quarantine with its reason and raw bytes; an operator replays it
(as kept, or corrected) or discards it. Late events within the window count in the hour of their
own timestamp; older ones wait in quarantine until the window is widened.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal

import pytest
from test_api_support import (
    HOUR,
    MINUTE,
    SharedDatabase,
    Tenant,
    World,
    basic,
    event,
    shared_database,
    statuses,
    values,
)

from monetiot.bootstrap import bootstrap
from monetiot.domain.clock import FixedClock

DAY = 24 * HOUR


db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    w = db.world()
    now = w.platform.clock.now_ms()
    w.a.customer("c1")
    w.a.device("d1", customer="c1", assigned_from=now - 60 * DAY)
    w.a.meter("kwh", "energy", "SUM", "kwh")
    yield w


def now_of(world: World) -> int:
    return world.platform.clock.now_ms()


def test_each_record_is_accepted_duplicate_or_rejected(world: World) -> None:
    a, now = world.a, now_of(world)
    batch = [
        event("e1", now - HOUR, kwh="0.1"),
        event("e2", now - HOUR, kwh="0.2"),
        event("e1", now - HOUR, kwh="0.1"),  # the same again, in the same batch: a duplicate
        event("e3", now - HOUR, device="ghost", kwh="1"),
    ]
    response = a.send(batch)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (2, 1, 1)
    assert statuses(response) == ["accepted", "accepted", "duplicate", "rejected"]
    assert [r["id"] for r in body["results"]] == ["e1", "e2", "e1", "e3"]
    assert "ghost" in body["results"][3]["reason"]
    assert body["results"][3]["quarantine_id"] > 0
    assert "quarantine_id" not in body["results"][0]
    # Sent again later (a redelivery): every good record is a duplicate, counted once.
    again = a.send(batch[:3])
    assert statuses(again) == ["duplicate", "duplicate", "duplicate"]
    assert world.stored_events(world.a.id) == 2
    assert a.total("kwh", now - 2 * HOUR, now) == Decimal("0.3")


def test_a_conflicting_duplicate_is_rejected_and_quarantined_not_overwritten(world: World) -> None:
    a, now = world.a, now_of(world)
    a.send([event("e1", now - HOUR, kwh="1")], expect=200)
    for changed in (event("e1", now - HOUR, kwh="2"),
                    event("e1", now - HOUR + 1, kwh="1"),
                    event("e1", now - HOUR, type="energy.other", kwh="1")):
        response = a.send([changed])
        assert response.status_code == 422  # nothing of the batch was accepted
        (result,) = response.json()["results"]
        assert result["status"] == "rejected"
        assert "conflict" in result["reason"]
        entry = a.get(f"/v1/quarantine/{result['quarantine_id']}")
        assert entry["status"] == "open"
        assert entry["reason"] == result["reason"]
        assert '"e1"' in entry["raw"]
    (stored,) = a.get("/v1/events")["events"]
    assert stored["data"] == {"kwh": "1"}
    assert a.total("kwh", now - 2 * HOUR, now) == Decimal(1)
    assert world.quarantined(world.a.id) == 3


def test_a_batch_that_is_rejected_whole_answers_422_with_every_reason(world: World) -> None:
    a, now = world.a, now_of(world)
    response = a.send([event("x1", now - HOUR, device="ghost"), {"id": "x2"}])
    assert response.status_code == 422
    assert response.json()["rejected"] == 2
    assert all(r["reason"] for r in response.json()["results"])


def test_events_too_far_in_the_future_are_rejected(world: World) -> None:
    a, now = world.a, now_of(world)
    tolerance = world.platform.settings.future_tolerance_ms
    response = a.send([event("edge", now + tolerance, kwh="1"),
                       event("ahead", now + tolerance + 1000, kwh="1"),
                       event("far", now + 400 * DAY, kwh="1")])
    assert statuses(response) == ["accepted", "rejected", "rejected"]
    assert "future" in response.json()["results"][1]["reason"]
    assert world.quarantined(world.a.id) == 2


def test_late_events_within_the_window_count_in_their_own_hour(world: World) -> None:
    a, now = world.a, now_of(world)
    a.send([event("now", now - 30 * MINUTE, kwh="1")], expect=200)
    start = now - 3 * DAY - 2 * HOUR
    before = values(a.usage("kwh", start, now, window="hour"))
    late = now - 3 * DAY - 90 * MINUTE  # the device was offline for three days
    response = a.send([event("late", late, kwh="2.5")])
    assert statuses(response) == ["accepted"]
    after = values(a.usage("kwh", start, now, window="hour"))
    changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
    assert changed == {late - late % HOUR: ("0", "2.5")}
    assert after[now - HOUR] == "1"


def test_events_older_than_the_late_window_wait_until_it_is_widened(world: World) -> None:
    a, now = world.a, now_of(world)
    window = world.platform.settings.late_window_ms
    old = now - window - HOUR
    response = a.send([event("old", old, kwh="4")])
    (result,) = response.json()["results"]
    assert result["status"] == "rejected" and "late window" in result["reason"]
    entry_id = result["quarantine_id"]
    # Replayed as it is, it is still too old: the entry stays open, without a second copy.
    replay = a.call("POST", f"/v1/quarantine/{entry_id}/replay").json()
    assert replay["status"] == "open"
    assert world.quarantined(world.a.id) == 1
    # Widen the window (a new process with other settings, on the same database) and replay.
    wider = dataclasses.replace(world.platform.settings, late_window_ms=window + 2 * DAY)
    platform = bootstrap(wider, clock=FixedClock(now))
    try:
        other = World(platform, world.client, world.a, world.b)
        from fastapi.testclient import TestClient

        from monetiot.web.app import create_app

        wide = Tenant(TestClient(create_app(platform)), a.id, a.admin_key)
        replayed = wide.call("POST", f"/v1/quarantine/{entry_id}/replay").json()
        assert replayed["status"] == "replayed"
        assert replayed["records"][0]["status"] == "accepted"
        assert other.quarantined(a.id) == 1
    finally:
        platform.close()
    assert a.get(f"/v1/quarantine/{entry_id}")["status"] == "replayed"
    assert a.get(f"/v1/quarantine/{entry_id}")["resolved_ms"] == now
    hours = values(a.usage("kwh", old - old % HOUR, old - old % HOUR + 2 * HOUR, window="hour"))
    assert list(hours.values()) == ["4", "0"]


def test_an_unknown_device_is_accepted_on_replay_once_registered(world: World) -> None:
    a, now = world.a, now_of(world)
    response = a.send([event("n1", now - 2 * HOUR, device="newbie", kwh="7")])
    (result,) = response.json()["results"]
    assert "unknown device 'newbie'" in result["reason"]
    entry = result["quarantine_id"]
    assert a.get(f"/v1/quarantine/{entry}")["status"] == "open"
    a.call("POST", f"/v1/quarantine/{entry}/replay")  # still unknown: stays open
    assert a.get(f"/v1/quarantine/{entry}")["status"] == "open"
    a.customer("c2")
    a.device("newbie", customer="c2", assigned_from=now - DAY)
    replayed = a.call("POST", f"/v1/quarantine/{entry}/replay").json()
    assert replayed == {"entry": entry, "status": "replayed", "records": [
        {"record": "event n1", "status": "accepted", "id": "n1"}]}
    assert a.get(f"/v1/quarantine/{entry}")["status"] == "replayed"
    rows = a.usage("kwh", now - DAY, now, group_by="customer,device")
    assert values(rows, "customer", "device") == {("c2", "newbie"): "7"}
    a.call("POST", f"/v1/quarantine/{entry}/replay", expect=409)  # replayed once
    assert world.quarantined(world.a.id) == 1


def test_replay_with_a_corrected_body(world: World) -> None:
    a, now = world.a, now_of(world)
    response = a.send(b'[{"id": "fix1", "type": "energy", "device": "d1", "data": {"kwh": "3"}}]')
    (result,) = response.json()["results"]
    assert result["reason"].startswith("time: required")
    entry = result["quarantine_id"]
    still_bad = a.call("POST", f"/v1/quarantine/{entry}/replay", content=b'{"id": "fix1"}',
                       headers={**a.auth, "Content-Type": "application/json"}).json()
    assert still_bad["status"] == "open"
    assert "type: required" in a.get(f"/v1/quarantine/{entry}")["reason"]
    fixed = event("fix1", now - HOUR, kwh="3")
    from monetiot.domain.jsonexact import dumps

    ok = a.call("POST", f"/v1/quarantine/{entry}/replay", content=dumps(fixed).encode(),
                headers={**a.auth, "Content-Type": "application/json"}).json()
    assert ok["status"] == "replayed"
    assert a.total("kwh", now - 2 * HOUR, now) == Decimal(3)
    assert world.quarantined(world.a.id) == 1  # the entry itself, never a copy


def test_replaying_a_conflict_with_the_stored_content_makes_it_a_duplicate(world: World) -> None:
    a, now = world.a, now_of(world)
    a.send([event("e1", now - HOUR, kwh="1")], expect=200)
    (result,) = a.send([event("e1", now - HOUR, kwh="2")]).json()["results"]
    entry = result["quarantine_id"]
    assert a.call("POST", f"/v1/quarantine/{entry}/replay").json()["status"] == "open"
    from monetiot.domain.jsonexact import dumps

    same = dumps(event("e1", now - HOUR, kwh="1")).encode()
    replayed = a.call("POST", f"/v1/quarantine/{entry}/replay", content=same,
                      headers={**a.auth, "Content-Type": "application/json"}).json()
    assert replayed["status"] == "replayed"
    assert replayed["records"][0]["status"] == "duplicate"
    assert a.total("kwh", now - 2 * HOUR, now) == Decimal(1)


def test_discard_keeps_the_entry_listed(world: World) -> None:
    a, now = world.a, now_of(world)
    (result,) = a.send([event("g1", now - HOUR, device="ghost")]).json()["results"]
    entry = result["quarantine_id"]
    assert a.call("POST", f"/v1/quarantine/{entry}/discard").json() == {
        "entry": entry, "status": "discarded"}
    a.call("POST", f"/v1/quarantine/{entry}/discard", expect=409)
    a.call("POST", f"/v1/quarantine/{entry}/replay", expect=409)
    assert a.get("/v1/quarantine")["entries"] == []  # open only, by default
    listed = a.get("/v1/quarantine", params={"status": "all"})
    assert [e["status"] for e in listed["entries"]] == ["discarded"]
    assert listed["counts"] == {"discarded": 1}
    assert a.get(f"/v1/quarantine/{entry}")["resolved_ms"] == now
    a.call("POST", "/v1/quarantine/999999/discard", expect=404)


def test_nothing_is_ever_lost(world: World) -> None:
    """Every record sent is stored once, or kept in quarantine, whatever went wrong."""
    a, now = world.a, now_of(world)
    sent = [
        (a.send([event("ok1", now - HOUR, kwh="1"), event("ok2", now - HOUR, kwh="1"),
                 event("bad-device", now - HOUR, device="ghost"),
                 event("future", now + DAY), event("ancient", now - 400 * DAY)]), 2, 3),
        (a.send(b"{broken"), 0, 1),
        (a.send([{"id": "no-type", "time": "2026-11-24T11:00:00Z", "device": "d1"},
                 "not an object", 42]), 0, 3),
        (a.send([event("ok1", now - HOUR, kwh="1"), event("ok1", now - HOUR, kwh="9")]), 0, 1),
        (a.send(b"[]"), 0, 0),
        (a.send(b'{"x": 1}', content_type="application/xml"), 0, 1),
        (a.send(b"\x00\xff", content_type="application/senml+cbor"), 0, 1),
        (a.send([{"n": "kwh", "v": 1}, {"n": "kwh", "v": "x"}], "application/senml+json"), 0, 2),
    ]
    stored = rejected = 0
    for response, accepted, bad in sent:
        body = response.json()
        assert (body["accepted"], body["rejected"]) == (accepted, bad), response.text
        stored += accepted
        rejected += bad
        for r in body["results"]:
            assert (r["status"] == "rejected") == ("quarantine_id" in r)
    assert world.stored_events(world.a.id) == stored
    entries = a.quarantine()
    # A SenML pack is one payload: kept once however many of its records were rejected.
    assert world.quarantined(world.a.id) == len(entries) == rejected - 1
    assert all(e["reason"] and ("raw" in e or "raw_base64" in e) for e in entries)
    assert a.get("/v1/quarantine")["counts"] == {"open": rejected - 1}


def test_ingest_moves_last_seen_and_connectivity(world: World) -> None:
    a, now = world.a, now_of(world)
    assert a.get("/v1/devices/d1")["state"] == "never_seen"
    a.send([event("h1", now - 2 * HOUR, kwh="1")], expect=200)
    device = a.get("/v1/devices/d1")
    assert device["last_seen_ms"] == now  # when it was heard, not the time it wrote
    assert device["state"] == "online"
    world.platform.clock.advance(world.platform.settings.offline_after_ms + 1)  # type: ignore[attr-defined]
    assert a.get("/v1/devices/d1")["state"] == "offline"


def test_a_device_reporting_offline_is_offline(world: World) -> None:
    a, now = world.a, now_of(world)
    user, password = a.devices["d1"]
    a.send([event("beat", now - 5000, kwh="1")], headers=basic(user, password), expect=200)
    assert a.get("/v1/devices/d1")["state"] == "online"
    # The device says goodbye (an MQTT last will, or a status event), a second before receipt.
    goodbye = event("bye", now - 1000, type="device.status", state="offline")
    a.send([goodbye], headers=basic(user, password), expect=200)
    assert a.get("/v1/devices/d1")["state"] == "offline"
    world.platform.clock.advance(60_000)  # type: ignore[attr-defined]
    a.send([event("back", now + 59_000, type="device.status", state="online")],
           headers=basic(user, password), expect=200)
    assert a.get("/v1/devices/d1")["state"] == "online"
