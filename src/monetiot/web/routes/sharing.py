"""/v1 routes for asset sharing: owners, assets, members, bookings, sessions, statements.

Bodies are typed and read with exact decimals (a tariff's prices never pass through a
binary float).
Writing needs an admin key, reading a read key; everything is scoped to the key's tenant, so
another tenant's ids answer 404. A session's unlock command goes to the device over MQTT (the
broker of MONETIOT_MQTT_HOST/PORT/PREFIX, as MONETIOT_MQTT_USERNAME); an app may put its own
publisher on `app.state.command_publisher` (the demo does, as it runs without a broker).
"""

from __future__ import annotations

import os

from fastapi import Depends, Query, Request

from monetiot.bootstrap import Platform
from monetiot.domain.errors import InvalidInput
from monetiot.domain.pages import PageRequest
from monetiot.services import bookings, revenue_split, sessions, sharing
from monetiot.services.access import Principal
from monetiot.services.asset_commands import CommandPublisher, MqttPublisher
from monetiot.web.deps import platform, principal
from monetiot.web.responses import parse_time
from monetiot.web.routing import ApiRouter, page
from monetiot.web.schemas.sharing import (
    Asset,
    AssetCreate,
    AssetList,
    Booking,
    BookingCreate,
    BookingList,
    Member,
    MemberCreate,
    MemberList,
    Owner,
    OwnerCreate,
    OwnerList,
    Session,
    SessionList,
    SessionStart,
    Statement,
    Sweep,
)

router = ApiRouter()


def publisher(request: Request) -> CommandPublisher:
    chosen = getattr(request.app.state, "command_publisher", None)
    if chosen is not None:
        return chosen  # type: ignore[no-any-return]
    return MqttPublisher.from_settings(platform(request).settings, os.environ)


# owners ---------------------------------------------------------------------------------------

@router.post("/owners", status_code=201)
def create_owner(body: OwnerCreate, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> Owner:
    """Who is paid for an asset's use, and the platform's fee."""
    who.require("admin")
    with plat.uow() as uow:
        return Owner.of(sharing.create_owner(uow, plat.clock.now_ms(), who.tenant, body.doc()))


@router.get("/owners")
def list_owners(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                pages: PageRequest = Depends(page)) -> OwnerList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = sharing.list_owners(uow, who.tenant, pages)
    return OwnerList.page("owners", found)


@router.get("/owners/{owner_id}/statement")
def statement(owner_id: str, start: str = Query(description="RFC 3339 or epoch ms"),
              end: str = Query(description="RFC 3339 or epoch ms (exclusive)"),
              who: Principal = Depends(principal),
              plat: Platform = Depends(platform)) -> Statement:
    """The owner's sessions and fees in [start, end): collected, platform fee, payout."""
    who.require("read")
    start_ms, end_ms = parse_time(start, "start"), parse_time(end, "end")
    if start_ms is None or end_ms is None or end_ms <= start_ms:
        raise InvalidInput("must be after start", field="end")
    with plat.uow(readonly=True) as uow:
        return Statement.of(revenue_split.owner_statement(uow, who.tenant, owner_id, start_ms,
                                                          end_ms))


# assets and members ---------------------------------------------------------------------------

@router.post("/assets", status_code=201)
def create_asset(body: AssetCreate, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> Asset:
    who.require("admin")
    with plat.uow() as uow:
        return Asset.of(sharing.create_asset(uow, plat.clock.now_ms(), who.tenant, body.doc()))


@router.get("/assets")
def list_assets(owner: str | None = None, who: Principal = Depends(principal),
                plat: Platform = Depends(platform),
                pages: PageRequest = Depends(page)) -> AssetList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = sharing.list_assets(uow, who.tenant, owner, pages)
    return AssetList.page("assets", found)


@router.get("/assets/{asset_id}")
def get_asset(asset_id: str, who: Principal = Depends(principal),
              plat: Platform = Depends(platform)) -> Asset:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Asset.of(sharing.get_asset(uow, who.tenant, asset_id))


@router.post("/members", status_code=201)
def create_member(body: MemberCreate, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> Member:
    who.require("admin")
    with plat.uow() as uow:
        return Member.of(sharing.create_member(uow, plat.clock.now_ms(), who.tenant,
                                               body.doc()))


@router.get("/members")
def list_members(customer: str | None = None, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform),
                 pages: PageRequest = Depends(page)) -> MemberList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = sharing.list_members(uow, who.tenant, customer, pages)
    return MemberList.page("members", found)


# bookings -------------------------------------------------------------------------------------

@router.post("/bookings", status_code=201)
def create_booking(body: BookingCreate, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> Booking:
    """409 (field `start`) when the slot is taken."""
    who.require("admin")
    with plat.uow() as uow:
        return Booking.of(bookings.create_booking(uow, plat.clock.now_ms(), who.tenant,
                                                  body.doc()))


@router.get("/bookings")
def list_bookings(asset: str | None = None, member: str | None = None,
                  status: str | None = None, start: str | None = None, end: str | None = None,
                  who: Principal = Depends(principal), plat: Platform = Depends(platform),
                  pages: PageRequest = Depends(page)) -> BookingList:
    """Bookings overlapping [start, end) when given."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = bookings.list_bookings(
            uow, who.tenant, asset=asset, member=member, status=status,
            start_ms=parse_time(start, "start"), end_ms=parse_time(end, "end"),
            limit=pages.limit or 100, cursor=pages.cursor)
    return BookingList.page("bookings", found)


@router.get("/bookings/{booking_id}")
def get_booking(booking_id: str, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> Booking:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Booking.of(bookings.get_booking(uow, who.tenant, booking_id))


@router.post("/bookings/{booking_id}/cancel")
def cancel_booking(booking_id: str, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> Booking:
    """Free until the asset's policy says, then the cancellation fee (on the next invoice)."""
    who.require("admin")
    with plat.uow() as uow:
        return Booking.of(bookings.cancel_booking(uow, plat.clock.now_ms(), who.tenant,
                                                  booking_id))


# sessions -------------------------------------------------------------------------------------

@router.post("/assets/{asset_id}/sessions", status_code=201)
def start_session(asset_id: str, body: SessionStart, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform),
                  commands: CommandPublisher = Depends(publisher)) -> Session:
    """403 (field `booking`) without a valid booking or plan; on success the device was sent
    `{"command": "unlock", "session": ID}`."""
    who.require("admin")
    with plat.uow() as uow:
        return Session.of(sessions.start_session(uow, plat.clock.now_ms(), who.tenant,
                                                 asset_id, body.doc(), commands))


@router.get("/sessions")
def list_sessions(asset: str | None = None, member: str | None = None,
                  status: str | None = None, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform),
                  pages: PageRequest = Depends(page)) -> SessionList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = sessions.list_sessions(uow, who.tenant, asset=asset, member=member,
                                       status=status, limit=pages.limit or 100,
                                       cursor=pages.cursor)
    return SessionList.page("sessions", found)


@router.get("/sessions/{session_id}")
def get_session(session_id: str, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> Session:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Session.of(sessions.get_session(uow, who.tenant, session_id))


@router.post("/sessions/{session_id}/stop")
def stop_session(session_id: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform),
                 commands: CommandPublisher = Depends(publisher)) -> Session:
    """Stop now: usage from the device's telemetry, priced, charged; the device gets `lock`."""
    who.require("admin")
    with plat.uow() as uow:
        return Session.of(sessions.stop_session(uow, plat.clock.now_ms(), who.tenant,
                                                session_id, publisher=commands))


@router.post("/sharing/sweep")
def sweep(who: Principal = Depends(principal),
          plat: Platform = Depends(platform)) -> Sweep:
    """Apply stops devices reported, and mark no-shows (with their fees); safe to repeat."""
    who.require("admin")
    return Sweep.of(sessions.sweep(plat.uow, plat.clock.now_ms(), who.tenant))
