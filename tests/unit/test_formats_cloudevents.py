"""CloudEvents 1.0 (JSON format): single events and batches to monetiot events."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain.events import Event, Rejected
from monetiot.ingest.formats.cloudevents import decode_cloudevents

NOW_MS = 1_700_000_000_000


def ce(**fields: Any) -> dict[str, Any]:
    event = {"specversion": "1.0", "id": "evt-1", "source": "/fleet/meters/meter-0042",
             "type": "energy.reading", "time": "2026-11-24T10:15:00.250Z",
             "data": {"kwh": "0.125"}}
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def decode(payload: Any, device: str | None = None) -> list[Event | Rejected]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return decode_cloudevents(body, now_ms=NOW_MS, device=device)


def one(payload: Any, device: str | None = None) -> Event:
    (event,) = decode(payload, device)
    assert isinstance(event, Event), event
    return event


def reason(payload: Any) -> str:
    (rejected,) = decode(payload)
    assert isinstance(rejected, Rejected), rejected
    return rejected.reason


def test_single_event() -> None:
    event = one(ce())
    assert event == Event(
        id="evt-1", type="energy.reading", time_ms=1_795_515_300_250, device="meter-0042",
        data={"kwh": "0.125"},
    )


def test_batch_gives_one_result_per_event_and_a_bad_one_stands_alone() -> None:
    results = decode([ce(id="a"), ce(id=None), ce(id="c", subject="meter-7")])
    assert [type(r).__name__ for r in results] == ["Event", "Rejected", "Event"]
    assert results[1] == Rejected("record 1", "id: required", raw=ce(id=None))
    assert isinstance(results[2], Event) and results[2].device == "meter-7"


@pytest.mark.parametrize("field", ["specversion", "id", "source", "type"])
def test_missing_required_attribute_is_named(field: str) -> None:
    assert reason(ce(**{field: None})) == f"{field}: required"


@pytest.mark.parametrize("field", ["id", "source", "type"])
def test_required_attribute_must_be_a_non_empty_string(field: str) -> None:
    assert reason(ce(**{field: ""})) == f"{field}: must be a non-empty string, not an empty string"
    assert reason(ce(**{field: 7})) == f"{field}: must be a non-empty string, not a number"


def test_wrong_specversion() -> None:
    assert reason(ce(specversion="0.3")) == 'specversion: must be "1.0", got "0.3"'
    assert reason(ce(specversion=1.0)) == 'specversion: must be "1.0", got 1.0'


@pytest.mark.parametrize(
    ("time", "ms"),
    [
        ("2026-11-24T10:15:00Z", 1_795_515_300_000),
        ("2026-11-24T12:15:00.250+02:00", 1_795_515_300_250),
        ("2026-11-24T05:45:00.25-04:30", 1_795_515_300_250),
        ("2026-11-24t10:15:00.2504z", 1_795_515_300_250),
        ("2026-11-24T10:15:00.2505Z", 1_795_515_300_250),
        ("2026-11-24T10:15:00.2515-00:00", 1_795_515_300_252),
        ("2026-11-25T00:14:00+13:59", 1_795_515_300_000),
    ],
)
def test_time_with_any_offset_becomes_utc_milliseconds(time: str, ms: int) -> None:
    assert one(ce(time=time)).time_ms == ms


def test_missing_time_is_the_receipt_time() -> None:
    assert one(ce(time=None)).time_ms == NOW_MS


@pytest.mark.parametrize(
    "time",
    ["2026-11-24", "2026-11-24T10:15:00", "2026-02-30T10:15:00Z", "24/11/2026",
     "2026-11-24T25:00:00Z"],
)
def test_bad_time_is_named(time: str) -> None:
    assert reason(ce(time=time)).startswith("time: not ")


def test_device_comes_from_extension_then_subject_then_source() -> None:
    assert one(ce(device="dev-x", subject="sub-y")).device == "dev-x"
    assert one(ce(subject="sub-y")).device == "sub-y"
    assert one(ce(source="https://example.com/devices/abc/?q=1")).device == "abc"
    assert one(ce(source="urn:dev:mac:0024befffe804ff1")).device == "urn:dev:mac:0024befffe804ff1"


def test_customer_extension() -> None:
    assert one(ce(customer="acme")).customer == "acme"


def test_data_numbers_are_exact() -> None:
    body = json.dumps(ce(data={"kwh": 1})).replace("1}", "0.1000000000000000000001}").encode()
    assert one(body).data == {"kwh": Decimal("0.1000000000000000000001")}


def test_missing_or_null_data_is_empty() -> None:
    assert one(ce(data=None)).data == {}


def test_data_must_be_an_object() -> None:
    assert reason(ce(data="hello")) == "data: must be a JSON object, not a string"
    assert reason(ce(data=[1])) == "data: must be a JSON object, not an array"


def test_data_base64_is_accepted_when_it_decodes_to_a_json_object() -> None:
    encoded = base64.b64encode(b'{"kwh": 0.5}').decode()
    assert one(ce(data=None, data_base64=encoded)).data == {"kwh": Decimal("0.5")}


def test_data_base64_of_anything_else_is_rejected_clearly() -> None:
    binary = base64.b64encode(b"\x00\x01\x02").decode()
    assert "does not decode to JSON" in reason(ce(data=None, data_base64=binary))
    assert reason(ce(data=None, data_base64="***")) == "data_base64: not valid base64"
    array = base64.b64encode(b"[1]").decode()
    assert reason(ce(data=None, data_base64=array)).startswith(
        "data_base64: must decode to a JSON object"
    )
    assert reason(ce(data_base64=array)).startswith("data, data_base64:")


def test_event_must_be_an_object() -> None:
    assert reason(b"42") == "a CloudEvent is a JSON object, not a number"
    assert decode([1, ce()])[0] == Rejected(
        "record 0", "a CloudEvent is a JSON object, not a number", raw=Decimal(1)
    )


def test_authenticated_device_may_publish_only_as_itself() -> None:
    assert one(ce(), device="meter-0042").device == "meter-0042"
    # The source names a gateway, not a device: the authenticated device owns the event.
    assert one(ce(source="/gateways/gw-1"), device="meter-0042").device == "meter-0042"
    (rejected,) = decode(ce(subject="meter-9"), device="meter-0042")
    assert isinstance(rejected, Rejected)
    assert rejected.reason == "device may publish only as itself (payload names meter-9)"


def test_malformed_json_is_one_payload_rejection() -> None:
    (rejected,) = decode(b'{"specversion": "1.0",')
    assert isinstance(rejected, Rejected)
    assert rejected.record == "payload" and rejected.reason.startswith("not valid JSON")
    assert rejected.raw == '{"specversion": "1.0",'


# HTTP binary mode (CloudEvents HTTP protocol binding 3.1) -------------------------------------

def test_binary_mode_is_the_structured_event_with_the_same_attributes_and_data() -> None:
    from monetiot.ingest.formats.cloudevents import is_binary_mode, structured_from_binary

    headers = {"CE-SpecVersion": "1.0", "ce-id": "evt-1", "ce-source": "/fleet/meters/m-1",
               "ce-type": "energy.reading", "ce-time": "2026-11-24T10:15:00.250Z",
               "ce-device": "meter%2D0042", "Content-Type": "application/json"}
    assert is_binary_mode(headers, "application/json")
    assert not is_binary_mode(headers, "application/cloudevents+json")  # structured wins
    assert not is_binary_mode({"Content-Type": "application/json"}, "application/json")
    body = structured_from_binary(headers, "application/json; charset=utf-8",
                                  b'{"kwh": 0.125}')
    (event,) = decode(body)
    assert isinstance(event, Event)
    assert (event.id, event.device, event.type) == ("evt-1", "meter-0042", "energy.reading")
    assert event.data == {"kwh": Decimal("0.125")}


def test_a_binary_mode_body_that_is_not_json_is_kept_and_refused_with_the_reason() -> None:
    from monetiot.ingest.formats.cloudevents import structured_from_binary

    headers = {"ce-specversion": "1.0", "ce-id": "e", "ce-source": "s/d", "ce-type": "t"}
    body = structured_from_binary(headers, "text/plain", b"kwh=1")
    assert json.loads(body)["data_base64"] == base64.b64encode(b"kwh=1").decode()
    (rejected,) = decode(body)
    assert isinstance(rejected, Rejected) and "data_base64" in rejected.reason
