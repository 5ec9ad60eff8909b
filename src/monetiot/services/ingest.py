"""Ingest: payloads in, events stored once, rollups kept, every rejection quarantined.

One call handles a batch of payloads (an HTTP request, or many MQTT messages) in ONE transaction,
so the caller can acknowledge only after `ingest` returned (the commit is durable). Per record the
result is `accepted`, `duplicate` (same id, same content: counted once, never stored twice) or
`rejected` with the reason; a conflicting duplicate (same id, other content) is rejected and kept
in quarantine, never silently overwritten. An event is rejected, with the path at fault, when a
number in its data is beyond what monetiot accepts, or when a meter that counts it finds no
number where it measures (`"NaN"`, text, a boolean): it is quarantined, never counted as 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from monetiot.domain import connectivity
from monetiot.domain.events import MAX_ID_LENGTH, MAX_TYPE_LENGTH, Event, Rejected, data_problem
from monetiot.domain.fleet import Assignment, AssignmentBook
from monetiot.domain.jsonexact import dumps
from monetiot.domain.meters import reading_problem
from monetiot.domain.rollups import Attributed
from monetiot.ingest.formats import decode
from monetiot.ingest.formats.profiles import DeviceProfile, parse_profile
from monetiot.services import canonical, metering
from monetiot.settings import Settings
from monetiot.store import eventlog, registry
from monetiot.store import quarantine as quarantine_store
from monetiot.store.engine import UnitOfWork

JSON = "application/json"
CLOUDEVENT = "application/cloudevents+json"


@dataclass(frozen=True, slots=True)
class Payload:
    tenant: str
    content_type: str
    body: bytes
    received_ms: int
    source: str = "http"
    device: str | None = None  # the authenticated device (MQTT topic or device credentials)


@dataclass(frozen=True, slots=True)
class RecordResult:
    record: str
    status: str  # accepted | duplicate | rejected
    id: str | None = None
    reason: str | None = None
    quarantine_id: int | None = None
    code: str | None = None  # a payload-level rejection a transport answers apart (415...)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record": self.record, "status": self.status, "id": self.id}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.quarantine_id is not None:
            out["quarantine_id"] = self.quarantine_id
        return out


@dataclass
class PayloadResult:
    records: list[RecordResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r.status == status)

    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("accepted", "duplicate", "rejected")}


@dataclass
class _Pending:
    """A decoded record on its way through the batch."""

    payload: int
    record: str
    event: Event | None
    customer: str | None = None
    status: str = ""
    reason: str | None = None
    fingerprint: str = ""
    quarantine_raw: bytes = b""
    quarantine_type: str = JSON
    quarantine_id: int | None = None
    code: str | None = None


def ingest(uow: UnitOfWork, settings: Settings, payloads: Sequence[Payload],
           *, commit: bool = True) -> list[PayloadResult]:
    pending: list[_Pending] = []
    profiles, looked_up = _profiles_for(uow, payloads)
    for index, (payload, profile) in enumerate(zip(payloads, profiles, strict=True)):
        for item in decode(payload.content_type, payload.body, now_ms=payload.received_ms,
                           device=payload.device, profile=profile):
            pending.append(_pending(index, payload, item))
    by_tenant: dict[str, list[_Pending]] = {}
    for p in pending:
        by_tenant.setdefault(payloads[p.payload].tenant, []).append(p)
    shared = [_store_tenant(uow, settings, tenant, items, payloads, looked_up.get(tenant, {}))
              for tenant, items in by_tenant.items()]
    _stop_reported_sessions(uow, shared, payloads)
    # Rollups, presence and devices are rows that every writer updates: they are written last,
    # tenant after tenant in one order, with nothing computed in between, so the row locks they
    # take are held as briefly as possible (other transactions queue behind them until commit).
    for writes in sorted((w for w in shared if w is not None), key=lambda w: w.tenant):
        _write_shared(uow, writes)
    if commit:
        uow.commit()
    results = [PayloadResult() for _ in payloads]
    for p in pending:
        results[p.payload].records.append(RecordResult(
            record=p.record, status=p.status, id=p.event.id if p.event else None,
            reason=p.reason, quarantine_id=p.quarantine_id, code=p.code,
        ))
    return results


SESSION_STOPPED = "session.stopped"


def _stop_reported_sessions(uow: UnitOfWork, shared: Sequence[_SharedWrites | None],
                            payloads: Sequence[Payload]) -> None:
    """A shared asset that reports `session.stopped` ends its session in this transaction."""
    for writes in shared:
        if writes is None:
            continue
        stops = [a.event for a in writes.recording.accepted if a.event.type == SESSION_STOPPED]
        if stops:
            from monetiot.services import sessions  # the sharing services import ingest

            sessions.on_device_events(uow, max(p.received_ms for p in payloads), writes.tenant,
                                      stops)


def _pending(index: int, payload: Payload, item: Event | Rejected) -> _Pending:
    if isinstance(item, Event):
        return _Pending(index, _record_name(item), item)
    whole = item.record == "payload" or payload.content_type.startswith("application/senml")
    raw = payload.body if whole else _raw_bytes(item.raw)
    # one CloudEvent of a batch is kept as a single structured event, so that it replays
    kind = (CLOUDEVENT if payload.content_type.startswith("application/cloudevents")
            else JSON)
    return _Pending(index, item.record, None, status="rejected", reason=item.reason,
                    quarantine_raw=raw,
                    quarantine_type=payload.content_type if whole else kind, code=item.code)


def _record_name(event: Event) -> str:
    return f"event {event.id}"


def _raw_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    return dumps(raw).encode()  # a record's raw is a JSON value: a string keeps its quotes


def _profiles_for(uow: UnitOfWork, payloads: Sequence[Payload]) -> tuple[
        list[DeviceProfile | None], dict[str, dict[str, Any]]]:
    """The device profile each payload is read with (JSON sent by a device whose profile is
    set), and the device rows looked up for that, per tenant (None: no such device).

    Looked up once per device and once per profile for the whole batch (an MQTT batch holds a
    payload per message, often a thousand of them).
    """
    wanted: dict[str, set[str]] = {}
    for p in payloads:
        if p.device is not None and p.content_type.startswith(JSON):
            wanted.setdefault(p.tenant, set()).add(p.device)
    found: dict[tuple[str, str], DeviceProfile | None] = {}
    looked_up: dict[str, dict[str, Any]] = {}
    for tenant, ids in wanted.items():
        parsed: dict[str, DeviceProfile | None] = {}
        rows = registry.get_devices(uow.conn, tenant, sorted(ids))
        looked_up[tenant] = {d: rows.get(d) for d in ids}
        for device_id, device in rows.items():
            profile_id = device["profile_id"]
            if not profile_id:
                continue
            if profile_id not in parsed:
                row = registry.get_profile(uow.conn, tenant, profile_id)
                parsed[profile_id] = parse_profile(json.loads(row["spec"])) if row else None
            found[(tenant, device_id)] = parsed[profile_id]
    return [found.get((p.tenant, p.device)) if p.device is not None
            and p.content_type.startswith(JSON) else None for p in payloads], looked_up


def _store_tenant(uow: UnitOfWork, settings: Settings, tenant: str, items: list[_Pending],
                  payloads: Sequence[Payload], looked_up: dict[str, Any]) -> _SharedWrites | None:
    """Store the tenant's new events and quarantine its rejections; return what the accepted
    events change in rows shared with other writers (rollups, presence, devices).

    `looked_up`: device rows already read in this transaction (None: no such device)."""
    conn = uow.conn
    live = [p for p in items if p.event is not None]
    device_ids = sorted({p.event.device for p in live if p.event and p.event.device})
    devices = {d: row for d in device_ids if (row := looked_up.get(d)) is not None}
    devices |= registry.get_devices(conn, tenant, [d for d in device_ids if d not in looked_up])
    books: dict[str, list[Assignment]] = {d: [] for d in devices}
    for a in registry.assignments_for(conn, tenant, list(devices)):
        books[a["device_id"]].append(Assignment(a["customer_id"], a["valid_from_ms"],
                                                a["valid_to_ms"]))
    resolved = {d: AssignmentBook(v) for d, v in books.items()}
    customers_named = sorted({p.event.customer for p in live if p.event and p.event.customer})
    known_customers = {c for c in customers_named
                       if registry.get_customer(conn, tenant, c) is not None}
    meters = metering.load_meters(uow, tenant) if live else []

    seen: dict[str, _Pending] = {}
    to_insert: list[_Pending] = []
    for p in live:
        assert p.event is not None
        reason = _check(p.event, payloads[p.payload].received_ms, settings, devices,
                        known_customers) or reading_problem(meters, p.event)
        if reason is not None:
            _reject(p, reason)
            continue
        p.customer = (p.event.customer if p.event.device is None
                      else resolved[p.event.device].customer_at(p.event.time_ms))
        if p.event.customer is not None and p.event.device is not None \
                and p.event.customer != p.customer:
            _reject(p, f"device {p.event.device!r} did not belong to customer "
                       f"{p.event.customer!r} at that time")
            continue
        p.fingerprint = canonical.fingerprint(p.event)
        first = seen.get(p.event.id)
        if first is not None:
            _settle_duplicate(p, first.fingerprint)
            continue
        seen[p.event.id] = p
        to_insert.append(p)

    received = {p.payload: payloads[p.payload].received_ms for p in to_insert}
    inserted = eventlog.insert_new(conn, [
        {"tenant_id": tenant, "id": p.event.id, "type": p.event.type,
         "time_ms": p.event.time_ms, "received_ms": received[p.payload],
         "device_id": p.event.device, "customer_id": p.customer,
         "data": canonical.data_text(p.event), "fingerprint": p.fingerprint}
        for p in to_insert if p.event is not None
    ])
    existing = eventlog.fingerprints(
        conn, tenant, [p.event.id for p in to_insert if p.event and p.event.id not in inserted])
    accepted: list[_Pending] = []
    for p in to_insert:
        assert p.event is not None
        if p.event.id in inserted:
            p.status = "accepted"
            accepted.append(p)
        else:
            _settle_duplicate(p, existing.get(p.event.id, ""))
    _quarantine(uow, tenant, [p for p in items if p.status == "rejected"], payloads)
    return _plan_shared(uow, tenant, accepted, received)


def _check(event: Event, received_ms: int, settings: Settings, devices: dict[str, Any],
           customers: set[str]) -> str | None:
    if not event.id or len(event.id) > MAX_ID_LENGTH:
        return f"id must be 1 to {MAX_ID_LENGTH} characters"
    if not event.type or len(event.type) > MAX_TYPE_LENGTH:
        return f"type must be 1 to {MAX_TYPE_LENGTH} characters"
    if event.time_ms > received_ms + settings.future_tolerance_ms:
        return (f"time is {(event.time_ms - received_ms) // 1000} s in the future "
                f"(at most {settings.future_tolerance_ms // 1000} s allowed)")
    if event.time_ms < received_ms - settings.late_window_ms:
        days = settings.late_window_ms // 86_400_000
        return f"time is older than the late window ({days} days); replay after widening it"
    if event.device is None and event.customer is None:
        return "names neither a device nor a customer"
    if event.device is not None and event.device not in devices:
        return f"unknown device {event.device!r}; register it, then replay"
    if event.device is None and event.customer not in customers:
        return f"unknown customer {event.customer!r}"
    return data_problem(event.data)


def _reject(p: _Pending, reason: str) -> None:
    assert p.event is not None
    p.status, p.reason = "rejected", reason
    p.quarantine_raw = dumps(_event_doc(p.event)).encode()


def _settle_duplicate(p: _Pending, stored_fingerprint: str) -> None:
    if stored_fingerprint == p.fingerprint:
        p.status = "duplicate"
    else:
        _reject(p, "conflict: this id is already stored with different content")


def _event_doc(event: Event) -> dict[str, Any]:
    """The monetiot JSON form of an event: what quarantine keeps and can replay."""
    from monetiot.domain.clock import iso_from_ms

    doc: dict[str, Any] = {"id": event.id, "type": event.type, "time": iso_from_ms(event.time_ms)}
    if event.device is not None:
        doc["device"] = event.device
    if event.customer is not None:
        doc["customer"] = event.customer
    doc["data"] = dict(event.data)
    return doc


@dataclass
class _SharedWrites:
    tenant: str
    recording: metering.Recording
    reported: dict[str, dict[str, Any]]  # device -> its last status report in the batch
    last_seen: dict[str, int]


def _plan_shared(uow: UnitOfWork, tenant: str, accepted: list[_Pending],
                 received: dict[int, int]) -> _SharedWrites | None:
    if not accepted:
        return None
    attributed = [Attributed(p.event, p.customer) for p in accepted if p.event is not None]
    last_seen: dict[str, int] = {}
    reported: dict[str, dict[str, Any]] = {}
    for p in accepted:
        assert p.event is not None
        device = p.event.device
        if device is None:
            continue
        last_seen[device] = max(last_seen.get(device, 0), received[p.payload])
        if p.event.type == connectivity.STATUS_EVENT:
            state = p.event.data.get("state")
            if state in ("online", "offline"):
                # the batch's last report wins, as if each were written in turn; it is dated
                # when it was received, like last_seen, so that the two compare
                reported[device] = {"reported_state": state,
                                    "reported_ms": received[p.payload]}
    return _SharedWrites(tenant, metering.plan(uow, tenant, attributed), reported, last_seen)


def _write_shared(uow: UnitOfWork, writes: _SharedWrites) -> None:
    metering.apply(uow, writes.tenant, writes.recording)
    registry.touch_devices(uow.conn, writes.tenant, writes.last_seen)
    for device, values in sorted(writes.reported.items()):
        registry.update_device(uow.conn, writes.tenant, device, values)


def _quarantine(uow: UnitOfWork, tenant: str, rejected: list[_Pending],
                payloads: Sequence[Payload]) -> None:
    # A SenML pack is rejected whole: keep its body once, not once per record.
    kept: dict[tuple[int, bytes], int] = {}
    for p in rejected:
        payload = payloads[p.payload]
        key = (p.payload, p.quarantine_raw)
        if key in kept:
            p.quarantine_id = kept[key]
            continue
        (entry_id,) = quarantine_store.insert(uow.conn, [{
            "tenant_id": tenant, "received_ms": payload.received_ms, "source": payload.source,
            "content_type": p.quarantine_type, "device_id": payload.device,
            "record": p.record[:100], "reason": p.reason or "", "raw": p.quarantine_raw,
            "status": "open", "resolved_ms": None,
        }])
        kept[key] = entry_id
        p.quarantine_id = entry_id
