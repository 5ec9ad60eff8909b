"""Bookings of shared assets: time slots without double booking, cancellations and no-shows.

A booking holds [start, end) of one asset for one member. No two bookings of an asset that hold
a slot may overlap: the database refuses the second (store/sharing_tables.py says how on each
dialect), and the loser gets a `Conflict` on `start`. Cancelling is free until the asset's
policy says, then costs its cancellation fee; a booking never started within the grace period
becomes a no-show and costs the no-show fee (`mark_no_shows`, run by `monetiot sharing sweep`).
Fees are charged on the member's customer's next invoice (services.charges) and split between
the platform and the asset's owner (services.revenue_split), once each.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from monetiot.domain.clock import iso_from_ms
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.fleet import check_id
from monetiot.domain.money import round_money
from monetiot.domain.pages import Page
from monetiot.domain.sharing import BOOKING_STATES, booking_session
from monetiot.domain.tariffs import price_session
from monetiot.services import charges, revenue_split
from monetiot.services.sharing import Asset, get_member, load_asset
from monetiot.store import sharing as store
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
MAX_MS = 253_402_300_799_999
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def create_booking(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    """`{"asset", "member", "start", "end", "id"?}`; times are RFC 3339 or epoch ms.

    With an `id`, a retry of the same booking answers the booking made the first time."""
    asset = load_asset(uow, tenant, check_id(doc.get("asset"), "asset"))
    member = get_member(uow, tenant, check_id(doc.get("member"), "member"))
    start_ms, end_ms = read_time(doc.get("start"), "start"), read_time(doc.get("end"), "end")
    booking_id = doc.get("id")
    if booking_id is not None:
        existing = store.get_booking(uow.conn, tenant, check_id(booking_id, "id"))
        if existing is not None:
            same = (existing["asset_id"], existing["member_id"], existing["start_ms"],
                    existing["end_ms"]) == (asset.id, member["id"], start_ms, end_ms)
            if not same:
                raise Conflict(f"booking {booking_id!r} exists with other content", field="id")
            return booking_view(existing)
    if member["status"] != "active":
        raise Conflict(f"member {member['id']!r} is {member['status']}", field="member")
    asset.policy.check_slot(start_ms, end_ms, now_ms)
    row = {"tenant_id": tenant, "id": booking_id or f"bkg_{uuid.uuid4().hex[:16]}",
           "asset_id": asset.id, "member_id": member["id"], "customer_id": member["customer_id"],
           "start_ms": start_ms, "end_ms": end_ms, "status": "booked",
           "estimated_price": estimated_price(asset, start_ms, end_ms),
           "currency": asset.currency, "fee": None, "session_id": None, "created_ms": now_ms,
           "closed_ms": None}
    try:
        store.insert_booking(uow.conn, row)
    except store.Clash as clash:
        other = clash.other
        when = "" if other is None else (f" ({iso_from_ms(other['start_ms'])} to "
                                         f"{iso_from_ms(other['end_ms'])})")
        raise Conflict(f"asset {asset.id!r} is already booked for part of that time{when}",
                       field="start") from None
    uow.commit()
    return booking_view(row)


def estimated_price(asset: Asset, start_ms: int, end_ms: int) -> Decimal:
    """The slot's price under the asset's tariff, in use throughout at the policy's estimated
    power, excluding tax, rounded at the minor unit: what percentage fees are taken of."""
    session = booking_session(start_ms, end_ms, asset.policy.estimated_kwh(start_ms, end_ms),
                              asset.time_zone)
    return round_money(price_session(asset.tariff, session).excl_vat, asset.currency)


def cancel_booking(uow: UnitOfWork, now_ms: int, tenant: str, booking_id: str) -> Row:
    """Cancel a booking not yet started: free early, the cancellation fee late."""
    row = _booking(uow, tenant, booking_id, lock=True)
    if row["status"] == "cancelled":
        return booking_view(row)
    if row["status"] != "booked":
        raise Conflict(f"booking {booking_id!r} is {row['status']}; only a booked one can be "
                       "cancelled", field="booking")
    asset = load_asset(uow, tenant, row["asset_id"])
    fee = asset.policy.cancellation_charge(row["start_ms"], now_ms, row["estimated_price"],
                                           asset.currency)
    values = {"status": "cancelled", "fee": fee, "closed_ms": now_ms}
    if not store.update_booking(uow.conn, tenant, booking_id, values, from_status="booked"):
        raise Conflict(f"booking {booking_id!r} changed meanwhile; try again", field="booking")
    _charge_fee(uow, now_ms, tenant, asset, row, "cancellation", fee)
    uow.commit()
    return booking_view(row | values)


def mark_no_shows(uow: UnitOfWork, now_ms: int, tenant: str) -> list[Row]:
    """Bookings never started within their grace period become no-shows and pay the fee.

    One transaction for the tenant; a rerun finds nothing left to mark."""
    marked: list[Row] = []
    assets: dict[str, Asset] = {}
    for row in store.due_no_shows(uow.conn, tenant, now_ms):
        asset = assets.get(row["asset_id"]) or load_asset(uow, tenant, row["asset_id"])
        assets[asset.id] = asset
        if now_ms < asset.policy.no_show_at(row["start_ms"]):
            continue
        fee = asset.policy.no_show_charge(row["estimated_price"], asset.currency)
        values = {"status": "no_show", "fee": fee, "closed_ms": now_ms}
        if store.update_booking(uow.conn, tenant, row["id"], values, from_status="booked"):
            _charge_fee(uow, now_ms, tenant, asset, row, "no_show", fee)
            marked.append(booking_view(row | values))
    uow.commit()
    return marked


def _charge_fee(uow: UnitOfWork, now_ms: int, tenant: str, asset: Asset, booking: Row,
                kind: str, fee: Decimal) -> None:
    if fee <= 0:
        return
    charge_id = f"booking:{booking['id']}:{kind}"
    label = "Late cancellation" if kind == "cancellation" else "No-show"
    charges.add(uow, now_ms, tenant, booking["customer_id"], {
        "id": charge_id, "kind": "one_off",
        "description": f"{label}: {asset.row['name']}, booking {booking['id']}",
        "amount": fee, "currency": asset.currency,
        "covers_start_ms": booking["start_ms"], "covers_end_ms": booking["end_ms"],
        "details": {"booking": booking["id"], "asset": asset.id, "member": booking["member_id"],
                    "fee": kind},
    }, commit=False)
    member = get_member(uow, tenant, booking["member_id"])
    revenue_split.record(uow, now_ms, tenant, item_id=charge_id, kind=kind,
                         source_id=booking["id"], asset=asset, member=member, at_ms=now_ms,
                         collected=fee)


def get_booking(uow: UnitOfWork, tenant: str, booking_id: str) -> Row:
    return booking_view(_booking(uow, tenant, booking_id))


def _booking(uow: UnitOfWork, tenant: str, booking_id: str, *, lock: bool = False) -> Row:
    row = store.get_booking(uow.conn, tenant, booking_id, lock=lock)
    if row is None:
        raise NotFound(f"no booking {booking_id!r}", field="booking")
    return row


def list_bookings(uow: UnitOfWork, tenant: str, *, asset: str | None = None,
                  member: str | None = None, status: str | None = None,
                  start_ms: int | None = None, end_ms: int | None = None,
                  limit: int = 1000, cursor: str | None = None) -> Page[Row]:
    if status is not None and status not in BOOKING_STATES:
        raise InvalidInput(f"must be one of {', '.join(BOOKING_STATES)}", field="status")
    rows = store.list_bookings(uow.conn, tenant, asset_id=asset, member_id=member,
                               status=status, start_ms=start_ms, end_ms=end_ms, limit=limit,
                               cursor=cursor)
    return Page([booking_view(r) for r in rows], rows.next_cursor)


def booking_view(row: Row) -> Row:
    return {"id": row["id"], "asset": row["asset_id"], "member": row["member_id"],
            "customer": row["customer_id"], "start_ms": row["start_ms"],
            "end_ms": row["end_ms"], "status": row["status"],
            "estimated_price": row["estimated_price"], "currency": row["currency"],
            "fee": row["fee"], "session": row["session_id"], "created_ms": row["created_ms"],
            "closed_ms": row["closed_ms"]}


def read_time(value: object, field: str) -> int:
    """Epoch milliseconds (an integer) or RFC 3339 text, as epoch milliseconds."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput("required: RFC 3339 text or epoch milliseconds", field=field)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        if value != int(value):
            raise InvalidInput("epoch milliseconds must be whole", field=field)
        ms = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            ms = int(text)
        else:
            try:
                dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidInput("use RFC 3339 (2026-11-24T10:00:00Z) or epoch ms",
                                   field=field) from None
            if dt.tzinfo is None:
                raise InvalidInput("needs a UTC offset (Z or +01:00)", field=field)
            ms = (dt - _EPOCH) // timedelta(milliseconds=1)
    else:
        raise InvalidInput("must be RFC 3339 text or epoch milliseconds", field=field)
    if not 0 <= ms <= MAX_MS:
        raise InvalidInput("must be between 1970 and 9999", field=field)
    return ms
