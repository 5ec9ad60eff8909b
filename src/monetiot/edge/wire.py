"""Rows from the outbox as messages on the wire, and what became of each message.

A message carries the rows of one device in one encoding, at most `batch_size` of them:
- `json`: a JSON array of monetiot events, each naming its device, id, type, time and data;
- `senml+cbor`: one SenML pack (senml.py); the SDK's own reports are always JSON.

Invariants:
- the bytes of a row are the same on every send (same id, time and data), so a resend is a
  duplicate that the server counts once;
- `Outcome.delivered` is set only when the server (or, over MQTT, the broker, with a success
  PUBACK) took the message; `rejected` lists the rows the server took but quarantined.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from monetiot.edge import senml
from monetiot.edge.outbox import Row
from monetiot.edge.values import Value, from_json, rfc3339

JSON = "json"
SENML_CBOR = "senml+cbor"
ENCODINGS = (JSON, SENML_CBOR)
CONTENT_TYPES = {JSON: "application/json", SENML_CBOR: senml.CONTENT_TYPE}


@dataclass(frozen=True)
class Message:
    device: str
    encoding: str
    body: bytes
    rows: tuple[Row, ...]
    records: tuple[int, ...]  # how many server-side records each row becomes

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.encoding]


@dataclass
class Outcome:
    delivered: bool
    rejected: list[tuple[Row, str]] = field(default_factory=list)
    error: str | None = None
    refused: bool = False  # the device is not allowed to send (credentials, broker ACL)


def messages(rows: Sequence[Row], batch_size: int) -> list[Message]:
    """Group rows by (device, encoding), in outbox order, into messages of at most batch_size."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.device, row.encoding), []).append(row)
    out: list[Message] = []
    for (device, encoding), grouped in groups.items():
        for start in range(0, len(grouped), batch_size):
            out.append(_message(device, encoding, grouped[start:start + batch_size]))
    return out


def _message(device: str, encoding: str, rows: list[Row]) -> Message:
    if encoding == SENML_CBOR:
        readings = [(r.time_us, cast(dict[str, Value], from_json(r.data))) for r in rows]
        pack, _ = senml.pack(device, readings)
        counts = tuple(len(fields) for _, fields in readings)
        return Message(device, encoding, pack, tuple(rows), counts)
    text = "[" + ",".join(event_json(r) for r in rows) + "]"
    return Message(device, JSON, text.encode(), tuple(rows), (1,) * len(rows))


def event_json(row: Row) -> str:
    head = json.dumps({"id": row.id, "device": row.device, "type": row.type,
                       "time": rfc3339(row.time_us)}, ensure_ascii=False)
    return head[:-1] + ',"data":' + row.data + "}"


def rejected_rows(message: Message, results: object) -> list[tuple[Row, str]]:
    """The rows a `POST /v1/events` answer rejected, from its per-record `results`."""
    if not isinstance(results, list):
        return []
    owner: list[Row] = [row for row, n in zip(message.rows, message.records, strict=True)
                        for _ in range(n)]
    if len(results) != len(owner):  # e.g. one rejection for the whole payload
        reasons = [str(r.get("reason")) for r in results
                   if isinstance(r, dict) and r.get("status") == "rejected"]
        return [(row, reasons[0]) for row in message.rows] if reasons else []
    out: dict[tuple[bool, int], tuple[Row, str]] = {}
    for row, result in zip(owner, results, strict=True):
        if isinstance(result, dict) and result.get("status") == "rejected":
            out.setdefault((row.report, row.key), (row, str(result.get("reason"))))
    return list(out.values())
