"""Schemas of API keys, customers, devices, assignments and device profiles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from monetiot.web.schemas.base import (
    DecimalIn,
    Document,
    JsonObject,
    Paged,
    Request,
    Response,
    TimeIn,
    Timestamp,
)

Scope = Literal["admin", "ingest", "read"]
DeviceState = Literal["online", "offline", "never_seen"]


class ApiKeyCreate(Request):
    scope: Scope = Field(description="admin: everything; ingest: send events; read: read-only")
    name: str = Field("", description="A label for people (defaults to the scope)")


class NewApiKey(Response):
    id: str
    key: str = Field(description="The secret key, shown this once")
    scope: Scope


class ApiKey(Response):
    id: str
    name: str
    scope: Scope
    created: Timestamp
    created_ms: int
    revoked: Timestamp | None = None
    revoked_ms: int | None


class ApiKeyList(Paged):
    api_keys: list[ApiKey]


class ApiKeyRevoked(Response):
    id: str
    revoked: bool


class CustomerCreate(Request):
    id: str = Field(description="Your id for the customer: letters, digits, `-_.:@`")
    name: str | None = Field(None, description="Defaults to the id")
    email: str | None = None
    timezone: str = Field("UTC", description="IANA zone: billing periods and day windows "
                                              "follow it")


class Customer(Response):
    id: str
    name: str
    email: str | None
    timezone: str
    created: Timestamp
    created_ms: int


class CustomerList(Paged):
    customers: list[Customer]


class DeviceCreate(Request):
    id: str = Field(description="Unique in the tenant; no `/`, `+` or `#` (MQTT topics)")
    name: str | None = None
    profile: str | None = Field(None, description="A device profile that decodes its payloads")
    customer: str | None = Field(None, description="Assign the device to this customer")
    assigned_from: TimeIn | None = Field(None, description="When the assignment starts "
                                                           "(default: now)")


class Device(Response):
    id: str
    name: str
    profile: str | None
    created: Timestamp
    created_ms: int
    last_seen: Timestamp | None = None
    last_seen_ms: int | None
    state: DeviceState


class AssignmentPeriod(Response):
    customer: str
    from_: Timestamp = Field(alias="from")
    from_ms: int
    to: Timestamp | None = None
    to_ms: int | None = Field(description="Exclusive end; null while it lasts")


class DeviceDetail(Device):
    assignments: list[AssignmentPeriod]


class DeviceList(Paged):
    devices: list[Device]


class Credentials(Response):
    username: str = Field(description="TENANT/DEVICE, for MQTT and HTTP Basic")
    password: str = Field(description="Shown this once; stored hashed")


class NewDevice(Response):
    device: Device
    credentials: Credentials


class AssignmentCreate(Request):
    customer: str | None = Field(None, description="The new customer; null unassigns the device")
    from_: TimeIn | None = Field(None, alias="from", description="Default: now")


class Assignment(Response):
    device: str
    customer: str | None
    from_: Timestamp = Field(alias="from")
    from_ms: int


class ProfileIn(Document):
    """A vendor's JSON mapped onto a monetiot event (docs/ingest.md); checked by the profile
    parser, whose errors name `profile.<field>`."""

    type: str | None = Field(None, description="The event type produced")
    id: str | None = Field(None, description="Path of the vendor's message id")
    time: str | None = Field(None, description="Path of the time")
    time_format: Literal["rfc3339", "epoch_s", "epoch_ms"] | None = None
    measurements: dict[str, str] | None = Field(None, description="Property -> path")
    scale: dict[str, DecimalIn] | None = Field(None, description="Exact multipliers")
    device: str | None = Field(None, description="Path of the device id")


class DeviceProfile(Response):
    id: str
    spec: JsonObject = Field(description="The profile document (docs/ingest.md)")


class DeviceProfileList(Paged):
    device_profiles: list[DeviceProfile]


class DeviceClock(Response):
    device: str
    skew_ms: int | None = Field(description="Device time minus server time, in milliseconds "
                                            "(a duration); null when the report was unreadable")
    uncertainty_ms: int | None = Field(description="A duration in milliseconds")
    method: str | None
    reported: Timestamp = Field(description="When the server received the report")
    flagged: bool = Field(description="Off by more than `limit_ms` beyond the uncertainty")


class DeviceClockList(Paged):
    """By device id."""

    limit_ms: int
    devices: list[DeviceClock]
