"""The monetiot JSON event: one object or an array, every problem named by its field."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain.events import Event, Rejected
from monetiot.ingest.formats.events_json import decode_events


def reading(**fields: Any) -> dict[str, Any]:
    event = {"id": "b3c0", "device": "meter-0042", "type": "energy.reading",
             "time": "2026-11-24T10:15:00.250Z", "data": {"kwh": "0.125", "phase": "L1"}}
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def decode(payload: Any, device: str | None = None) -> list[Event | Rejected]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return decode_events(body, device=device)


def reason(payload: Any) -> str:
    (rejected,) = decode(payload)
    assert isinstance(rejected, Rejected), rejected
    return rejected.reason


def test_the_spec_example() -> None:
    assert decode(reading()) == [Event(
        id="b3c0", type="energy.reading", time_ms=1_795_515_300_250, device="meter-0042",
        data={"kwh": "0.125", "phase": "L1"},
    )]


def test_an_array_gives_one_result_per_event() -> None:
    results = decode([reading(id="a"), reading(id=None), reading(id="c")])
    assert [getattr(r, "id", None) for r in results] == ["a", None, "c"]
    assert results[1] == Rejected("record 1", "id: required", raw=reading(id=None))


def test_time_in_epoch_milliseconds() -> None:
    (event,) = decode(reading(time=1_795_515_300_250))
    assert isinstance(event, Event) and event.time_ms == 1_795_515_300_250


@pytest.mark.parametrize("field", ["id", "type", "time"])
def test_each_missing_required_field_is_named(field: str) -> None:
    assert reason(reading(**{field: None})).startswith(f"{field}: required")


def test_device_or_customer_is_required() -> None:
    assert reason(reading(device=None)) == (
        "device, customer: an event names its device, its customer, or both"
    )
    (event,) = decode(reading(device=None, customer="acme"))
    assert isinstance(event, Event) and (event.device, event.customer) == (None, "acme")


def test_unknown_field_is_named() -> None:
    assert reason(reading(devcie="x")).startswith("unknown field 'devcie'")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": ""}, "id: must be a non-empty string, not an empty string"),
        ({"id": "x" * 201}, "id: longer than 200 characters"),
        ({"id": 5}, "id: must be a non-empty string, not a number"),
        ({"type": ["a"]}, "type: must be a non-empty string, not an array"),
        ({"device": 42}, "device: must be a non-empty string, not a number"),
        ({"time": "yesterday"}, "time: not an RFC 3339 date-time"),
        ({"time": 1.5}, "time: epoch milliseconds are an integer, not 1.5"),
        ({"time": -1}, "time: time -1 ms is outside"),
        ({"time": True}, "time: RFC 3339 text or epoch milliseconds, not a boolean"),
        ({"data": [1, 2]}, "data: must be a JSON object, not an array"),
    ],
)
def test_bad_field_is_named(fields: dict[str, Any], message: str) -> None:
    assert reason(reading(**fields)).startswith(message)


def test_id_of_200_characters_is_fine() -> None:
    (event,) = decode(reading(id="x" * 200))
    assert isinstance(event, Event)


def test_numbers_are_exact_decimals() -> None:
    body = b'{"id":"a","type":"t","time":0,"customer":"c","data":{"x":0.1000000000000000000001,' \
           b'"n":12345678901234567890123,"nested":[1.5e3]}}'
    (event,) = decode(body)
    assert isinstance(event, Event)
    assert event.data == {"x": Decimal("0.1000000000000000000001"),
                          "n": Decimal(12345678901234567890123), "nested": [Decimal("1.5e3")]}


def test_data_defaults_to_an_empty_object() -> None:
    (event,) = decode(reading(data=None))
    assert isinstance(event, Event) and event.data == {}


def test_not_an_object() -> None:
    assert reason(b'"x"') == "an event is a JSON object, not a string"


def test_authenticated_device() -> None:
    (own,) = decode(reading(device=None), device="meter-0042")
    assert isinstance(own, Event) and own.device == "meter-0042"
    (other,) = decode(reading(device="meter-9"), device="meter-0042")
    assert other == Rejected(
        "record 0", "device may publish only as itself (payload names meter-9)",
        raw=reading(device="meter-9"),
    )


@pytest.mark.parametrize("body", [b"", b"{", b"\xff", b'{"id": NaN}'])
def test_malformed_json_is_one_payload_rejection(body: bytes) -> None:
    (rejected,) = decode(body)
    assert isinstance(rejected, Rejected)
    assert (rejected.record, rejected.reason[:14]) == ("payload", "not valid JSON")
