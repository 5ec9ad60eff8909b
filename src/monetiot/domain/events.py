"""Events: what a device reported, normalised, before and after storage.

An `Event` is what every decoder (monetiot JSON, CloudEvents, SenML, device profiles) produces and
what the event store keeps. Invariants:
- `id` makes delivery idempotent: unique per tenant; the tenant is never part of the payload.
- `time_ms` is UTC epoch milliseconds.
- numbers in `data` are `Decimal` (exact digits as sent), never float.
- exactly one of `device` / `customer` may be missing: an event is about a device, or (for events
  an operator's backend sends on a customer's behalf) directly about a customer.
- what an event carries is bounded (`payload_problem`): a payload nests at most `MAX_DEPTH`
  arrays and objects, and every number in `data` is one monetiot accepts (docs/limits.md);
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
from monetiot.domain.money import number_problem

# JSON-like values with exact numbers.
Value: TypeAlias = "Decimal | str | bool | list[Value] | dict[str, Value] | None"

MAX_ID_LENGTH = 200
MAX_TYPE_LENGTH = 200
MAX_DEPTH = 32
"""Arrays and objects a payload may nest (a batch, an event, its data and 29 levels in it)."""


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
    code: str | None = None  # a payload-level kind a transport may answer apart (too deep...)


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


def nesting_depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest in `value` (a scalar is 0), counted without recursion;
    stops counting past `limit`."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth) for child in children)
    return deepest


def depth_problem(value: object, what: str = "the payload") -> str | None:
    if nesting_depth(value) > MAX_DEPTH:
        return f"{what} nests more than {MAX_DEPTH} levels of arrays and objects"
    return None


def data_problem(data: Mapping[str, Value]) -> str | None:
    """Why an event's data cannot be accepted (too deep, a number out of range), naming the
    path (`data.a.b[2]`), or None."""
    problem = depth_problem(data, "data")
    if problem is not None:
        return problem
    stack: list[tuple[Value, str]] = [(dict(data), "data")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, Decimal):
            problem = number_problem(item)
            if problem is not None:
                return f"{path}: {problem}; send it as text if it is not a quantity"
        elif isinstance(item, dict):
            stack.extend((child, f"{path}.{key}") for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
    return None
