"""The monetiot JSON event (`application/json`): one object, or an array of them.

```json
{"id": "b3c0...", "device": "meter-0042", "type": "energy.reading",
 "time": "2026-11-24T10:15:00.250Z", "data": {"kwh": "0.125", "phase": "L1"}}
```

Invariants:
- `id` (1 to 200 characters), `type` and `time` are required; `device` and/or `customer` too;
- `time` is RFC 3339 text or an integer of epoch milliseconds; it is stored as UTC epoch ms;
- `data` is a JSON object (default `{}`); its numbers are exact `Decimal`, its strings stay
  strings ("0.125" is text the sender chose, kept as sent);
- an unknown top-level field is an error naming the field: a typo (`"devcie"`) must not pass;
- each event of an array stands alone: a bad one is rejected, the others are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from monetiot.domain.events import MAX_ID_LENGTH, MAX_TYPE_LENGTH, Decoded, Event, Rejected, Value
from monetiot.ingest.formats.common import (
    Problem,
    claim_device,
    json_kind,
    payload_rejected,
    read_json,
    record_label,
)
from monetiot.ingest.formats.timestamps import check_ms, ms_from_rfc3339

FIELDS = ("id", "type", "time", "device", "customer", "data")


def decode_events(body: bytes, *, device: str | None = None) -> list[Decoded]:
    """monetiot JSON events to `Event`s; `device` is the authenticated device, if any."""
    try:
        parsed = read_json(body)
    except Problem as exc:
        return [payload_rejected(exc.reason, body, exc.code)]
    items = parsed if isinstance(parsed, list) else [parsed]
    results: list[Decoded] = []
    for index, item in enumerate(items):
        try:
            results.append(parse_event(item, device=device))
        except Problem as exc:
            results.append(Rejected(record=record_label(index), reason=exc.reason, raw=item))
    return results


def parse_event(raw: Value, *, device: str | None = None) -> Event:
    """One monetiot event from its parsed JSON; raises `Problem` naming the field at fault."""
    if not isinstance(raw, dict):
        raise Problem(f"an event is a JSON object, not {json_kind(raw)}")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        raise Problem(f"unknown field {listed}: an event has only {', '.join(FIELDS)}")
    event_id = _required(raw, "id", MAX_ID_LENGTH)
    event_type = _required(raw, "type", MAX_TYPE_LENGTH)
    time_ms = _time(raw)
    named = _text(raw, "device")
    customer = _text(raw, "customer")
    owner = claim_device(named, device)
    if owner is None and customer is None:
        raise Problem("device, customer: an event names its device, its customer, or both")
    data = raw.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Problem(f"data: must be a JSON object, not {json_kind(data)}")
    return Event(
        id=event_id, type=event_type, time_ms=time_ms, device=owner,
        customer=customer, data=data,
    )


def _required(raw: Mapping[str, Value], name: str, max_length: int) -> str:
    value = _text(raw, name, max_length)
    if value is None:
        raise Problem(f"{name}: required")
    return value


def _text(raw: Mapping[str, Value], name: str, max_length: int = MAX_ID_LENGTH) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise Problem(f"{name}: must be a non-empty string, not {json_kind(value)}")
    if len(value) > max_length:
        raise Problem(f"{name}: longer than {max_length} characters")
    return value


def _time(raw: Mapping[str, Value]) -> int:
    value = raw.get("time")
    if value is None:
        raise Problem("time: required (RFC 3339 text or epoch milliseconds)")
    try:
        if isinstance(value, str):
            return ms_from_rfc3339(value)
        if isinstance(value, Decimal) and value.is_finite():
            if value != value.to_integral_value():
                raise ValueError(f"epoch milliseconds are an integer, not {value}")
            return check_ms(int(value))
    except ValueError as exc:
        raise Problem(f"time: {exc}") from None
    raise Problem(f"time: RFC 3339 text or epoch milliseconds, not {json_kind(value)}")
