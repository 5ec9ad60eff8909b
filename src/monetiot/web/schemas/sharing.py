"""Schemas of asset sharing: owners, assets, members, bookings, sessions, statements."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from monetiot.web.schemas.base import (
    Decimal,
    DecimalIn,
    Document,
    JsonObject,
    Paged,
    Request,
    Response,
    TimeIn,
    Timestamp,
)

BookingStatus = Literal["booked", "started", "completed", "cancelled", "no_show"]


class OwnerCreate(Request):
    id: str
    name: str | None = None
    email: str | None = None
    customer: str | None = Field(None, description="When the owner is also a customer")
    platform_fee_percent: DecimalIn | None = Field(None, description="Default 0")


class Owner(Response):
    id: str
    name: str
    email: str | None
    customer: str | None
    platform_fee_percent: Decimal
    created: Timestamp
    created_ms: int


class OwnerList(Paged):
    owners: list[Owner]


class AssetCreate(Document):
    """An asset; its `tariff` is an OCPI 2.2.1 tariff and `policy` the booking rules
    (docs/sharing.md), both checked by their parsers."""

    id: str | None = None
    name: str | None = None
    kind: Literal["charger", "machine", "vehicle", "room", "other"] | None = None
    owner: str | None = None
    device: str | None = None
    time_zone: str | None = None
    tariff: JsonObject | None = None
    policy: JsonObject | None = None
    platform_fee_percent: DecimalIn | None = None
    energy_meter: str | None = None
    state_event: str | None = None


class Asset(Response):
    id: str
    name: str
    kind: str
    owner: str
    device: str
    time_zone: str
    currency: str
    tariff: JsonObject = Field(description="OCPI 2.2.1 tariff, numbers as decimal text")
    platform_fee_percent: Decimal
    energy_meter: str | None
    state_event: str
    policy: JsonObject
    created: Timestamp
    created_ms: int


class AssetList(Paged):
    assets: list[Asset]


class MemberCreate(Request):
    id: str
    customer: str
    user: str | None = Field(None, description="A portal user (email) of the customer")
    name: str | None = None


class Member(Response):
    id: str
    customer: str
    user: str | None
    name: str
    status: str
    created: Timestamp
    created_ms: int


class MemberList(Paged):
    members: list[Member]


class BookingCreate(Request):
    id: str | None = Field(None, description="Makes the request idempotent")
    asset: str
    member: str
    start: TimeIn
    end: TimeIn


class Booking(Response):
    id: str
    asset: str
    member: str
    customer: str
    start: Timestamp
    start_ms: int
    end: Timestamp = Field(description="Exclusive")
    end_ms: int
    status: BookingStatus
    estimated_price: Decimal | None
    currency: str
    fee: Decimal | None = Field(description="A cancellation or no-show fee")
    session: str | None
    created: Timestamp
    created_ms: int
    closed: Timestamp | None = None
    closed_ms: int | None


class BookingList(Paged):
    """By start, then id."""

    bookings: list[Booking]


class SessionStart(Request):
    id: str | None = Field(None, description="Makes the request idempotent")
    member: str
    booking: str | None = Field(None, description="Required unless the member's plan grants "
                                                  "access")


class Session(Response):
    id: str
    asset: str
    device: str
    member: str
    customer: str
    booking: str | None
    access: Literal["booking", "plan"]
    status: str = Field(description="active or stopped")
    start: Timestamp
    start_ms: int
    stop: Timestamp | None = None
    stop_ms: int | None
    stopped_by: str | None
    currency: str
    energy_kwh: Decimal | None
    in_use_ms: int | None = Field(description="A duration in milliseconds")
    idle_ms: int | None = Field(description="A duration in milliseconds")
    amount: Decimal | None
    cost: JsonObject | None = Field(description="The OCPI cost breakdown, once stopped")
    charge: str | None = Field(description="The pending charge that bills it")
    lock_sent: bool | None = Field(None, description="On stop: whether the device was told")


class SessionList(Paged):
    """By start, then id."""

    sessions: list[Session]


class Sweep(Response):
    stopped: list[str] = Field(description="Sessions stopped as their devices reported")
    no_shows: list[str] = Field(description="Bookings marked as no-shows")


class StatementItem(Response):
    id: str
    kind: str
    source: str
    asset: str
    member: str | None
    at: Timestamp
    at_ms: int
    currency: str
    energy_kwh: Decimal | None
    collected: Decimal
    platform_fee_percent: Decimal
    platform_fee: Decimal
    owner_payout: Decimal


class StatementTotal(Response):
    currency: str
    sessions: int
    fees: int
    energy_kwh: Decimal
    collected: Decimal
    platform_fee: Decimal
    owner_payout: Decimal


class Statement(Response):
    owner: str
    name: str
    start: Timestamp
    start_ms: int
    end: Timestamp = Field(description="Exclusive")
    end_ms: int
    items: list[StatementItem]
    totals: list[StatementTotal]
