"""Device profiles: a vendor's JSON mapped onto monetiot events without code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain import jsonexact
from monetiot.domain.errors import InvalidInput
from monetiot.domain.events import Event, Rejected
from monetiot.ingest.formats.profiles import DeviceProfile, apply_profile, parse_profile

SPEC: dict[str, Any] = {
    "type": "energy.reading",
    "time": "ts",
    "time_format": "epoch_s",
    "measurements": {"kwh": "payload.energy.total", "temp": "sensors.0.value",
                     "phase": "payload.phase"},
    "scale": {"kwh": "0.001"},
}
MESSAGE = jsonexact.loads(
    '{"ts": 1795515300.25, "payload": {"energy": {"total": 1234567}, "phase": "L1"},'
    ' "sensors": [{"value": 21.5}, {"value": 3}], "msg": {"uuid": "m-17"}}'
)


def profile(**changes: Any) -> DeviceProfile:
    spec = {**SPEC, **changes}
    return parse_profile({k: v for k, v in spec.items() if v is not None})


def test_mapping_with_nested_paths_list_indexes_and_exact_scale() -> None:
    event = apply_profile(profile(), MESSAGE, "meter-0042")
    assert isinstance(event, Event)
    assert (event.type, event.device, event.time_ms) == (
        "energy.reading", "meter-0042", 1_795_515_300_250
    )
    assert event.data == {"kwh": Decimal("1234.567"), "temp": Decimal("21.5"), "phase": "L1"}


def test_id_from_a_path() -> None:
    event = apply_profile(profile(id="msg.uuid"), MESSAGE, "meter-0042")
    assert isinstance(event, Event) and event.id == "m-17"


def test_derived_id_is_stable_and_follows_the_payload() -> None:
    raw = jsonexact.dumps(MESSAGE).encode()
    first = apply_profile(profile(), MESSAGE, "m1", raw=raw)
    again = apply_profile(profile(), MESSAGE, "m1", raw=raw)
    other = apply_profile(profile(), MESSAGE, "m1", raw=raw + b" ")
    assert isinstance(first, Event) and isinstance(again, Event) and isinstance(other, Event)
    assert first.id == again.id != other.id
    assert apply_profile(profile(), MESSAGE, "m2", raw=raw).id != first.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("time_format", "value", "ms"),
    [
        ("rfc3339", "2026-11-24T11:15:00.250+01:00", 1_795_515_300_250),
        ("epoch_s", Decimal("1795515300.2505"), 1_795_515_300_250),
        ("epoch_ms", Decimal("1795515300250"), 1_795_515_300_250),
        ("epoch_ms", "1795515300250", 1_795_515_300_250),
    ],
)
def test_time_formats(time_format: str, value: object, ms: int) -> None:
    event = apply_profile(profile(time_format=time_format), {**MESSAGE, "ts": value}, "m")
    assert isinstance(event, Event) and event.time_ms == ms


def test_time_format_defaults_to_rfc3339() -> None:
    spec = {k: v for k, v in SPEC.items() if k != "time_format"}
    assert parse_profile(spec).time_format == "rfc3339"
    rejected = apply_profile(parse_profile(spec), MESSAGE, "m")
    assert isinstance(rejected, Rejected)
    assert rejected.reason == "path 'ts' (rfc3339): RFC 3339 text expected, not a number"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("payload.energy.gone", "path 'payload.energy.gone': payload.energy has no 'gone'"),
        ("sensors.5.value", "path 'sensors.5.value': sensors has no '5'"),
        ("nothing", "path 'nothing': the message has no 'nothing'"),
        ("payload.phase.x", "path 'payload.phase.x': payload.phase has no 'x'"),
    ],
)
def test_missing_path_is_named(path: str, message: str) -> None:
    rejected = apply_profile(profile(measurements={"kwh": path}), MESSAGE, "m")
    assert rejected == Rejected("payload", message, raw=MESSAGE)


def test_scaled_value_must_be_a_number() -> None:
    rejected = apply_profile(profile(scale={"phase": "2"}), MESSAGE, "m")
    assert isinstance(rejected, Rejected)
    assert rejected.reason.startswith("path 'payload.phase': not a decimal number")


def test_device_path_must_agree_with_the_authenticated_device() -> None:
    message = {**MESSAGE, "meta": {"serial": "sn-1"}}
    by_path = apply_profile(profile(device="meta.serial"), message, None)
    assert isinstance(by_path, Event) and by_path.device == "sn-1"
    other = apply_profile(profile(device="meta.serial"), message, "sn-2")
    assert isinstance(other, Rejected)
    assert other.reason == "device may publish only as itself (payload names sn-1)"
    nobody = apply_profile(profile(), message, None)
    assert isinstance(nobody, Rejected) and nobody.reason.startswith("device:")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": None}, "profile.type"),
        ({"type": ""}, "profile.type"),
        ({"time": None}, "profile.time"),
        ({"time": "a..b"}, "profile.time"),
        ({"time_format": "unix"}, "profile.time_format"),
        ({"measurements": None}, "profile.measurements"),
        ({"measurements": {}}, "profile.measurements"),
        ({"measurements": {"kwh": 5}}, "profile.measurements.kwh"),
        ({"scale": {"volts": "2"}}, "profile.scale.volts"),
        ({"scale": {"kwh": 0.001}}, "profile.scale.kwh"),
        ({"scale": {"kwh": "milli"}}, "profile.scale.kwh"),
        ({"scale": "0.001"}, "profile.scale"),
        ({"id": ""}, "profile.id"),
        ({"colour": "red"}, "profile.colour"),
    ],
)
def test_invalid_profile_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        profile(**changes)
    assert caught.value.field == field


def test_profile_from_dict_equals_parse_profile() -> None:
    assert DeviceProfile.from_dict(SPEC) == parse_profile(SPEC)
    assert parse_profile(SPEC).scale == {"kwh": Decimal("0.001")}
