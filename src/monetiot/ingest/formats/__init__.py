"""Payload decoders: what devices send, in any supported format, to `Event`s or `Rejected`s.

`decode` is the one entry point; it picks the decoder from the content type (parameters such as
`; charset=utf-8` are ignored) and returns one result per record, in order, so a batch reports
every problem at once. Invariants:
- nothing is dropped: a payload nobody can read is one `Rejected(record="payload")` keeping it;
- when the transport authenticated a device, an event may name only that device; events that
  name none are attributed to it, and SenML names are read relative to it;
- numbers are exact and times are UTC epoch milliseconds, whatever the format.
"""

from __future__ import annotations

from monetiot.domain.events import Decoded, Event, Rejected
from monetiot.ingest.formats.cloudevents import decode_cloudevents
from monetiot.ingest.formats.common import (
    TOO_DEEP,
    UNSUPPORTED_MEDIA_TYPE,
    Problem,
    payload_rejected,
    read_json,
    record_label,
)
from monetiot.ingest.formats.events_json import decode_events, parse_event
from monetiot.ingest.formats.profiles import DeviceProfile, apply_profile, parse_profile
from monetiot.ingest.formats.senml import (
    PackError,
    ResolvedRecord,
    decode_senml,
    pack_events,
    resolve_pack,
    resolve_payload,
)

__all__ = [
    "CONTENT_TYPES",
    "TOO_DEEP",
    "UNSUPPORTED_MEDIA_TYPE",
    "Decoded",
    "DeviceProfile",
    "Event",
    "PackError",
    "Rejected",
    "ResolvedRecord",
    "apply_profile",
    "decode",
    "decode_cloudevents",
    "decode_events",
    "decode_senml",
    "media_type",
    "pack_events",
    "parse_event",
    "parse_profile",
    "resolve_pack",
    "resolve_payload",
]

# Format names (as the CLI spells them) -> content types.
CONTENT_TYPES: dict[str, str] = {
    "json": "application/json",
    "cloudevents": "application/cloudevents+json",
    "cloudevents-batch": "application/cloudevents-batch+json",
    "senml+json": "application/senml+json",
    "senml+cbor": "application/senml+cbor",
}


def media_type(content_type: str) -> str:
    """`Application/JSON; charset=utf-8` -> `application/json`."""
    return content_type.split(";", 1)[0].strip().lower()


def decode(
    content_type: str,
    body: bytes,
    *,
    now_ms: int,
    device: str | None = None,
    profile: DeviceProfile | None = None,
) -> list[Decoded]:
    """Decode one payload; `now_ms` is the receipt time, `device` the authenticated device."""
    kind = media_type(content_type)
    if kind == CONTENT_TYPES["json"]:
        if profile is not None:
            return _profiled(profile, body, device)
        return decode_events(body, device=device)
    if kind in (CONTENT_TYPES["cloudevents"], CONTENT_TYPES["cloudevents-batch"]):
        return decode_cloudevents(body, now_ms=now_ms, device=device)
    if kind in (CONTENT_TYPES["senml+json"], CONTENT_TYPES["senml+cbor"]):
        return decode_senml(
            body, cbor=kind == CONTENT_TYPES["senml+cbor"], now_ms=now_ms, device=device
        )
    supported = ", ".join(CONTENT_TYPES.values())
    return [payload_rejected(f"unsupported content type {content_type!r}; use {supported}", body,
                             UNSUPPORTED_MEDIA_TYPE)]


def _profiled(profile: DeviceProfile, body: bytes, device: str | None) -> list[Decoded]:
    try:
        message = read_json(body)
    except Problem as exc:
        return [payload_rejected(exc.reason, body, exc.code)]
    if isinstance(message, list):
        return [
            apply_profile(profile, item, device, record=record_label(i))
            for i, item in enumerate(message)
        ]
    return [apply_profile(profile, message, device, raw=body)]
