"""The MQTT time exchange: a device asks for the server's time, the ingest worker answers.

A device measures its clock's skew (monetiot.edge, docs/edge.md) by publishing, at QoS 0,

    {prefix}/{tenant}/{device}/time        {"id": "<nonce>", "t0": <device epoch ms>}

and the worker that receives it (one of the shared-subscription group) answers at once, on the
device's own commands topic, with its clock:

    {prefix}/{tenant}/{device}/commands    {"command": "time", "id": "<nonce>", "t0": <as sent>,
                                            "server_ms": <server epoch ms>}

A request that is not such a JSON object gets `{"command": "time", "error": "..."}` instead.

Invariants:
- the answer goes to the commands topic of the device named by the request's topic, never to a
  topic the request names, so a device cannot make the server publish elsewhere; the broker's
  ACL lets each device write only its own `time` topic (`mqtt_topics.acl_text`);
- nothing is stored: a time request is not an event, and answering it needs no transaction, so
  it is answered from the network thread without waiting for the batch in hand;
- the nonce and t0 are echoed as sent (bounded in size), so the device can match the answer to
  its request and compute the round trip on its own clock.
"""

from __future__ import annotations

import json

from monetiot.domain.errors import InvalidInput
from monetiot.domain.fleet import check_id
from monetiot.ingest.mqtt_topics import COMMANDS, TIME

MAX_NONCE = 64
MAX_BODY = 512


def is_request(prefix: str, topic: str) -> bool:
    return topic.startswith(prefix + "/") and topic.endswith("/" + TIME) \
        and topic.count("/") == prefix.count("/") + 3


def answer(prefix: str, topic: str, body: bytes, now_ms: int) -> tuple[str, bytes] | None:
    """(topic, payload) of the answer to a time request; None when the topic names no device."""
    levels = topic[len(prefix) + 1:].split("/")
    if len(levels) != 3 or levels[2] != TIME:
        return None
    tenant, device = levels[0], levels[1]
    try:
        check_id(tenant, "tenant")
        check_id(device, "device")
    except InvalidInput:
        return None
    reply_topic = f"{prefix}/{tenant}/{device}/{COMMANDS}"
    doc: dict[str, object] = {"command": TIME}
    problem = _read(body, doc)
    if problem is not None:
        doc = {"command": TIME, "error": problem}
    else:
        doc["server_ms"] = now_ms
    return reply_topic, json.dumps(doc).encode()


def _read(body: bytes, doc: dict[str, object]) -> str | None:
    if len(body) > MAX_BODY:
        return f"a time request is at most {MAX_BODY} bytes"
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return 'a time request is JSON: {"id": "<nonce>", "t0": <epoch ms>}'
    if not isinstance(request, dict):
        return 'a time request is a JSON object: {"id": "<nonce>", "t0": <epoch ms>}'
    nonce, t0 = request.get("id"), request.get("t0")
    if not isinstance(nonce, str) or not 0 < len(nonce) <= MAX_NONCE:
        return f"id: text of 1 to {MAX_NONCE} characters"
    if t0 is not None and (isinstance(t0, bool) or not isinstance(t0, int)):
        return "t0: the device's epoch milliseconds, an integer"
    doc["id"] = nonce
    if t0 is not None:
        doc["t0"] = t0
    return None
