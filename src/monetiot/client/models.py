"""What the monetiot API answers, as typed, immutable Python values.

Each dataclass mirrors one schema of /openapi.json (the server's `web/schemas`), read from JSON
by `from_json`: money and quantities become `Decimal` (the API sends decimal text, never a JSON
number), times become aware UTC `datetime`s (from the RFC 3339 fields). Fields the server may
add later are ignored, so a newer server does not break an older client. Nothing here imports
the server side: the client is plain httpx and the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

Json = Mapping[str, Any]


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _at(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _time(value: Any) -> datetime | None:
    return None if value is None else _at(value)


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    email: str | None
    timezone: str
    created: datetime

    @classmethod
    def from_json(cls, doc: Json) -> Customer:
        return cls(doc["id"], doc["name"], doc.get("email"), doc["timezone"],
                   _at(doc["created"]))


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    name: str
    profile: str | None
    state: str  # online | offline | never_seen
    created: datetime
    last_seen: datetime | None

    @classmethod
    def from_json(cls, doc: Json) -> Device:
        return cls(doc["id"], doc["name"], doc.get("profile"), doc["state"],
                   _at(doc["created"]), _time(doc.get("last_seen")))


@dataclass(frozen=True, slots=True)
class NewDevice:
    """A created device and its MQTT/HTTP credentials; the password is shown only once."""

    device: Device
    username: str
    password: str

    @classmethod
    def from_json(cls, doc: Json) -> NewDevice:
        return cls(Device.from_json(doc["device"]), doc["credentials"]["username"],
                   doc["credentials"]["password"])


@dataclass(frozen=True, slots=True)
class Meter:
    id: str
    name: str
    event_type: str
    aggregation: str
    property: str | None
    group_by: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: Json) -> Meter:
        return cls(doc["id"], doc["name"], doc["event_type"], doc["aggregation"],
                   doc.get("property"), tuple(doc.get("group_by", ())))


@dataclass(frozen=True, slots=True)
class RecordResult:
    record: str
    status: str  # accepted | duplicate | rejected
    id: str | None
    reason: str | None = None
    quarantine_id: int | None = None

    @classmethod
    def from_json(cls, doc: Json) -> RecordResult:
        return cls(doc["record"], doc["status"], doc.get("id"), doc.get("reason"),
                   doc.get("quarantine_id"))


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicate: int
    rejected: int
    results: tuple[RecordResult, ...]

    @classmethod
    def from_json(cls, doc: Json) -> IngestResult:
        return cls(doc["accepted"], doc["duplicate"], doc["rejected"],
                   tuple(RecordResult.from_json(r) for r in doc["results"]))


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Usage of one window [start, end); `value` is None when nothing was measured."""

    meter: str
    start: datetime
    end: datetime
    value: Decimal | None
    customer: str | None = None
    device: str | None = None
    group: str | None = None

    @classmethod
    def from_json(cls, doc: Json) -> UsageRow:
        return cls(doc["meter"], _at(doc["from"]), _at(doc["to"]),
                   _dec(doc.get("value")), doc.get("customer"), doc.get("device"),
                   doc.get("group"))


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    customer: str
    status: str
    plan: str
    version: int
    start: datetime
    end: datetime | None

    @classmethod
    def from_json(cls, doc: Json) -> Subscription:
        return cls(doc["id"], doc["customer"], doc["status"], doc["plan"], doc["version"],
                   _at(doc["start"]), _time(doc.get("end")))


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    position: int
    kind: str
    description: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    amount_due: Decimal
    tax_due: Decimal

    @classmethod
    def from_json(cls, doc: Json) -> InvoiceLine:
        return cls(doc["position"], doc["kind"], doc["description"], _dec(doc.get("quantity")),
                   _dec(doc.get("unit_price")), Decimal(doc["amount"]),
                   Decimal(doc["amount_due"]), Decimal(doc["tax_due"]))


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice; its period is half-open: [period_start, period_end)."""

    id: str
    number: str | None
    customer: str
    subscription: str | None
    status: str  # draft | finalized | paid | void
    currency: str
    period_start: datetime
    period_end: datetime
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    due: datetime | None
    lines: tuple[InvoiceLine, ...] = field(default=())  # in `invoice()`, not in lists

    @classmethod
    def from_json(cls, doc: Json) -> Invoice:
        return cls(doc["id"], doc.get("number"), doc["customer"], doc.get("subscription"),
                   doc["status"], doc["currency"], _at(doc["period_start"]),
                   _at(doc["period_end"]), Decimal(doc["subtotal"]),
                   Decimal(doc["tax"]), Decimal(doc["total"]), Decimal(doc["paid"]),
                   _time(doc.get("due")),
                   tuple(InvoiceLine.from_json(line) for line in doc.get("lines", ())))


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    invoice: str
    kind: str  # payment | refund
    status: str
    currency: str
    amount: Decimal
    created: datetime

    @classmethod
    def from_json(cls, doc: Json) -> Payment:
        return cls(doc["id"], doc["invoice"], doc["kind"], doc["status"], doc["currency"],
                   Decimal(doc["amount"]), _at(doc["created"]))
