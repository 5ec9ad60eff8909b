"""What the API refuses at the edge, and how (issue 11): numbers beyond the limits and readings
that are not numbers go to quarantine with the reason; deep nesting, unsupported media types
and oversized bodies are problem+json (422, 415, 413); a CloudEvent in HTTP binary mode (the
`ce-*` headers, the data as the body, as the CloudEvents SDKs send it) is accepted like the
same event in structured mode.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from test_api_support import HOUR, NOW, SharedDatabase, World, iso, shared_database

db = shared_database()
T = NOW - HOUR


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    w = db.world()
    w.a.customer("c1")
    w.a.device("d1", "c1", NOW - 10 * HOUR)
    w.a.meter("kwh", "energy", "SUM", "kwh")
    yield w


def usage(w: World) -> Decimal | None:
    return w.a.total("kwh", NOW - 5 * HOUR, NOW)


@pytest.mark.parametrize(("raw", "why"), [
    ("1e999", "too large"), ("1e10000000", "too large"), ("2e27", "too large"),
    ("1E-19", "too precise"), ('"1e999"', "too large"), ('"NaN"', "is not a number"),
    ('"abc"', "is not a number"), ("true", "is not a number"), ("[1]", "is not a number"),
])
def test_a_reading_beyond_the_limits_or_not_a_number_is_quarantined(
        world: World, raw: str, why: str) -> None:
    head = f'{{"device": "d1", "type": "energy", "time": "{iso(T)}", '
    body = (f'[{head}"id": "ok", "data": {{"kwh": 2}}}}, '
            f'{head}"id": "bad", "data": {{"kwh": {raw}}}}}]')
    answer = world.a.send(body, expect=200).json()
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected"]
    reason = answer["results"][1]["reason"]
    assert reason.startswith("data.kwh: ") and why in reason and len(reason) < 300
    entry = world.a.get(f"/v1/quarantine/{answer['results'][1]['quarantine_id']}")
    assert entry["reason"] == reason
    assert usage(world) == 2


def test_numbers_anywhere_in_data_are_bounded_and_null_is_no_reading(world: World) -> None:
    head = f'{{"device": "d1", "type": "energy", "time": "{iso(T)}", '
    body = (f'[{head}"id": "n1", "data": {{"kwh": null, "meta": {{"serial": 1e999}}}}}},'
            f' {head}"id": "n2", "data": {{"kwh": null, "serial": "12345678901234567890"}}}}]')
    answer = world.a.send(body, expect=200).json()
    assert [r["status"] for r in answer["results"]] == ["rejected", "accepted"]
    assert answer["results"][0]["reason"].startswith("data.meta.serial: ")


def test_deep_nesting_is_a_problem_and_a_quarantine_entry(world: World) -> None:
    deep_data = json.dumps({"id": "x", "device": "d1", "type": "energy", "time": iso(T)})[:-1] \
        + ', "data": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    for body in ("[" * 10000 + "]" * 10000, deep_data, "[" * 40 + "]" * 40):
        answer = world.a.send(body)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert "nests more than 32 levels" in problem["detail"]
        entry = world.a.get(f"/v1/quarantine/{problem['quarantine_id']}")
        assert "nests more than" in entry["reason"]


def test_unsupported_media_type_is_415_and_oversized_body_413(world: World) -> None:
    answer = world.a.send(b"kwh=1", "text/plain")
    assert answer.status_code == 415
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == "content-type"
    assert world.a.get(f"/v1/quarantine/{answer.json()['quarantine_id']}")["content_type"] \
        == "text/plain"
    answer = world.a.send(b"[" + b" " * (16 * 1024 * 1024) + b"]")
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"


def binary(w: World, event_id: str, data: bytes, content_type: str = "application/json",
           **extra: str) -> dict[str, str]:
    headers = {**w.a.auth, "Content-Type": content_type, "ce-specversion": "1.0",
               "ce-id": event_id, "ce-source": "urn:meters/d1", "ce-type": "energy",
               "ce-time": iso(T)}
    headers.update({f"ce-{k}": v for k, v in extra.items()})
    answer = w.client.post("/v1/events", content=data, headers=headers)
    return dict(answer.json())


def test_a_cloudevent_in_http_binary_mode_is_accepted(world: World) -> None:
    answer = binary(world, "b1", b'{"kwh": "2.5"}')
    assert answer["accepted"] == 1, answer
    (stored,) = [e for e in world.a.get("/v1/events")["events"] if e["id"] == "b1"]
    assert (stored["device"], stored["type"], stored["data"]) == ("d1", "energy",
                                                                  {"kwh": "2.5"})
    assert usage(world) == Decimal("2.5")
    # extension attributes are headers too, percent-encoded where they need it
    assert binary(world, "b2", b'{"kwh": "1"}', device="d1", subject="d%31")["accepted"] == 1
    # a body that is not a JSON object is refused with the reason, and kept replayably
    answer = binary(world, "b3", b"\x00\x01", "application/octet-stream")
    assert answer["rejected"] == 1 and "data_base64" in answer["results"][0]["reason"]
    entry = world.a.get(f"/v1/quarantine/{answer['results'][0]['quarantine_id']}")
    assert entry["content_type"] == "application/cloudevents+json"
    # missing attributes are named, as in structured mode
    headers = {**world.a.auth, "Content-Type": "application/json", "ce-specversion": "1.0",
               "ce-source": "urn:meters/d1", "ce-type": "energy"}
    answer = world.client.post("/v1/events", content=b"{}", headers=headers).json()
    assert answer["results"][0]["reason"] == "id: required"
