"""`decode`: one entry point for every content type, and the authenticated-device rule."""

from __future__ import annotations

import json

import cbor2
import pytest

from monetiot.domain.events import Event, Rejected
from monetiot.ingest.formats import CONTENT_TYPES, decode, parse_profile

NOW_MS = 1_700_000_000_000
JSON_EVENT = {"id": "e1", "device": "meter-1", "type": "energy.reading", "time": 0,
              "data": {"kwh": "1"}}
CLOUDEVENT = {"specversion": "1.0", "id": "e1", "source": "/meters/meter-1", "type": "reading"}
SENML = [{"bn": "meter-1:", "n": "kwh", "v": 1}]
BODIES = {
    "json": json.dumps(JSON_EVENT).encode(),
    "cloudevents": json.dumps(CLOUDEVENT).encode(),
    "cloudevents-batch": json.dumps([CLOUDEVENT]).encode(),
    "senml+json": json.dumps(SENML).encode(),
    "senml+cbor": cbor2.dumps([{-2: "meter-1:", 0: "kwh", 2: 1}]),
}


@pytest.mark.parametrize("name", list(CONTENT_TYPES))
def test_every_content_type_decodes_to_one_event_of_meter_1(name: str) -> None:
    (event,) = decode(CONTENT_TYPES[name], BODIES[name], now_ms=NOW_MS)
    assert isinstance(event, Event) and event.device == "meter-1", event


def test_content_type_parameters_and_case_are_ignored() -> None:
    (event,) = decode("Application/JSON; charset=utf-8", BODIES["json"], now_ms=NOW_MS)
    assert isinstance(event, Event)


def test_unsupported_content_type() -> None:
    (rejected,) = decode("text/csv", b"a,b", now_ms=NOW_MS)
    assert isinstance(rejected, Rejected)
    assert rejected.record == "payload" and rejected.raw == "a,b"
    assert rejected.reason.startswith("unsupported content type 'text/csv'")


@pytest.mark.parametrize("name", list(CONTENT_TYPES))
@pytest.mark.parametrize("body", [b"", b"\x00\xff\xfe garbage", b"[1, 2", b"\xa1"])
def test_malformed_bytes_give_one_clear_payload_rejection(name: str, body: bytes) -> None:
    results = decode(CONTENT_TYPES[name], body, now_ms=NOW_MS)
    assert len(results) == 1
    (rejected,) = results
    assert isinstance(rejected, Rejected) and rejected.record == "payload", rejected
    reasons = ("not valid JSON", "not valid CBOR", "a SenML pack")
    assert rejected.reason.startswith(reasons), rejected
    assert rejected.raw is not None


@pytest.mark.parametrize("name", ["json", "cloudevents", "cloudevents-batch"])
def test_an_event_naming_another_device_is_rejected(name: str) -> None:
    body = {
        "json": json.dumps({**JSON_EVENT, "device": "meter-2"}),
        "cloudevents": json.dumps({**CLOUDEVENT, "subject": "meter-2"}),
        "cloudevents-batch": json.dumps([{**CLOUDEVENT, "device": "meter-2"}]),
    }[name].encode()
    (rejected,) = decode(CONTENT_TYPES[name], body, now_ms=NOW_MS, device="meter-1")
    assert isinstance(rejected, Rejected)
    assert rejected.reason == "device may publish only as itself (payload names meter-2)"


@pytest.mark.parametrize("name", list(CONTENT_TYPES))
def test_the_authenticated_device_is_accepted_as_itself(name: str) -> None:
    (event,) = decode(CONTENT_TYPES[name], BODIES[name], now_ms=NOW_MS, device="meter-1")
    assert isinstance(event, Event) and event.device == "meter-1"


def test_senml_names_are_read_relative_to_the_authenticated_device() -> None:
    (event,) = decode(CONTENT_TYPES["senml+json"], BODIES["senml+json"], now_ms=NOW_MS,
                      device="meter-7")
    assert isinstance(event, Event) and (event.device, event.type) == ("meter-7", "senml.kwh")


def test_json_with_a_profile_is_mapped_by_the_profile() -> None:
    profile = parse_profile({"type": "energy.reading", "time": "ts", "time_format": "epoch_ms",
                             "measurements": {"kwh": "e"}})
    body = b'{"ts": 1700000000000, "e": 0.5}'
    (event,) = decode("application/json", body, now_ms=NOW_MS, device="meter-1", profile=profile)
    assert isinstance(event, Event)
    assert (event.type, event.device, event.time_ms) == ("energy.reading", "meter-1", NOW_MS)
    (first, second) = decode("application/json", b"[" + body + b", {}]", now_ms=NOW_MS,
                             device="meter-1", profile=profile)
    assert isinstance(first, Event)
    assert second == Rejected("record 1", "path 'ts': the message has no 'ts'", raw={})
    (bad,) = decode("application/json", b"{", now_ms=NOW_MS, device="m", profile=profile)
    assert isinstance(bad, Rejected) and bad.record == "payload"
