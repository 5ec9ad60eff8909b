"""Access sessions on shared assets: who unlocked what, when, what it used and what it cost.

Start (`start_session`): the member must hold a booking of the asset that lets them start now,
or (without one) a plan granting the `sharing.unlimited` entitlement while nobody else holds the
asset booked now; anything else is refused (`Forbidden`, field `booking`). The session is
recorded and committed first, and only then is the unlock command sent to the asset's device; if
it cannot be sent, the session is marked `failed` (its booking is usable again) and the caller
gets `DeviceUnreachable`. So no asset is ever unlocked without a record of who it was for.

Stop (`stop_session`): by the API (the device is then sent a `lock` command), or by the device
reporting a `session.stopped` event through the normal ingest path. `on_device_events` handles
such events inside the ingest transaction when ingest calls it; `stop_reported` (run by
`monetiot sharing sweep`) finds any that were stored without being handled. At the stop, usage
comes from the device's telemetry between start and stop (`domain.sharing.session_usage`): energy
from the asset's SUM meter, summed exactly over the raw events (not hourly rollups), time in use
and idle time from its state events. The OCPI session is priced with the tariff the asset had at
the start; the price excluding tax, rounded once at the minor unit, becomes a `session` charge on
the member's customer's next invoice (charge id `session:{id}`, so exactly once) and is split
between the platform and the owner.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from monetiot.domain import jsonexact
from monetiot.domain.errors import Conflict, Forbidden, InvalidInput, MonetiotError, NotFound
from monetiot.domain.events import Event
from monetiot.domain.fleet import check_id
from monetiot.domain.money import round_money
from monetiot.domain.pages import Page
from monetiot.domain.sharing import (
    SESSION_STATES,
    STOP_EVENT,
    UNLIMITED_FEATURE,
    EnergyReading,
    StateReading,
    session_usage,
    state_of,
)
from monetiot.domain.tariffs import cost_document, parse_tariff, price_session
from monetiot.services import bookings, charges, revenue_split, subscriptions
from monetiot.services.asset_commands import CommandPublisher, DeviceUnreachable
from monetiot.services.sharing import Asset, energy_meter, get_member, load_asset
from monetiot.store import registry
from monetiot.store import sharing as store
from monetiot.store.engine import UnitOfWork

log = logging.getLogger("monetiot.sharing")
Row = dict[str, Any]


# start ----------------------------------------------------------------------------------------

def start_session(uow: UnitOfWork, now_ms: int, tenant: str, asset_id: str, doc: Row,
                  publisher: CommandPublisher) -> Row:
    """`{"member", "booking"?, "id"?}`: check the member may use the asset now, record the
    session, commit, then send the unlock. A retry with the same `id` sends nothing twice."""
    asset = load_asset(uow, tenant, asset_id)
    member = get_member(uow, tenant, check_id(doc.get("member"), "member"))
    session_id = doc.get("id")
    if session_id is not None:
        existing = store.get_session(uow.conn, tenant, check_id(session_id, "id"))
        if existing is not None:
            if (existing["asset_id"], existing["member_id"]) != (asset.id, member["id"]):
                raise Conflict(f"session {session_id!r} exists with other content", field="id")
            return session_view(existing)
    if member["status"] != "active":
        raise Forbidden(f"member {member['id']!r} is {member['status']}", field="member")
    active = store.active_session(uow.conn, tenant, asset.id)
    if active is not None:
        raise Conflict(f"asset {asset.id!r} is in use (session {active['id']})", field="asset")
    booking, access = _access(uow, now_ms, tenant, asset, member, doc.get("booking"))
    row = {"tenant_id": tenant, "id": session_id or f"ses_{uuid.uuid4().hex[:16]}",
           "asset_id": asset.id, "device_id": asset.device, "member_id": member["id"],
           "customer_id": member["customer_id"],
           "booking_id": None if booking is None else booking["id"], "access": access,
           "status": "active", "start_ms": now_ms, "stop_ms": None, "stopped_by": None,
           "tariff": asset.row["tariff"], "currency": asset.currency, "energy_kwh": None,
           "in_use_ms": None, "idle_ms": None, "amount": None, "cost": None, "charge_id": None,
           "created_ms": now_ms}
    if booking is not None and not store.update_booking(
            uow.conn, tenant, booking["id"], {"status": "started", "session_id": row["id"]},
            from_status="booked"):
        raise Conflict(f"booking {booking['id']!r} was used meanwhile", field="booking")
    try:
        store.insert_session(uow.conn, row)
    except IntegrityError:  # the one-active-session index: a concurrent start won
        raise Conflict(f"asset {asset.id!r} is in use", field="asset") from None
    uow.commit()
    try:
        publisher.send(tenant, asset.device, {"command": "unlock", "session": row["id"]})
    except DeviceUnreachable:
        store.update_session(uow.conn, tenant, row["id"],
                             {"status": "failed", "stop_ms": now_ms}, from_status="active")
        if booking is not None:
            store.update_booking(uow.conn, tenant, booking["id"],
                                 {"status": "booked", "session_id": None},
                                 from_status="started")
        uow.commit()
        raise
    return session_view(row)


def _access(uow: UnitOfWork, now_ms: int, tenant: str, asset: Asset, member: Row,
            booking_id: object) -> tuple[Row | None, str]:
    """The booking that lets the member in now, or None for plan access; else refuse."""
    if booking_id is not None:
        booking = store.get_booking(uow.conn, tenant, check_id(booking_id, "booking"))
        if booking is None:
            raise NotFound(f"no booking {booking_id!r}", field="booking")
        if (booking["asset_id"], booking["member_id"]) != (asset.id, member["id"]):
            raise Forbidden(f"booking {booking_id!r} is not {member['id']}'s booking of "
                            f"{asset.id}", field="booking")
        if booking["status"] != "booked" or not asset.policy.may_start(
                booking["start_ms"], booking["end_ms"], now_ms):
            raise Forbidden(f"booking {booking_id!r} does not allow a start now "
                            f"({booking['status']}, {booking['start_ms']} to "
                            f"{booking['end_ms']})", field="booking")
        return booking, "booking"
    early = asset.policy.early_start_minutes * 60_000
    for booking in store.list_bookings(uow.conn, tenant, asset_id=asset.id,
                                       member_id=member["id"], status="booked",
                                       start_ms=now_ms, end_ms=now_ms + early + 1):
        if asset.policy.may_start(booking["start_ms"], booking["end_ms"], now_ms):
            return booking, "booking"
    features = subscriptions.entitlements(uow, tenant, member["customer_id"],
                                          now_ms)["features"]
    if UNLIMITED_FEATURE not in features:
        raise Forbidden(f"member {member['id']!r} has no booking of {asset.id} for now and no "
                        f"plan with {UNLIMITED_FEATURE}", field="booking")
    held = [b for b in store.overlapping(uow.conn, tenant, asset.id, now_ms, now_ms + 1)
            if b["member_id"] != member["id"]]
    if held:
        raise Conflict(f"asset {asset.id!r} is booked by another member until "
                       f"{held[0]['end_ms']}", field="asset")
    return None, "plan"


# stop -----------------------------------------------------------------------------------------

def stop_session(uow: UnitOfWork, now_ms: int, tenant: str, session_id: str, *,
                 publisher: CommandPublisher | None = None, stopped_by: str = "api",
                 at_ms: int | None = None, commit: bool = True) -> Row:
    """Stop, measure, price and bill the session (a stopped one is answered as it is)."""
    row = store.get_session(uow.conn, tenant, session_id, lock=True)
    if row is None:
        raise NotFound(f"no session {session_id!r}", field="session")
    if row["status"] != "active":
        return session_view(row)
    asset = load_asset(uow, tenant, row["asset_id"])
    stop_ms = max(row["start_ms"], now_ms if at_ms is None else at_ms)
    usage = session_usage(row["start_ms"], stop_ms, *_telemetry(uow, tenant, asset, row,
                                                                stop_ms))
    tariff = parse_tariff(jsonexact.loads(row["tariff"]), path="tariff")
    ocpi = usage.ocpi_session(asset.time_zone)
    cost = None if ocpi is None else price_session(tariff, ocpi)
    amount = Decimal(0) if cost is None else round_money(cost.excl_vat, row["currency"])
    member = get_member(uow, tenant, row["member_id"])
    charge_id = f"session:{session_id}"
    document = None if cost is None else cost_document(cost)
    if amount > 0:
        charges.add(uow, now_ms, tenant, row["customer_id"], {
            "id": charge_id, "kind": "session",
            "description": f"{asset.row['name']}: session {session_id}, "
                           f"{usage.energy_kwh.normalize():f} kWh, "
                           f"{_duration(stop_ms - row['start_ms'])}",
            "amount": amount, "currency": row["currency"], "quantity": usage.energy_kwh,
            "covers_start_ms": row["start_ms"], "covers_end_ms": stop_ms,
            "details": {"session": session_id, "asset": asset.id, "member": member["id"],
                        "booking": row["booking_id"], "cost": document},
        }, commit=False)
    revenue_split.record(uow, now_ms, tenant, item_id=charge_id, kind="session",
                         source_id=session_id, asset=asset, member=member, at_ms=stop_ms,
                         collected=amount, energy_kwh=usage.energy_kwh)
    values = {"status": "stopped", "stop_ms": stop_ms, "stopped_by": stopped_by,
              "energy_kwh": usage.energy_kwh, "in_use_ms": usage.in_use_ms,
              "idle_ms": usage.idle_ms, "amount": amount,
              "cost": None if document is None else jsonexact.dumps(document),
              "charge_id": charge_id if amount > 0 else None}
    if not store.update_session(uow.conn, tenant, session_id, values, from_status="active"):
        raise Conflict(f"session {session_id!r} was stopped meanwhile", field="session")
    if row["booking_id"] is not None:
        store.update_booking(uow.conn, tenant, row["booking_id"],
                             {"status": "completed", "closed_ms": stop_ms},
                             from_status="started")
    if commit:
        uow.commit()
    view = session_view(row | values)
    if publisher is not None:
        try:
            publisher.send(tenant, asset.device, {"command": "lock", "session": session_id})
            view["lock_sent"] = True
        except DeviceUnreachable as exc:
            log.warning("session %s stopped, but the lock command was not sent: %s",
                        session_id, exc)
            view["lock_sent"] = False
    return view


def _telemetry(uow: UnitOfWork, tenant: str, asset: Asset, row: Row,
               stop_ms: int) -> tuple[list[EnergyReading], list[StateReading]]:
    """The device's energy readings (through the asset's meter) and state readings."""
    meter = energy_meter(uow, tenant, asset)
    state_event = asset.row["state_event"]
    types, prefixes = [state_event], []
    if meter is not None:
        if meter.event_type == "*":
            prefixes.append("")
        elif meter.event_type.endswith(".*"):
            prefixes.append(meter.event_type[:-1])
        else:
            types.append(meter.event_type)
    energy: list[EnergyReading] = []
    states: list[StateReading] = []
    for found in store.device_events(uow.conn, tenant, row["device_id"], types, prefixes,
                                     row["start_ms"] - 1, stop_ms):
        event = Event(id=found["id"], type=found["type"], time_ms=found["time_ms"],
                      device=found["device_id"], customer=found["customer_id"],
                      data=jsonexact.loads(found["data"]))
        if event.type == state_event:
            in_use = state_of(event.data.get("state"))
            if in_use is not None:
                states.append(StateReading(event.time_ms, in_use))
        if meter is not None and meter.selects(event):
            value = meter.measure(event)
            if isinstance(value, Decimal):
                energy.append(EnergyReading(event.time_ms, value))
    return energy, states


def _duration(ms: int) -> str:
    minutes = ms // 60_000
    return f"{minutes // 60}:{minutes % 60:02d} h"


# stops reported by devices --------------------------------------------------------------------

def on_device_events(uow: UnitOfWork, now_ms: int, tenant: str,
                     events: Sequence[Event]) -> list[str]:
    """The ingest hook: stop the sessions that accepted `session.stopped` events report.

    Runs inside the ingest transaction (never commits). An event naming no session stops the
    device's active one; an event for a session that is not active, or not on that device, is
    stored like any other and changes nothing. Returns the ids of the sessions stopped."""
    stopped: list[str] = []
    for event in events:
        if event.type != STOP_EVENT or event.device is None:
            continue
        target = _reported_session(uow, tenant, event)
        if target is None:
            continue
        try:
            stop_session(uow, now_ms, tenant, target["id"], stopped_by="device",
                         at_ms=min(event.time_ms, now_ms), commit=False)
        except MonetiotError as exc:  # never fail the batch that carried the event
            log.warning("session %s: the device's stop could not be applied: %s",
                        target["id"], exc)
            continue
        stopped.append(target["id"])
    return stopped


def _reported_session(uow: UnitOfWork, tenant: str, event: Event) -> Row | None:
    named = event.data.get("session")
    if isinstance(named, str):
        row = store.get_session(uow.conn, tenant, named)
        ok = row is not None and row["status"] == "active" and row["device_id"] == event.device
        return row if ok and row is not None and event.time_ms >= row["start_ms"] else None
    for row in store.list_sessions(uow.conn, tenant, status="active"):
        if row["device_id"] == event.device and event.time_ms >= row["start_ms"]:
            return row
    return None


def stop_reported(uow: UnitOfWork, now_ms: int, tenant: str) -> list[str]:
    """Stop active sessions whose device already reported `session.stopped` (and commit)."""
    stopped: list[str] = []
    for row in store.list_sessions(uow.conn, tenant, status="active"):
        for found in store.device_events(uow.conn, tenant, row["device_id"], [STOP_EVENT], [],
                                         row["start_ms"] - 1, now_ms):
            named = jsonexact.loads(found["data"]).get("session")
            if named is None or named == row["id"]:
                try:
                    stop_session(uow, now_ms, tenant, row["id"], stopped_by="device",
                                 at_ms=found["time_ms"], commit=False)
                except MonetiotError as exc:
                    log.warning("session %s: the device's stop could not be applied: %s",
                                row["id"], exc)
                    break
                stopped.append(row["id"])
                break
    uow.commit()
    return stopped


def sweep(uow_factory: Callable[[], UnitOfWork], now_ms: int,
          tenant: str | None = None) -> Row:
    """`monetiot sharing sweep`: stops that devices reported, then no-shows; safe to repeat."""
    if tenant is None:
        with uow_factory() as uow:
            tenants = [t["id"] for t in registry.list_tenants(uow.conn)]
    else:
        tenants = [tenant]
    report: Row = {"stopped": [], "no_shows": []}
    for tenant_id in tenants:
        with uow_factory() as uow:
            report["stopped"] += stop_reported(uow, now_ms, tenant_id)
        with uow_factory() as uow:
            report["no_shows"] += [b["id"] for b in bookings.mark_no_shows(uow, now_ms,
                                                                          tenant_id)]
    return report


# reading --------------------------------------------------------------------------------------

def get_session(uow: UnitOfWork, tenant: str, session_id: str) -> Row:
    row = store.get_session(uow.conn, tenant, session_id)
    if row is None:
        raise NotFound(f"no session {session_id!r}", field="session")
    return session_view(row)


def list_sessions(uow: UnitOfWork, tenant: str, *, asset: str | None = None,
                  member: str | None = None, status: str | None = None,
                  limit: int = 1000, cursor: str | None = None) -> Page[Row]:
    if status is not None and status not in SESSION_STATES:
        raise InvalidInput(f"must be one of {', '.join(SESSION_STATES)}", field="status")
    rows = store.list_sessions(uow.conn, tenant, asset_id=asset, member_id=member,
                               status=status, limit=limit, cursor=cursor)
    return Page([session_view(r) for r in rows], rows.next_cursor)


def session_view(row: Row) -> Row:
    return {"id": row["id"], "asset": row["asset_id"], "device": row["device_id"],
            "member": row["member_id"], "customer": row["customer_id"],
            "booking": row["booking_id"], "access": row["access"], "status": row["status"],
            "start_ms": row["start_ms"], "stop_ms": row["stop_ms"],
            "stopped_by": row["stopped_by"], "currency": row["currency"],
            "energy_kwh": row["energy_kwh"], "in_use_ms": row["in_use_ms"],
            "idle_ms": row["idle_ms"], "amount": row["amount"],
            "cost": None if row["cost"] is None else jsonexact.loads(row["cost"]),
            "charge": row["charge_id"]}
