"""Schemas of events (sent and read back), the per-record ingest results, and the quarantine."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from monetiot.web.schemas.base import JsonObject, Paged, Request, Response, Timestamp

RecordStatus = Literal["accepted", "duplicate", "rejected"]
EntryStatus = Literal["open", "replayed", "discarded"]


class EventIn(BaseModel):
    """One event in monetiot JSON (`application/json`: one object or an array of them)."""

    id: str = Field(description="Unique per tenant: a resent id is counted once")
    type: str = Field(description="The event type meters select on")
    time: str = Field(description="RFC 3339 or epoch ms: when it happened")
    device: str | None = Field(None, description="The sending device (a device's own "
                                                 "credentials imply it)")
    data: dict[str, Any] = Field(default_factory=dict, description=(
        "Properties; numbers keep their exact digits (send text or JSON numbers)"))


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event in structured JSON mode (`application/cloudevents+json`; a batch
    is an array of them). `source` ends with the device id; `data` holds the properties."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"]
    id: str
    source: str
    type: str
    time: str | None = None
    datacontenttype: str | None = None
    data: dict[str, Any] | None = None


class SenMLRecord(BaseModel):
    """A SenML record (RFC 8428, `application/senml+json`; a pack is an array of them)."""

    model_config = ConfigDict(extra="allow")

    bn: str | None = Field(None, description="Base name")
    bt: float | None = Field(None, description="Base time (read exactly)")
    bu: str | None = None
    bv: float | None = None
    n: str | None = Field(None, description="Name")
    u: str | None = Field(None, description="Unit")
    v: float | None = Field(None, description="Numeric value (read exactly)")
    vs: str | None = None
    vb: bool | None = None
    vd: str | None = None
    s: float | None = None
    t: float | None = Field(None, description="Time (read exactly)")
    ut: float | None = None


class RecordResult(Response):
    record: str = Field(description="Where the record was in the payload, e.g. `[3]`")
    status: RecordStatus
    id: str | None
    reason: str | None = Field(None, description="Why it was rejected")
    quarantine_id: int | None = Field(None, description="The quarantine entry that keeps it")


class IngestResult(Response):
    """One result per record, in payload order; sent after the batch is committed."""

    accepted: int
    duplicate: int
    rejected: int
    results: list[RecordResult]


class VoidIn(Request):
    reason: str = Field(description="Why: the event and its void stay in the record")


class EventVoid(Response):
    id: str
    event: str
    reason: str
    actor: str = Field(description="Who voided it, e.g. api-key:<id>")
    voided: Timestamp
    voided_ms: int
    event_time: Timestamp
    event_time_ms: int
    device: str | None
    customer: str | None


class StoredEvent(Response):
    id: str
    type: str
    time: Timestamp
    time_ms: int
    received: Timestamp
    received_ms: int
    device: str
    customer: str | None
    data: JsonObject = Field(description="As stored: exact numbers as decimal text")
    voided: EventVoid | None = Field(None, description="Set when the event was voided: it "
                                                       "no longer counts in usage")


class EventList(Paged):
    """Newest first (time, then id)."""

    events: list[StoredEvent]


class QuarantineEntry(Response):
    id: int
    received: Timestamp
    received_ms: int
    source: str = Field(description="http, mqtt, cli or replay")
    content_type: str
    record: str
    reason: str
    status: EntryStatus
    resolved: Timestamp | None = None
    resolved_ms: int | None
    device: str | None
    raw: str | None = Field(None, description="The payload as sent, when it is UTF-8 text")
    raw_base64: str | None = Field(None, description="The payload as sent, otherwise")


class QuarantineCounts(Response):
    open: int = 0
    replayed: int = 0
    discarded: int = 0


class QuarantineList(Paged):
    counts: QuarantineCounts
    entries: list[QuarantineEntry]


class Replayed(Response):
    entry: int
    status: EntryStatus
    records: list[RecordResult]


class Discarded(Response):
    entry: int
    status: EntryStatus
