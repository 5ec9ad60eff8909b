"""/v1 routes for asset sharing: owners, assets, members, bookings, sessions, statements.

Bodies are read with exact decimals (a tariff's prices never pass through a binary float).
Writing needs an admin key, reading a read key; everything is scoped to the key's tenant, so
another tenant's ids answer 404. A session's unlock command goes to the device over MQTT (the
broker of MONETIOT_MQTT_HOST/PORT/PREFIX, as MONETIOT_MQTT_USERNAME); an app may put its own
publisher on `app.state.command_publisher` (the demo does, as it runs without a broker).
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from monetiot.bootstrap import Platform
from monetiot.domain.errors import InvalidInput
from monetiot.services import bookings, revenue_split, sessions, sharing
from monetiot.services.access import Principal
from monetiot.services.asset_commands import CommandPublisher, MqttPublisher
from monetiot.web.deps import exact_body, platform, principal
from monetiot.web.responses import parse_time, respond
from monetiot.web.routes.payments import Doc

router = APIRouter(prefix="/v1")


def publisher(request: Request) -> CommandPublisher:
    chosen = getattr(request.app.state, "command_publisher", None)
    if chosen is not None:
        return chosen  # type: ignore[no-any-return]
    return MqttPublisher.from_settings(platform(request).settings, os.environ)


# owners ---------------------------------------------------------------------------------------

@router.post("/owners", status_code=201)
def create_owner(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                 doc: Doc = Depends(exact_body)) -> JSONResponse:
    """`{"id", "name", "email"?, "customer"?, "platform_fee_percent": "15"}`."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(sharing.create_owner(uow, plat.clock.now_ms(), who.tenant, doc), 201)


@router.get("/owners")
def list_owners(who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"owners": sharing.list_owners(uow, who.tenant)})


@router.get("/owners/{owner_id}/statement")
def statement(owner_id: str, start: str, end: str, who: Principal = Depends(principal),
              plat: Platform = Depends(platform)) -> JSONResponse:
    """The owner's sessions and fees in [start, end): collected, platform fee, payout."""
    who.require("read")
    start_ms, end_ms = parse_time(start, "start"), parse_time(end, "end")
    if start_ms is None or end_ms is None or end_ms <= start_ms:
        raise InvalidInput("must be after start", field="end")
    with plat.uow(readonly=True) as uow:
        return respond(revenue_split.owner_statement(uow, who.tenant, owner_id, start_ms,
                                                     end_ms))


# assets and members ---------------------------------------------------------------------------

@router.post("/assets", status_code=201)
def create_asset(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                 doc: Doc = Depends(exact_body)) -> JSONResponse:
    """`{"id", "name", "kind", "owner", "device", "time_zone", "tariff": {OCPI 2.2.1},
    "policy"?, "platform_fee_percent"?, "energy_meter"?, "state_event"?}`."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(sharing.create_asset(uow, plat.clock.now_ms(), who.tenant, doc), 201)


@router.get("/assets")
def list_assets(owner: str | None = None, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"assets": sharing.list_assets(uow, who.tenant, owner)})


@router.get("/assets/{asset_id}")
def get_asset(asset_id: str, who: Principal = Depends(principal),
              plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(sharing.get_asset(uow, who.tenant, asset_id))


@router.post("/members", status_code=201)
def create_member(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                  doc: Doc = Depends(exact_body)) -> JSONResponse:
    """`{"id", "customer", "user"?, "name"?}`."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(sharing.create_member(uow, plat.clock.now_ms(), who.tenant, doc), 201)


@router.get("/members")
def list_members(customer: str | None = None, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"members": sharing.list_members(uow, who.tenant, customer)})


# bookings -------------------------------------------------------------------------------------

@router.post("/bookings", status_code=201)
def create_booking(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                   doc: Doc = Depends(exact_body)) -> JSONResponse:
    """`{"asset", "member", "start", "end", "id"?}`; 409 (field `start`) when the slot is
    taken."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(bookings.create_booking(uow, plat.clock.now_ms(), who.tenant, doc), 201)


@router.get("/bookings")
def list_bookings(asset: str | None = None, member: str | None = None,
                  status: str | None = None, start: str | None = None, end: str | None = None,
                  who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"bookings": bookings.list_bookings(
            uow, who.tenant, asset=asset, member=member, status=status,
            start_ms=parse_time(start, "start"), end_ms=parse_time(end, "end"))})


@router.get("/bookings/{booking_id}")
def get_booking(booking_id: str, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(bookings.get_booking(uow, who.tenant, booking_id))


@router.post("/bookings/{booking_id}/cancel")
def cancel_booking(booking_id: str, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> JSONResponse:
    """Free until the asset's policy says, then the cancellation fee (on the next invoice)."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(bookings.cancel_booking(uow, plat.clock.now_ms(), who.tenant,
                                               booking_id))


# sessions -------------------------------------------------------------------------------------

@router.post("/assets/{asset_id}/sessions", status_code=201)
def start_session(asset_id: str, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform), doc: Doc = Depends(exact_body),
                  commands: CommandPublisher = Depends(publisher)) -> JSONResponse:
    """`{"member", "booking"?, "id"?}`: 403 (field `booking`) without a valid booking or plan;
    on success the device was sent `{"command": "unlock", "session": ID}`."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(sessions.start_session(uow, plat.clock.now_ms(), who.tenant, asset_id,
                                              doc, commands), 201)


@router.get("/sessions")
def list_sessions(asset: str | None = None, member: str | None = None,
                  status: str | None = None, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"sessions": sessions.list_sessions(uow, who.tenant, asset=asset,
                                                           member=member, status=status)})


@router.get("/sessions/{session_id}")
def get_session(session_id: str, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(sessions.get_session(uow, who.tenant, session_id))


@router.post("/sessions/{session_id}/stop")
def stop_session(session_id: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform),
                 commands: CommandPublisher = Depends(publisher)) -> JSONResponse:
    """Stop now: usage from the device's telemetry, priced, charged; the device gets `lock`."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(sessions.stop_session(uow, plat.clock.now_ms(), who.tenant, session_id,
                                             publisher=commands))


@router.post("/sharing/sweep")
def sweep(who: Principal = Depends(principal),
          plat: Platform = Depends(platform)) -> JSONResponse:
    """Apply stops devices reported, and mark no-shows (with their fees); safe to repeat."""
    who.require("admin")
    return respond(sessions.sweep(plat.uow, plat.clock.now_ms(), who.tenant))
