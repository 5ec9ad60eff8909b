"""Customers, devices, device profiles and device-to-customer assignments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from monetiot.domain import connectivity, jsonexact
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.fleet import Assignment, AssignmentBook, check_id, check_name
from monetiot.domain.pages import Page, PageRequest
from monetiot.domain.windows import zone
from monetiot.services import credentials
from monetiot.store import registry
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]


# customers ------------------------------------------------------------------------------------

def create_customer(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    customer_id = check_id(doc.get("id"), "id")
    tz = doc.get("timezone", "UTC")
    if not isinstance(tz, str):
        raise InvalidInput("must be an IANA zone name such as Europe/Paris", field="timezone")
    zone(tz, "timezone")
    row = {"tenant_id": tenant, "id": customer_id,
           "name": check_name(doc.get("name"), "name", customer_id),
           "email": doc.get("email"), "timezone": tz, "created_ms": now_ms}
    if registry.get_customer(uow.conn, tenant, customer_id) is not None:
        raise Conflict(f"customer {customer_id!r} exists", field="id")
    registry.insert_customer(uow.conn, row)
    uow.commit()
    return customer_view(row)


def get_customer(uow: UnitOfWork, tenant: str, customer_id: str) -> Row:
    row = registry.get_customer(uow.conn, tenant, customer_id)
    if row is None:
        raise NotFound(f"no customer {customer_id!r}", field="customer")
    return customer_view(row)


def list_customers(uow: UnitOfWork, tenant: str, page: PageRequest | None = None) -> Page[Row]:
    rows = registry.list_customers(uow.conn, tenant, page)
    return Page([customer_view(r) for r in rows], rows.next_cursor)


def customer_view(row: Row) -> Row:
    return {k: row[k] for k in ("id", "name", "email", "timezone", "created_ms")}


# device profiles ------------------------------------------------------------------------------

def apply_profile(uow: UnitOfWork, now_ms: int, tenant: str, profile_id: str, spec: Row) -> Row:
    from monetiot.ingest.formats.profiles import parse_profile

    check_id(profile_id, "id")
    parse_profile(spec)  # validates; errors name the field
    registry.upsert_profile(uow.conn, {"tenant_id": tenant, "id": profile_id,
                                       "spec": jsonexact.dumps(spec), "created_ms": now_ms})
    uow.commit()
    return {"id": profile_id, "spec": spec}


def list_profiles(uow: UnitOfWork, tenant: str, page: PageRequest | None = None) -> Page[Row]:
    rows = registry.list_profiles(uow.conn, tenant, page)
    return Page([{"id": r["id"], "spec": jsonexact.loads(r["spec"])} for r in rows],
                rows.next_cursor)


# devices --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewDevice:
    device: Row
    username: str
    password: str  # shown once


def create_device(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> NewDevice:
    device_id = check_id(doc.get("id"), "id")
    if "/" in device_id or "+" in device_id or "#" in device_id:
        raise InvalidInput("must not contain / + or #", field="id")
    profile = doc.get("profile")
    if profile is not None and registry.get_profile(uow.conn, tenant, str(profile)) is None:
        raise NotFound(f"no device profile {profile!r}", field="profile")
    if registry.get_device(uow.conn, tenant, device_id) is not None:
        raise Conflict(f"device {device_id!r} exists", field="id")
    password, secret_hash = credentials.new_device_password()
    row = {"tenant_id": tenant, "id": device_id,
           "name": check_name(doc.get("name"), "name", device_id),
           "profile_id": profile, "secret_hash": secret_hash, "created_ms": now_ms,
           "last_seen_ms": None, "reported_state": None, "reported_ms": None}
    registry.insert_device(uow.conn, row)
    customer = doc.get("customer")
    if customer is not None:
        start = doc.get("assigned_from", now_ms)
        if not isinstance(start, int) or isinstance(start, bool):
            raise InvalidInput("must be epoch milliseconds (an integer)", field="assigned_from")
        _assign(uow, tenant, device_id, str(customer), start)
    uow.commit()
    return NewDevice(device=device_view(row, now_ms, 0), username=f"{tenant}/{device_id}",
                     password=password)


def rotate_device_password(uow: UnitOfWork, tenant: str, device_id: str) -> NewDevice:
    row = _device(uow, tenant, device_id)
    password, secret_hash = credentials.new_device_password()
    registry.update_device(uow.conn, tenant, device_id, {"secret_hash": secret_hash})
    uow.commit()
    return NewDevice(device=device_view(row, 0, 0), username=f"{tenant}/{device_id}",
                     password=password)


def get_device(uow: UnitOfWork, tenant: str, device_id: str, now_ms: int,
               offline_after_ms: int) -> Row:
    row = _device(uow, tenant, device_id)
    view = device_view(row, now_ms, offline_after_ms)
    view["assignments"] = [
        {"customer": a["customer_id"], "from_ms": a["valid_from_ms"], "to_ms": a["valid_to_ms"]}
        for a in registry.assignment_history(uow.conn, tenant, device_id)
    ]
    return view


def list_devices(uow: UnitOfWork, tenant: str, now_ms: int, offline_after_ms: int,
                 customer: str | None = None, page: PageRequest | None = None) -> Page[Row]:
    rows = registry.list_devices(uow.conn, tenant, customer, now_ms if customer else None, page)
    return Page([device_view(r, now_ms, offline_after_ms) for r in rows], rows.next_cursor)


def device_view(row: Row, now_ms: int, offline_after_ms: int) -> Row:
    return {
        "id": row["id"], "name": row["name"], "profile": row["profile_id"],
        "created_ms": row["created_ms"], "last_seen_ms": row["last_seen_ms"],
        "state": connectivity.state(row["last_seen_ms"], row["reported_state"],
                                    row["reported_ms"], now_ms, offline_after_ms),
    }


def _device(uow: UnitOfWork, tenant: str, device_id: str) -> Row:
    row = registry.get_device(uow.conn, tenant, device_id)
    if row is None:
        raise NotFound(f"no device {device_id!r}", field="device")
    return row


def assign_device(uow: UnitOfWork, tenant: str, device_id: str, customer: str | None,
                  start_ms: int) -> Row:
    """Assign from `start_ms` on (customer None: unassign). Earlier history stays as it was."""
    _device(uow, tenant, device_id)
    if customer is None:
        book = _book(uow, tenant, device_id)
        if book.check_new(start_ms) is None:
            raise Conflict("the device is not assigned", field="customer")
        _refuse_rewriting_usage(uow, tenant, device_id, start_ms)
        registry.close_assignment(uow.conn, tenant, device_id, start_ms)
    else:
        _assign(uow, tenant, device_id, customer, start_ms)
    uow.commit()
    return {"device": device_id, "customer": customer, "from_ms": start_ms}


def _book(uow: UnitOfWork, tenant: str, device_id: str) -> AssignmentBook:
    return AssignmentBook([
        Assignment(a["customer_id"], a["valid_from_ms"], a["valid_to_ms"])
        for a in registry.assignment_history(uow.conn, tenant, device_id)
    ])


def _refuse_rewriting_usage(uow: UnitOfWork, tenant: str, device_id: str, start_ms: int) -> None:
    """Events at or after `start_ms` were already counted for whoever had the device then."""
    from monetiot.store import eventlog

    counted = eventlog.neighbour_time(uow.conn, tenant, device_id, start_ms - 1, before=False)
    if counted is not None:
        raise Conflict(
            "would rewrite history: the device already sent events at or after that time "
            f"(at {counted}); reassign from a later time", field="from")


def _assign(uow: UnitOfWork, tenant: str, device_id: str, customer: str, start_ms: int) -> None:
    if registry.get_customer(uow.conn, tenant, customer) is None:
        raise NotFound(f"no customer {customer!r}", field="customer")
    _refuse_rewriting_usage(uow, tenant, device_id, start_ms)
    open_one = _book(uow, tenant, device_id).check_new(start_ms)
    if open_one is not None:
        if open_one.customer == customer:
            raise Conflict(f"already assigned to {customer!r}", field="customer")
        registry.close_assignment(uow.conn, tenant, device_id, start_ms)
    try:
        registry.insert_assignment(uow.conn, {
            "tenant_id": tenant, "device_id": device_id, "customer_id": customer,
            "valid_from_ms": start_ms, "valid_to_ms": None,
        })
    except IntegrityError:
        raise Conflict("an assignment already starts at that time", field="from") from None
