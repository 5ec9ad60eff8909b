"""Voiding an accepted event: a correction that takes it out of usage and stays in the record.

An operator voids an event that should never have counted (a meter's glitch, a test message, a
reading sent before the limits existed). Nothing is deleted: the event stays in the event store,
marked voided, and an `event_voids` row keeps who voided it, when and why. What changes is usage:
every rollup bucket the event counted in is recomputed from the events still counted (sums,
counts, minimum, maximum, latest reading, distinct values), time-weighted series are
re-integrated around it, and its connected minute goes when no other message shares it. Billing
then sees the corrected usage: a period already invoiced gets a late-usage adjustment on the
next invoice, as for any usage that changes after it was billed.

Invariants: an event is voided at most once (a second void is a conflict, a resend of its id
stays a duplicate and never counts again); a void needs a reason; everything happens in one
transaction, with each bucket's row locked while it is recomputed (PostgreSQL).
"""

from __future__ import annotations

import uuid
from typing import Any

from monetiot.domain import connectivity
from monetiot.domain.clock import iso_from_ms
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.events import Event
from monetiot.domain.jsonexact import loads
from monetiot.domain.meters import Aggregation, Meter
from monetiot.domain.rollups import Attributed, BucketKey, bucket_of, compute_deltas
from monetiot.services import metering
from monetiot.store import eventlog
from monetiot.store import metering as rollup_store
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
HOUR_MS = 3_600_000
MAX_REASON = 1000


def void_event(uow: UnitOfWork, now_ms: int, tenant: str, event_id: str, reason: object,
               actor: str) -> Row:
    """Void the event: it no longer counts in any usage; the record of it is kept."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("required: say why the event is voided (it is kept in the record)",
                           field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"at most {MAX_REASON} characters", field="reason")
    row = eventlog.get_event(uow.conn, tenant, event_id)
    if row is None:
        raise NotFound(f"no event {event_id!r}", field="event")
    if row["voided_ms"] is not None:
        raise Conflict(f"event {event_id!r} was voided at {iso_from_ms(row['voided_ms'])}",
                       field="event")
    void = {"tenant_id": tenant, "event_id": event_id, "id": f"void_{uuid.uuid4().hex[:20]}",
            "reason": reason.strip(), "actor": actor[:200], "event_time_ms": row["time_ms"],
            "device_id": row["device_id"], "customer_id": row["customer_id"],
            "created_ms": now_ms}
    eventlog.record_void(uow.conn, void)
    _recount(uow, tenant, _event(row), row["customer_id"])
    uow.commit()
    return void_view(void)


def void_view(row: Row) -> Row:
    return {"id": row["id"], "event": row["event_id"], "reason": row["reason"],
            "actor": row["actor"], "voided_ms": row["created_ms"],
            "event_time_ms": row["event_time_ms"], "device": row["device_id"],
            "customer": row["customer_id"]}


def _event(row: Row) -> Event:
    return Event(id=row["id"], type=row["type"], time_ms=row["time_ms"], device=row["device_id"],
                 customer=row["customer_id"], data=loads(row["data"]))


def _recount(uow: UnitOfWork, tenant: str, voided: Event, customer: str | None) -> None:
    """Recompute what the voided event counted in, from the events still counted."""
    bucket = bucket_of(voided.time_ms)
    meters = [m for m in metering.load_meters(uow, tenant)
              if m.selects(voided) and m.measure(voided) is not None]
    for meter in meters:  # locked before the events are read: see store.metering.lock_bucket
        if meter.aggregation not in (Aggregation.TIME_WEIGHTED_SUM, Aggregation.UNIQUE_COUNT):
            rollup_store.lock_bucket(uow.conn, tenant, _key(meter, voided, customer, bucket))
    remaining = [_event(r) for r in eventlog.bucket_events(
        uow.conn, tenant, voided.device, customer, bucket, bucket + HOUR_MS)]
    for meter in meters:
        if meter.aggregation is Aggregation.TIME_WEIGHTED_SUM:
            metering.reintegrate(uow, tenant, meter, [Attributed(voided, customer)])
            continue
        key = _key(meter, voided, customer, bucket)
        if meter.aggregation is Aggregation.UNIQUE_COUNT:
            value = meter.measure(voided)
            if isinstance(value, str) and not any(
                    meter.selects(e) and meter.group_key(e) == key[3]
                    and meter.measure(e) == value for e in remaining):
                rollup_store.remove_unique_value(uow.conn, tenant, key, value)
            continue
        deltas, _ = compute_deltas([meter], [Attributed(e, customer) for e in remaining])
        rollup_store.replace_bucket(uow.conn, tenant, key, deltas.get(key))
    if voided.device is not None:
        minute = connectivity.minute_of(voided.time_ms)
        if not any(connectivity.minute_of(e.time_ms) == minute for e in remaining):
            rollup_store.remove_presence(uow.conn, tenant, voided.device, minute)


def _key(meter: Meter, event: Event, customer: str | None, bucket: int) -> BucketKey:
    return (meter.id, customer or "", event.device or "", meter.group_key(event), bucket)
