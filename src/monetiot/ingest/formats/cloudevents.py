"""CloudEvents 1.0 in the JSON event format: one event, or a batch (a JSON array of them); and
the HTTP binding's binary mode, turned into the same structured event.

Invariants:
- binary mode (CloudEvents HTTP protocol binding, section 3.1: the attributes as `ce-*`
  headers, percent-decoded; `Content-Type` as `datacontenttype`; the body as `data`) gives
  exactly the structured-mode event that carries the same attributes and data, so both modes
  are validated, stored and quarantined (replayably) the same way; a JSON body becomes `data`,
  any other body `data_base64`;
- `specversion` is "1.0"; `id`, `source` and `type` are non-empty strings; a missing one is named;
- `time` is RFC 3339 and becomes UTC epoch milliseconds exactly; without it, the receipt time;
- `data` is a JSON object with exact numbers; `data_base64` is accepted only when it decodes to
  one, and never together with `data`;
- the device is the `device` extension attribute, else `subject`, else the last path segment of
  `source`; only the first two count as the event naming a device, so an authenticated device
  whose events carry a gateway's `source` is not refused;
- the customer is the `customer` extension attribute;
- the event id is the CloudEvents `id` as given (the spec makes source+id unique; monetiot
  dedups per tenant on id, so producers should keep ids unique across their sources);
- each event of a batch stands alone: a bad one is rejected, the others are accepted.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from monetiot.domain.events import MAX_ID_LENGTH, MAX_TYPE_LENGTH, Decoded, Event, Rejected, Value
from monetiot.domain.jsonexact import dumps
from monetiot.ingest.formats.common import (
    Problem,
    TooDeep,
    claim_device,
    json_kind,
    payload_rejected,
    read_json,
    record_label,
)
from monetiot.ingest.formats.timestamps import ms_from_rfc3339

SPECVERSION = "1.0"
HEADER_PREFIX = "ce-"


def is_binary_mode(headers: Mapping[str, str], content_type: str | None) -> bool:
    """A binary-mode message: `ce-specversion` is a header and the body is not itself a
    structured event (whose media type is application/cloudevents...)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return (not media.startswith("application/cloudevents")
            and any(name.lower() == "ce-specversion" for name in headers))


def structured_from_binary(headers: Mapping[str, str], content_type: str | None,
                           body: bytes) -> bytes:
    """The structured-mode JSON event of a binary-mode HTTP message."""
    event: dict[str, Value] = {}
    for name, value in headers.items():
        key = name.lower()
        if key.startswith(HEADER_PREFIX) and len(key) > len(HEADER_PREFIX):
            event[key[len(HEADER_PREFIX):]] = unquote(value)
    if content_type:
        event["datacontenttype"] = content_type
    if body:
        media = (content_type or "application/json").split(";", 1)[0].strip().lower()
        data: Value = None
        if media == "application/json" or media.endswith("+json") or media == "text/json":
            try:
                data = read_json(body)
            except TooDeep:
                raise
            except Problem:
                data = None
        if data is not None:
            event["data"] = data
        else:  # not JSON: kept whole, so the rejection says why and quarantine loses nothing
            event["data_base64"] = base64.b64encode(body).decode("ascii")
    return dumps(event).encode()


def decode_cloudevents(
    body: bytes, *, now_ms: int, device: str | None = None
) -> list[Decoded]:
    """A structured-mode CloudEvent or batch to events; the shape of the JSON says which."""
    try:
        parsed = read_json(body)
    except Problem as exc:
        return [payload_rejected(exc.reason, body, exc.code)]
    if isinstance(parsed, list):
        return [
            _decode_one(item, record_label(i), now_ms, device) for i, item in enumerate(parsed)
        ]
    return [_decode_one(parsed, record_label(0), now_ms, device)]


def _decode_one(raw: Value, label: str, now_ms: int, device: str | None) -> Decoded:
    try:
        return _event(raw, now_ms, device)
    except Problem as exc:
        return Rejected(record=label, reason=exc.reason, raw=raw, code=exc.code)


def _event(raw: Value, now_ms: int, authenticated: str | None) -> Event:
    if not isinstance(raw, dict):
        raise Problem(f"a CloudEvent is a JSON object, not {json_kind(raw)}")
    if "specversion" not in raw:
        raise Problem("specversion: required")
    if raw["specversion"] != SPECVERSION:
        raise Problem(f'specversion: must be "{SPECVERSION}", got {dumps(raw["specversion"])}')
    event_id = _required_text(raw, "id", MAX_ID_LENGTH)
    source = _required_text(raw, "source")
    event_type = _required_text(raw, "type", MAX_TYPE_LENGTH)
    subject = _optional_text(raw, "subject")
    _optional_text(raw, "datacontenttype")
    named = _optional_text(raw, "device") or subject
    device = claim_device(named, authenticated) or _last_segment(source)
    time_ms = now_ms
    if raw.get("time") is not None:
        time_text = _optional_text(raw, "time") or ""
        try:
            time_ms = ms_from_rfc3339(time_text)
        except ValueError as exc:
            raise Problem(f"time: {exc}") from None
    return Event(
        id=event_id, type=event_type, time_ms=time_ms, device=device,
        customer=_optional_text(raw, "customer"), data=_data(raw),
    )


def _data(raw: Mapping[str, Value]) -> dict[str, Value]:
    if raw.get("data_base64") is not None:
        if raw.get("data") is not None:
            raise Problem("data, data_base64: an event carries one of them, not both")
        encoded = raw["data_base64"]
        if not isinstance(encoded, str):
            raise Problem(f"data_base64: must be a base64 string, not {json_kind(encoded)}")
        try:
            decoded = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise Problem("data_base64: not valid base64") from None
        try:
            data = read_json(decoded)
        except TooDeep:
            raise
        except Problem:
            raise Problem(
                "data_base64: monetiot reads event data as a JSON object, and this does not "
                "decode to JSON; send it as `data` instead"
            ) from None
        if not isinstance(data, dict):
            raise Problem(f"data_base64: must decode to a JSON object, not {json_kind(data)}")
        return data
    data = raw.get("data")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Problem(f"data: must be a JSON object, not {json_kind(data)}")
    return data


def _required_text(raw: Mapping[str, Value], name: str, max_length: int | None = None) -> str:
    if name not in raw or raw[name] is None:
        raise Problem(f"{name}: required")
    value = raw[name]
    if not isinstance(value, str) or not value:
        raise Problem(f"{name}: must be a non-empty string, not {json_kind(value)}")
    if max_length is not None and len(value) > max_length:
        raise Problem(f"{name}: longer than {max_length} characters")
    return value


def _optional_text(raw: Mapping[str, Value], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise Problem(f"{name}: must be a non-empty string, not {json_kind(value)}")
    return value


def _last_segment(source: str) -> str:
    """The last path segment of a URI-reference; the whole source when it has no path."""
    if "/" not in source:
        return source
    segments = [part for part in urlsplit(source).path.split("/") if part]
    return segments[-1] if segments else source
