"""Device profiles: a vendor's own JSON mapped onto a monetiot event, without code.

```python
parse_profile({
    "type": "energy.reading",                    # the event type produced
    "id": "msg.uuid",                            # optional: where the vendor keeps a message id
    "time": "ts", "time_format": "epoch_s",      # rfc3339 (default) | epoch_s | epoch_ms
    "measurements": {"kwh": "payload.energy.total", "temp": "sensors.0.value"},
    "scale": {"kwh": "0.001"},                   # optional exact multipliers
    "device": "meta.serial",                     # optional: where the device id is
})
```

Invariants:
- a profile is validated when it is read; every error names the profile field at fault;
- paths are dotted keys; a segment of digits indexes a list; a missing path rejects the message,
  naming the path;
- scale factors and scaled values are exact decimals (a scale must be text or an integer);
- without an id path, the id is derived from device, time and the payload's SHA-256, so a
  re-sent message is recognised;
- the device is the authenticated one; a `device` path may name it, and then must agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from typing import Literal

from monetiot.domain.errors import InvalidInput
from monetiot.domain.events import (
    MAX_ID_LENGTH,
    MAX_TYPE_LENGTH,
    Event,
    Rejected,
    Value,
    derived_id,
)
from monetiot.domain.jsonexact import dumps
from monetiot.domain.money import to_decimal
from monetiot.ingest.formats.common import Problem, claim_device, json_kind
from monetiot.ingest.formats.timestamps import ms_from_rfc3339, ms_from_seconds

TimeFormat = Literal["rfc3339", "epoch_s", "epoch_ms"]
TIME_FORMATS: tuple[TimeFormat, ...] = ("rfc3339", "epoch_s", "epoch_ms")
_FIELDS = ("type", "id", "time", "time_format", "measurements", "scale", "device")
_EXACT = Context(prec=100, traps=[InvalidOperation, Inexact, Overflow])


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    type: str
    time: str
    measurements: Mapping[str, str]
    time_format: TimeFormat = "rfc3339"
    id: str | None = None
    device: str | None = None
    scale: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, spec: Mapping[str, object]) -> DeviceProfile:
        """Read and check a profile; raises `InvalidInput` naming the field (`profile.time`)."""
        if not isinstance(spec, Mapping):
            raise InvalidInput(f"a profile is an object, not {json_kind(spec)}", field="profile")
        for name in spec:
            if name not in _FIELDS:
                raise InvalidInput(
                    f"unknown field; a profile has {', '.join(_FIELDS)}", field=f"profile.{name}"
                )
        event_type = _spec_text(spec, "type")
        if len(event_type) > MAX_TYPE_LENGTH:
            raise InvalidInput(f"longer than {MAX_TYPE_LENGTH} characters", field="profile.type")
        time_format = spec.get("time_format", "rfc3339")
        if time_format not in TIME_FORMATS:
            raise InvalidInput(
                f"must be one of {', '.join(TIME_FORMATS)}, not {time_format!r}",
                field="profile.time_format",
            )
        measurements = spec.get("measurements")
        if not isinstance(measurements, Mapping) or not measurements:
            raise InvalidInput(
                "required: an object of measurement name -> path", field="profile.measurements"
            )
        paths = {
            str(name): _path(path, f"profile.measurements.{name}")
            for name, path in measurements.items()
        }
        scale_spec = spec.get("scale", {})
        if not isinstance(scale_spec, Mapping):
            raise InvalidInput(
                "must be an object of measurement name -> factor", field="profile.scale"
            )
        scale: dict[str, Decimal] = {}
        for name, factor in scale_spec.items():
            where = f"profile.scale.{name}"
            if name not in paths:
                raise InvalidInput("scales no measurement of this profile", field=where)
            if isinstance(factor, float):
                raise InvalidInput('a factor is text ("0.001"), to stay exact', field=where)
            scale[str(name)] = to_decimal(factor, where)
        return cls(
            type=event_type,
            time=_path(spec.get("time"), "profile.time"),
            measurements=paths,
            time_format=time_format,
            id=_optional_path(spec, "id"),
            device=_optional_path(spec, "device"),
            scale=scale,
        )


def parse_profile(spec: Mapping[str, object]) -> DeviceProfile:
    """Read and check a stored or submitted profile; errors name the field at fault."""
    return DeviceProfile.from_dict(spec)


def apply_profile(
    profile: DeviceProfile,
    vendor_json: Value,
    device: str | None,
    *,
    raw: bytes | None = None,
    record: str = "payload",
) -> Event | Rejected:
    """Map one vendor message onto an event; `raw` is the message as sent (for the derived id)."""
    try:
        return _apply(profile, vendor_json, device, raw)
    except Problem as exc:
        return Rejected(record=record, reason=exc.reason, raw=vendor_json)


def _apply(profile: DeviceProfile, message: Value, device: str | None, raw: bytes | None) -> Event:
    named = None
    if profile.device is not None:
        named = _as_text(lookup(message, profile.device), profile.device)
    owner = claim_device(named, device)
    if owner is None:
        raise Problem("device: the profile has no device path and no device authenticated")
    time_ms = _time(lookup(message, profile.time), profile)
    data: dict[str, Value] = {}
    for name, path in profile.measurements.items():
        data[name] = _measurement(lookup(message, path), path, profile.scale.get(name))
    if profile.id is not None:
        event_id = _as_text(lookup(message, profile.id), profile.id)
        if len(event_id) > MAX_ID_LENGTH:
            raise Problem(f"path {profile.id!r}: an id is at most {MAX_ID_LENGTH} characters")
    else:
        body = raw if raw is not None else dumps(message, sort_keys=True).encode()
        event_id = derived_id("profile", owner, str(time_ms), hashlib.sha256(body).hexdigest())
    return Event(id=event_id, type=profile.type, time_ms=time_ms, device=owner, data=data)


def lookup(message: Value, path: str) -> Value:
    """The value at a dotted path; raises `Problem` naming the path when it is not there."""
    current = message
    for depth, segment in enumerate(path.split(".")):
        if isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and segment.isdigit() and int(segment) < len(current):
            current = current[int(segment)]
        else:
            where = ".".join(path.split(".")[:depth]) or "the message"
            raise Problem(f"path {path!r}: {where} has no {segment!r}")
    return current


def _time(value: Value, profile: DeviceProfile) -> int:
    try:
        if profile.time_format == "rfc3339":
            if not isinstance(value, str):
                raise ValueError(f"RFC 3339 text expected, not {json_kind(value)}")
            return ms_from_rfc3339(value)
        number = _number(value, profile.time)
        seconds = number if profile.time_format == "epoch_s" else number.scaleb(-3)
        return ms_from_seconds(seconds)
    except ValueError as exc:
        raise Problem(f"path {profile.time!r} ({profile.time_format}): {exc}") from None


def _measurement(value: Value, path: str, factor: Decimal | None) -> Value:
    if factor is None:
        return value
    try:
        return _EXACT.multiply(_number(value, path), factor)
    except ArithmeticError:
        raise Problem(f"path {path!r}: too many digits to scale exactly") from None


def _number(value: Value, path: str) -> Decimal:
    try:
        if isinstance(value, (str, Decimal)):
            return to_decimal(value, path)
    except InvalidInput as exc:
        raise Problem(f"path {path!r}: {exc.message}") from None
    raise Problem(f"path {path!r}: a number is expected, not {json_kind(value)}")


def _as_text(value: Value, path: str) -> str:
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, str) and value:
        return value
    raise Problem(f"path {path!r}: text is expected, not {json_kind(value)}")


def _spec_text(spec: Mapping[str, object], name: str) -> str:
    value = spec.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput("required: a non-empty string", field=f"profile.{name}")
    return value


def _optional_path(spec: Mapping[str, object], name: str) -> str | None:
    return _path(spec[name], f"profile.{name}") if spec.get(name) is not None else None


def _path(value: object, where: str) -> str:
    if not isinstance(value, str) or not value or "" in value.split("."):
        raise InvalidInput("a dotted path is required, e.g. payload.energy.total", field=where)
    return value
