"""The MQTT topic scheme: where devices publish, and what a received message becomes.

Devices publish, at QoS 1, to

    {prefix}/{tenant}/{device}/events            a payload in the default format (see below)
    {prefix}/{tenant}/{device}/events/{format}   format: json, cloudevents, cloudevents-batch,
                                                 senml-json or senml-cbor
    {prefix}/{tenant}/{device}/status            "online" or "offline", typically the last will

and read commands from the platform (a shared asset's unlock, services/asset_commands.py) on

    {prefix}/{tenant}/{device}/commands          JSON, e.g. {"command": "unlock", "session": ...}

A device may also ask the server's time on `{prefix}/{tenant}/{device}/time`; the worker answers
on its commands topic (mqtt_time.py).

The formats are the `CONTENT_TYPES` names with `+` spelled `-` (`senml+json` -> `senml-json`):
`+` is a wildcard in MQTT and may not appear in a topic name.

The format is the topic's suffix when there is one, else the MQTT 5 Content-Type property when
the publisher set one, else monetiot JSON. A status message becomes a `device.status` CloudEvent
(`{"state": "online" | "offline"}`, timed at receipt) so that connectivity tracks it; its id is
derived from topic, payload and receipt time, as the message carries none.

Invariants:
- tenant and device come from the topic, never from the payload; the broker's ACL (`acl_text`)
  ties the topic to the device's credentials (`TENANT/DEVICE`), and the decoders reject an event
  naming another device, so a device can publish only as itself;
- nothing is dropped: a message that fits no rule is `Unroutable`, with its body and the reason,
  for the caller to keep in quarantine;
- the worker subscribes to `events/#`, which also matches `events` itself (MQTT 5, 4.7.1.2): one
  filter covers both forms, and a message never arrives twice through overlapping filters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from monetiot.domain.clock import iso_from_ms
from monetiot.domain.connectivity import STATUS_EVENT
from monetiot.domain.errors import InvalidInput
from monetiot.domain.events import derived_id
from monetiot.domain.fleet import check_id
from monetiot.ingest.formats import CONTENT_TYPES, media_type
from monetiot.services.ingest import Payload

SOURCE = "mqtt"
EVENTS = "events"
STATUS = "status"
COMMANDS = "commands"
TIME = "time"
STATUS_STATES = ("online", "offline")
_KNOWN_TYPES = frozenset(CONTENT_TYPES.values())
# topic suffix -> format name (a CONTENT_TYPES key)
TOPIC_FORMATS: dict[str, str] = {name.replace("+", "-"): name for name in CONTENT_TYPES}
_OPAQUE = "application/octet-stream"
_MAX_REASON_TOPIC = 300
_EXPECTED = "expected PREFIX/TENANT/DEVICE/events[/FORMAT] or PREFIX/TENANT/DEVICE/status"


@dataclass(frozen=True, slots=True)
class Topic:
    tenant: str
    device: str
    kind: str  # events | status
    format: str | None = None  # a CONTENT_TYPES key (`senml+json`), when the topic names one


@dataclass(frozen=True, slots=True)
class Unroutable:
    """A message that cannot become a payload: kept raw, with the reason, in quarantine."""

    tenant: str
    device: str | None
    reason: str
    body: bytes
    received_ms: int
    content_type: str = _OPAQUE

    def quarantine_row(self) -> dict[str, object]:
        return {
            "tenant_id": self.tenant, "received_ms": self.received_ms, "source": SOURCE,
            "content_type": self.content_type, "device_id": self.device, "record": "message",
            "reason": self.reason, "raw": self.body, "status": "open", "resolved_ms": None,
        }


class TopicError(ValueError):
    """A topic outside the scheme; the message says why."""


def check_prefix(prefix: str) -> str:
    if not prefix or prefix.startswith(("$", "/")) or prefix.endswith("/") or any(
        c in prefix for c in "+#\x00"
    ):
        raise InvalidInput("must be topic levels without wildcards, e.g. `monetiot`",
                           field="mqtt_prefix")
    return prefix


def subscriptions(prefix: str, group: str) -> tuple[str, ...]:
    """The worker's shared-subscription filters (each worker of `group` gets a share)."""
    check_prefix(prefix)
    if not group or any(c in group for c in "/+#"):
        raise InvalidInput("must be a name without / + or #", field="group")
    return (f"$share/{group}/{prefix}/+/+/{EVENTS}/#", f"$share/{group}/{prefix}/+/+/{STATUS}",
            f"$share/{group}/{prefix}/+/+/{TIME}")


def events_topic(prefix: str, tenant: str, device: str, fmt: str | None = None) -> str:
    """Where a device publishes events; `fmt` is a format name (`senml+json` or `senml-json`)."""
    base = f"{prefix}/{tenant}/{device}/{EVENTS}"
    return base if fmt is None else f"{base}/{fmt.replace('+', '-')}"


def status_topic(prefix: str, tenant: str, device: str) -> str:
    return f"{prefix}/{tenant}/{device}/{STATUS}"


def commands_topic(prefix: str, tenant: str, device: str) -> str:
    """Where the platform sends a device its commands (the device subscribes to it)."""
    return f"{check_prefix(prefix)}/{tenant}/{device}/{COMMANDS}"


def parse(prefix: str, topic: str) -> Topic:
    """The parts of a device topic; `TopicError` says what does not fit the scheme."""
    if not topic.startswith(prefix + "/"):
        raise TopicError(f"not under the prefix {prefix!r}")
    levels = topic[len(prefix) + 1:].split("/")
    if len(levels) < 3:
        raise TopicError(_EXPECTED)
    tenant, device, kind, *rest = levels
    for name, value in (("tenant", tenant), ("device", device)):
        try:
            check_id(value, name)
        except InvalidInput as exc:
            raise TopicError(f"{name} {value!r} {exc.message}") from None
    if kind == STATUS and not rest:
        return Topic(tenant, device, STATUS)
    if kind == EVENTS and not rest:
        return Topic(tenant, device, EVENTS)
    if kind == EVENTS and len(rest) == 1:
        if rest[0] not in TOPIC_FORMATS:
            raise TopicError(f"unknown format {rest[0]!r}; use one of {', '.join(TOPIC_FORMATS)}")
        return Topic(tenant, device, EVENTS, TOPIC_FORMATS[rest[0]])
    raise TopicError(_EXPECTED)


def route(prefix: str, topic: str, body: bytes, received_ms: int,
          content_type: str | None = None) -> Payload | Unroutable:
    """What one received message becomes: a payload for `ingest`, or an unroutable message.

    `content_type` is the MQTT 5 Content-Type property, when the publisher set one.
    """
    try:
        parts = parse(prefix, topic)
    except TopicError as exc:
        return unroutable(prefix, topic, body, received_ms, f"unknown topic: {exc}")
    if parts.kind == STATUS:
        return _status(topic, parts, body, received_ms)
    if parts.format is not None:
        kind = CONTENT_TYPES[parts.format]
    elif content_type:
        kind = media_type(content_type)
        if kind not in _KNOWN_TYPES:
            return unroutable(prefix, topic, body, received_ms,
                              f"unsupported Content-Type {content_type[:100]!r}; use one of "
                              f"{', '.join(sorted(_KNOWN_TYPES))} or a topic suffix")
    else:
        kind = CONTENT_TYPES["json"]
    return Payload(tenant=parts.tenant, content_type=kind, body=body, received_ms=received_ms,
                   source=SOURCE, device=parts.device)


def unroutable(prefix: str, topic: str, body: bytes, received_ms: int, reason: str,
               content_type: str = _OPAQUE) -> Unroutable:
    """An `Unroutable` for `topic`, filed under the tenant and device its levels name, if any."""
    levels = topic[len(prefix) + 1:].split("/") if topic.startswith(prefix + "/") else []
    tenant = levels[0][:100] if levels else ""
    device = levels[1][:100] if len(levels) > 1 and levels[1] else None
    shown = topic if len(topic) <= _MAX_REASON_TOPIC else topic[:_MAX_REASON_TOPIC] + "..."
    return Unroutable(tenant=tenant, device=device, reason=f"{reason} (topic {shown!r})",
                      body=body, received_ms=received_ms, content_type=content_type)


def _status(topic: str, parts: Topic, body: bytes, received_ms: int) -> Payload | Unroutable:
    try:
        state = body.decode().strip().lower()
    except UnicodeDecodeError:
        state = ""
    if state not in STATUS_STATES:
        return Unroutable(
            tenant=parts.tenant, device=parts.device, body=body, received_ms=received_ms,
            content_type="text/plain",
            reason=f"a status message is `online` or `offline`, not {body[:40]!r} "
                   f"(topic {topic!r})",
        )
    # A CloudEvent, not monetiot JSON: a device profile (which maps vendor JSON) must not apply.
    event = {
        "specversion": "1.0", "id": derived_id(topic, state, str(received_ms)),
        "source": f"mqtt:/{topic}", "type": STATUS_EVENT, "time": iso_from_ms(received_ms),
        "subject": parts.device, "data": {"state": state},
    }
    return Payload(tenant=parts.tenant, content_type=CONTENT_TYPES["cloudevents"],
                   body=json.dumps(event).encode(), received_ms=received_ms, source=SOURCE,
                   device=parts.device)


def acl_text(prefix: str, worker_username: str) -> str:
    """A Mosquitto ACL file: each device writes only its own topics; the worker reads them all.

    `%u` is the device's username, `TENANT/DEVICE`, so the pattern expands to its own topics.
    """
    check_prefix(prefix)
    return "\n".join([
        "# monetiot: written by `monetiot mqtt-acl`; devices authenticate as TENANT/DEVICE.",
        f"pattern write {prefix}/%u/{EVENTS}",
        f"pattern write {prefix}/%u/{EVENTS}/#",
        f"pattern write {prefix}/%u/{STATUS}",
        f"pattern write {prefix}/%u/{TIME}",
        f"pattern read {prefix}/%u/{COMMANDS}",
        "",
        "# The platform's own account: the ingest worker reads, the API sends commands.",
        f"user {worker_username}",
        f"topic read {prefix}/#",
        f"topic write {prefix}/+/+/{COMMANDS}",
        "",
    ])
