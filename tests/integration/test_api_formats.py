"""Malformed input in every format gets a reason naming the record and field, and its raw bytes
land in quarantine exactly as sent.

Formats: monetiot JSON, CloudEvents (single and batch), SenML as JSON and as CBOR.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal

import cbor2
import pytest
from test_api_support import HOUR, SharedDatabase, World, event, iso, shared_database, statuses

from monetiot.domain.jsonexact import dumps, loads

JSON = "application/json"
CE = "application/cloudevents+json"
CE_BATCH = "application/cloudevents-batch+json"
SENML = "application/senml+json"
SENML_CBOR = "application/senml+cbor"
T = "2026-11-24T11:00:00Z"  # an hour before the test clock's now


db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    w = db.world()
    w.a.customer("c1")
    w.a.device("d1", customer="c1", assigned_from=w.platform.clock.now_ms() - 10 * HOUR)
    yield w


def ce(**fields: object) -> dict[str, object]:
    doc: dict[str, object] = {"specversion": "1.0", "id": "ce-1", "source": "/site/d1",
                              "type": "energy", "time": T, "data": {"kwh": "1"}}
    doc.update(fields)
    return {k: v for k, v in doc.items() if v is not None}


def text(value: object) -> bytes:
    return dumps(value).encode()


# A whole payload nobody can read: one rejection, `payload`, the body kept byte for byte.
UNREADABLE = [
    (JSON, b"not json", "not valid JSON"),
    (JSON, b'{"id": "x", ', "not valid JSON"),
    (JSON, b"\xff\xfe{}", "not valid JSON"),
    (JSON, b"", "not valid JSON"),
    (CE, b"<event/>", "not valid JSON"),
    (CE_BATCH, b"[{]", "not valid JSON"),
    (SENML, b"{nope", "not valid JSON"),
    (SENML, b'{"n": "kwh", "v": 1}', "a SenML pack is a JSON array of records, not an object"),
    (SENML, b"[]", "one or more records"),
    (SENML_CBOR, b"\xff\x00\x13", "not valid CBOR"),
    (SENML_CBOR, cbor2.dumps({0: "kwh", 2: 1}), "a SenML pack is a CBOR array"),
    (SENML_CBOR, cbor2.dumps([{0: "kwh", 2: 1}]) + b"\x00", "bytes after the pack"),
    ("application/x-protobuf", b"\x08\x96\x01", "unsupported content type"),
]


def test_an_unreadable_payload_is_kept_whole(world: World) -> None:
    for content_type, body, reason in UNREADABLE:
        check_unreadable(world, content_type, body, reason)
    assert world.quarantined(world.a.id) == len(UNREADABLE)
    assert world.stored_events(world.a.id) == 0


def check_unreadable(world: World, content_type: str, body: bytes, reason: str) -> None:
    response = world.a.send(body, content_type)
    # a media type monetiot does not read is 415, as problem+json that still lists the result
    assert response.status_code == (415 if "unsupported" in reason else 422)
    (result,) = response.json()["results"]
    assert result["record"] == "payload"
    assert result["status"] == "rejected"
    assert reason in result["reason"], (body, result["reason"])
    entry = world.a.get(f"/v1/quarantine/{result['quarantine_id']}")
    assert entry["record"] == "payload"
    assert entry["reason"] == result["reason"]
    assert entry["content_type"] == content_type
    assert entry["source"] == "http"
    assert raw_of(entry) == body
    assert ("raw" in entry) != ("raw_base64" in entry)


def raw_of(entry: dict[str, object]) -> bytes:
    if "raw" in entry:
        return str(entry["raw"]).encode()
    return base64.b64decode(str(entry["raw_base64"]))


# One bad record of a JSON batch: rejected naming the record and the field; the others pass.
BAD_EVENTS = [
    ({"type": "energy", "time": T, "device": "d1"}, "id: required"),
    ({"id": "", "type": "energy", "time": T, "device": "d1"}, "id: must be a non-empty string"),
    ({"id": 7, "type": "energy", "time": T, "device": "d1"}, "id: must be a non-empty string"),
    ({"id": "x" * 201, "type": "energy", "time": T, "device": "d1"}, "id: longer than 200"),
    ({"id": "b", "time": T, "device": "d1"}, "type: required"),
    ({"id": "b", "type": "energy", "device": "d1"}, "time: required"),
    ({"id": "b", "type": "energy", "time": "yesterday", "device": "d1"}, "time: not an RFC 3339"),
    ({"id": "b", "type": "energy", "time": "2026-02-30T00:00:00Z", "device": "d1"},
     "time: not a calendar date"),
    ({"id": "b", "type": "energy", "time": Decimal("1.5"), "device": "d1"},
     "time: epoch milliseconds are an integer"),
    ({"id": "b", "type": "energy", "time": True, "device": "d1"}, "time: RFC 3339 text"),
    ({"id": "b", "type": "energy", "time": T}, "device, customer"),
    ({"id": "b", "type": "energy", "time": T, "device": 5}, "device: must be a non-empty"),
    ({"id": "b", "type": "energy", "time": T, "device": "d1", "data": [1]},
     "data: must be a JSON object, not an array"),
    ({"id": "b", "type": "energy", "time": T, "devcie": "d1"}, "unknown field 'devcie'"),
    ("an event", "an event is a JSON object, not a string"),
    (None, "an event is a JSON object, not null"),
]


def test_a_bad_json_event_is_rejected_naming_the_field(world: World) -> None:
    for i, (bad, reason) in enumerate(BAD_EVENTS):
        check_bad_event(world, f"good-{i}", bad, reason)
    assert world.quarantined(world.a.id) == world.stored_events(world.a.id) == len(BAD_EVENTS)


def check_bad_event(world: World, good_id: str, bad: object, reason: str) -> None:
    good = event(good_id, world.platform.clock.now_ms() - HOUR, kwh="1")
    response = world.a.send([good, bad])
    assert response.status_code == 200
    assert statuses(response) == ["accepted", "rejected"], (bad, response.text)
    result = response.json()["results"][1]
    assert result["record"] == "record 1"
    assert reason in result["reason"], result["reason"]
    entry = world.a.get(f"/v1/quarantine/{result['quarantine_id']}")
    assert entry["content_type"] == JSON
    assert loads(raw_of(entry)) == loads(text(bad))  # that record, as it was sent


BAD_CLOUDEVENTS = [
    (ce(specversion=None), "specversion: required"),
    (ce(specversion="0.3"), 'specversion: must be "1.0"'),
    (ce(id=None), "id: required"),
    (ce(source=None), "source: required"),
    (ce(source=""), "source: must be a non-empty string"),
    (ce(type=None), "type: required"),
    (ce(time="noon"), "time: not an RFC 3339"),
    (ce(data=[1, 2]), "data: must be a JSON object"),
    (ce(data_base64="e30="), "data, data_base64"),
    (ce(data=None, data_base64="!!"), "data_base64: not valid base64"),
    (ce(data=None, data_base64=base64.b64encode(b"[1]").decode()),
     "data_base64: must decode to a JSON object"),
    (ce(subject=3), "subject: must be a non-empty string"),
    (5, "a CloudEvent is a JSON object, not a number"),
]


def test_a_bad_cloudevent_is_rejected_naming_the_attribute(world: World) -> None:
    for bad, reason in BAD_CLOUDEVENTS:
        check_bad_cloudevent(world, bad, reason)
    assert world.quarantined(world.a.id) == len(BAD_CLOUDEVENTS)


def check_bad_cloudevent(world: World, bad: object, reason: str) -> None:
    response = world.a.send(text(bad), CE)
    assert response.status_code == 422, (bad, response.text)
    (result,) = response.json()["results"]
    assert result["record"] == "record 0"
    assert reason in result["reason"], result["reason"]
    entry = world.a.get(f"/v1/quarantine/{result['quarantine_id']}")
    assert loads(raw_of(entry)) == loads(text(bad))


def test_a_cloudevents_batch_rejects_only_its_bad_events(world: World) -> None:
    batch = [ce(id="ce-ok"), ce(id=None), "junk", ce(id="ce-ok2", time=None)]
    response = world.a.send(text(batch), CE_BATCH)
    assert statuses(response) == ["accepted", "rejected", "rejected", "accepted"]
    results = response.json()["results"]
    assert results[1]["record"] == "record 1" and "id: required" in results[1]["reason"]
    assert results[2]["record"] == "record 2" and "not a string" in results[2]["reason"]
    stored = {e["id"]: e for e in world.a.get("/v1/events")["events"]}
    assert stored["ce-ok"]["device"] == "d1"  # the last segment of `source`
    assert stored["ce-ok2"]["time_ms"] == world.platform.clock.now_ms()  # no time: receipt
    assert world.quarantined(world.a.id) == 2


def senml_t() -> Decimal:
    return Decimal(1_795_518_000)  # 2026-11-24T11:00:00Z, in seconds


BAD_SENML = [
    ([{"bn": "d1:", "n": "kwh", "v": "12"}], "record 0", "v must be a number"),
    ([{"bn": "d1:", "n": "kwh"}], "record 0", "no value"),
    ([{"bn": "d1:", "n": "kwh", "v": 1, "vs": "x"}], "record 0", "two values (v, vs)"),
    ([{"bn": "d1:", "n": "kwh", "v": 1, "bver": 11}], "record 0", "bver 11"),
    ([{"bn": "d1:", "n": "kwh", "v": 1, "xx_": 1}], "record 0", "unknown label 'xx_'"),
    ([{"bn": "d1:", "n": "kw h", "v": 1}], "record 0", "name 'd1:kw h'"),
    ([{"n": "kwh", "v": 1, "vb": True}], "record 0", "two values"),
    ([{"bn": "d1:", "n": "kwh", "v": 1}, {"n": "kwh", "vb": "yes"}], "record 1",
     "vb must be true or false"),
    ([{"bn": "d1:", "n": "kwh", "v": 1}, 7], "record 1", "a record is an object"),
]


@pytest.mark.parametrize("cbor", [False, True], ids=["json", "cbor"])
def test_an_invalid_senml_pack_is_rejected_whole_and_kept_once(world: World, cbor: bool) -> None:
    for pack, record, reason in BAD_SENML:
        check_bad_pack(world, [dict(r) if isinstance(r, dict) else r for r in pack], record,
                       reason, cbor)
    assert world.quarantined(world.a.id) == len(BAD_SENML)  # one entry per pack
    assert world.stored_events(world.a.id) == 0


def check_bad_pack(world: World, pack: list[object], record: str, reason: str,
                   cbor: bool) -> None:
    for r in pack:
        if isinstance(r, dict):
            r.setdefault("t", senml_t())
    if cbor:
        labels = {"bver": -1, "bn": -2, "bt": -3, "bu": -4, "bv": -5, "bs": -6, "n": 0, "u": 1,
                  "v": 2, "vs": 3, "vb": 4, "s": 5, "t": 6, "ut": 7, "vd": 8}
        body = cbor2.dumps([{labels.get(k, k): v for k, v in r.items()}
                            if isinstance(r, dict) else r for r in pack])
        content_type = SENML_CBOR
    else:
        body, content_type = text(pack), SENML
    response = world.a.send(body, content_type)
    assert response.status_code == 422
    results = response.json()["results"]
    assert len(results) == len(pack)  # every record of an invalid pack is rejected
    bad = next(r for r in results if r["record"] == record)
    assert reason in bad["reason"], bad["reason"]
    for other in results:
        if other is not bad:
            assert other["reason"].startswith(f"pack rejected: {record}: ")
    assert {r["quarantine_id"] for r in results} == {bad["quarantine_id"]}
    entry = world.a.get(f"/v1/quarantine/{bad['quarantine_id']}")
    assert raw_of(entry) == body  # the pack, byte for byte
    assert entry["content_type"] == content_type


def test_valid_senml_in_json_and_cbor_becomes_events_of_the_base_name_device(
    world: World,
) -> None:
    pack_json = [{"bn": "d1:", "bt": senml_t(), "bu": "kWh", "n": "energy", "v": Decimal("0.1")},
                 {"n": "energy", "t": 60, "v": Decimal("0.2")}]
    response = world.a.send(text(pack_json), SENML)
    assert statuses(response) == ["accepted", "accepted"]
    pack_cbor = cbor2.dumps([{-2: "d1:", -3: 1_795_518_000, 0: "energy", 2: 0.25, 6: 120}])
    assert statuses(world.a.send(pack_cbor, SENML_CBOR)) == ["accepted"]
    # The same pack again: recognised by its derived ids.
    assert statuses(world.a.send(text(pack_json), SENML)) == ["duplicate", "duplicate"]
    events = sorted(world.a.get("/v1/events")["events"], key=lambda e: e["time_ms"])
    assert [(e["device"], e["type"], e["data"]) for e in events] == [
        ("d1", "senml.energy", {"value": "0.1", "unit": "kWh"}),
        ("d1", "senml.energy", {"value": "0.2", "unit": "kWh"}),
        ("d1", "senml.energy", {"value": "0.25"}),
    ]
    assert [e["time_ms"] for e in events] == [1_795_518_000_000 + s * 1000 for s in (0, 60, 120)]


def test_content_type_parameters_and_case_are_ignored(world: World) -> None:
    now = world.platform.clock.now_ms()
    body = text([event("ct1", now - HOUR, kwh="1")])
    response = world.a.send(body, "Application/JSON; charset=utf-8")
    assert statuses(response) == ["accepted"]


def test_a_batch_keeps_the_order_and_the_numbers_exactly(world: World) -> None:
    now = world.platform.clock.now_ms()
    body = ('[{"id":"n1","type":"energy","time":"TIME","device":"d1",'
            '"data":{"kwh":0.10,"big":123456789012345.123456789012345678,'
            '"text":"0.125","flag":true}}]').replace("TIME", iso(now - HOUR))
    assert statuses(world.a.send(body)) == ["accepted"]
    raw = world.client.get("/v1/events", headers=world.a.auth).text
    assert '"kwh":"0.10"' in raw
    assert '"big":"123456789012345.123456789012345678"' in raw
    assert '"text":"0.125"' in raw and '"flag":true' in raw
