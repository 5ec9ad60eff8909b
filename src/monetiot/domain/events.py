"""Events: what a device reported, normalised, before and after storage.

An `Event` is what every decoder (monetiot JSON, CloudEvents, SenML, device profiles) produces and
what the event store keeps. Invariants:
- `id` makes delivery idempotent: unique per tenant; the tenant is never part of the payload.
- `time_ms` is UTC epoch milliseconds.
- numbers in `data` are `Decimal` (exact digits as sent), never float.
- exactly one of `device` / `customer` may be missing: an event is about a device, or (for events
  an operator's backend sends on a customer's behalf) directly about a customer.
A decoder returns, per record, either an `Event` or a `Rejected` naming the record and the reason,
so a batch reports every problem at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeAlias

from monetiot.domain.jsonexact import dumps

# JSON-like values with exact numbers.
Value: TypeAlias = "Decimal | str | bool | list[Value] | dict[str, Value] | None"

MAX_ID_LENGTH = 200
MAX_TYPE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: str
    time_ms: int
    device: str | None = None
    customer: str | None = None
    data: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that cannot be accepted: `record` says which (e.g. "record 3"), `raw` is what was
    sent for it (JSON-able, or text), so quarantine can keep it whole."""

    record: str
    reason: str
    raw: object = None


Decoded: TypeAlias = "Event | Rejected"


def derived_id(*parts: str) -> str:
    """A stable id for records that carry none (SenML): the same parts always give the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:32]


def fingerprint(event: Event) -> str:
    """What makes two deliveries of one id 'the same': used to tell a resend from a conflict."""
    body = dumps(
        {"type": event.type, "time": event.time_ms, "device": event.device,
         "customer": event.customer, "data": dict(event.data)},
        sort_keys=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()[:32]
