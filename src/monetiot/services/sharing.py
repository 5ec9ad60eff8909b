"""Asset sharing, the registry: owners, shared assets and the members who may use them.

Bookings live in services/bookings.py, sessions in services/sessions.py, the revenue split and
owner statements in services/revenue_split.py. Invariants kept here: an asset's tariff is a valid
OCPI 2.2.1 tariff and its policy a valid policy, both stored as exact JSON text; an asset is
unlocked through one registered device; its energy meter, when set, is a SUM meter; a member
belongs to a customer (who is billed), and a member's user is one of that customer's users.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from monetiot.domain import jsonexact
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.fleet import check_id, check_name
from monetiot.domain.meters import Aggregation, Meter
from monetiot.domain.money import to_decimal
from monetiot.domain.pages import Page, PageRequest
from monetiot.domain.sharing import ASSET_KINDS, Policy, parse_policy, policy_doc
from monetiot.domain.sharing.split import check_percent
from monetiot.domain.tariffs import Tariff, parse_tariff
from monetiot.domain.windows import zone
from monetiot.services import metering
from monetiot.store import registry
from monetiot.store import sharing as store
from monetiot.store.engine import UnitOfWork
from monetiot.store.users import get_user

Row = dict[str, Any]
DEFAULT_STATE_EVENT = "asset.state"


# owners ---------------------------------------------------------------------------------------

def create_owner(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    """`{"id", "name", "email"?, "customer"?, "platform_fee_percent"}`: who is paid."""
    owner_id = check_id(doc.get("id"), "id")
    customer = doc.get("customer")
    if customer is not None and registry.get_customer(uow.conn, tenant, str(customer)) is None:
        raise NotFound(f"no customer {customer!r}", field="customer")
    email = doc.get("email")
    if email is not None and (not isinstance(email, str) or len(email) > 200):
        raise InvalidInput("must be text of at most 200 characters", field="email")
    row = {"tenant_id": tenant, "id": owner_id,
           "name": check_name(doc.get("name"), "name", owner_id), "email": email,
           "customer_id": customer,
           "platform_fee_percent": _percent(doc.get("platform_fee_percent", "0"),
                                            "platform_fee_percent"),
           "created_ms": now_ms}
    if store.get_owner(uow.conn, tenant, owner_id) is not None:
        raise Conflict(f"owner {owner_id!r} exists", field="id")
    store.insert_owner(uow.conn, row)
    uow.commit()
    return owner_view(row)


def get_owner(uow: UnitOfWork, tenant: str, owner_id: str) -> Row:
    row = store.get_owner(uow.conn, tenant, owner_id)
    if row is None:
        raise NotFound(f"no owner {owner_id!r}", field="owner")
    return row


def list_owners(uow: UnitOfWork, tenant: str, page: PageRequest | None = None) -> Page[Row]:
    rows = store.list_owners(uow.conn, tenant, page)
    return Page([owner_view(r) for r in rows], rows.next_cursor)


def owner_view(row: Row) -> Row:
    return {"id": row["id"], "name": row["name"], "email": row["email"],
            "customer": row["customer_id"],
            "platform_fee_percent": row["platform_fee_percent"], "created_ms": row["created_ms"]}


def _percent(raw: object, field: str) -> Decimal:
    return check_percent(to_decimal(raw, field), field)


# assets ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Asset:
    """An asset row read for a use case: its tariff and policy parsed."""

    row: Row
    tariff: Tariff
    policy: Policy
    platform_fee_percent: Decimal

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def device(self) -> str:
        return str(self.row["device_id"])

    @property
    def time_zone(self) -> str:
        return str(self.row["time_zone"])

    @property
    def currency(self) -> str:
        return str(self.row["currency"])

    @property
    def owner(self) -> str:
        return str(self.row["owner_id"])


def create_asset(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    """`{"id", "name", "kind", "owner", "device", "time_zone", "tariff", "policy"?,
    "platform_fee_percent"?, "energy_meter"?, "state_event"?}`."""
    asset_id = check_id(doc.get("id"), "id")
    kind = doc.get("kind", "charger")
    if kind not in ASSET_KINDS:
        raise InvalidInput(f"must be one of {', '.join(ASSET_KINDS)}", field="kind")
    owner = get_owner(uow, tenant, check_id(doc.get("owner"), "owner"))
    device = check_id(doc.get("device"), "device")
    if registry.get_device(uow.conn, tenant, device) is None:
        raise NotFound(f"no device {device!r}", field="device")
    time_zone = doc.get("time_zone", "UTC")
    if not isinstance(time_zone, str):
        raise InvalidInput("must be an IANA zone name such as Europe/Paris", field="time_zone")
    zone(time_zone, "time_zone")
    tariff = parse_tariff(doc.get("tariff"), path="tariff")
    policy = parse_policy(doc.get("policy"))
    fee = doc.get("platform_fee_percent")
    energy_meter = doc.get("energy_meter")
    if energy_meter is not None:
        meter = metering.get_meter(uow, tenant, check_id(energy_meter, "energy_meter"))
        if meter.aggregation is not Aggregation.SUM:
            raise InvalidInput(f"meter {meter.id!r} is {meter.aggregation.value}; session "
                               "energy needs a SUM meter", field="energy_meter")
    state_event = doc.get("state_event", DEFAULT_STATE_EVENT)
    if not isinstance(state_event, str) or not 1 <= len(state_event) <= 200:
        raise InvalidInput("must be an event type", field="state_event")
    row = {"tenant_id": tenant, "id": asset_id,
           "name": check_name(doc.get("name"), "name", asset_id), "kind": kind,
           "owner_id": owner["id"], "device_id": device, "time_zone": time_zone,
           "tariff": jsonexact.dumps(doc["tariff"]), "currency": tariff.currency,
           "platform_fee_percent": None if fee is None else _percent(fee,
                                                                     "platform_fee_percent"),
           "energy_meter": energy_meter, "state_event": state_event,
           "policy": jsonexact.dumps(policy_doc(policy)), "created_ms": now_ms}
    if store.get_asset(uow.conn, tenant, asset_id) is not None:
        raise Conflict(f"asset {asset_id!r} exists", field="id")
    try:
        store.insert_asset(uow.conn, row)
    except IntegrityError:
        raise Conflict(f"asset {asset_id!r} exists", field="id") from None
    uow.commit()
    return asset_view(row, owner)


def load_asset(uow: UnitOfWork, tenant: str, asset_id: str) -> Asset:
    row = store.get_asset(uow.conn, tenant, asset_id)
    if row is None:
        raise NotFound(f"no asset {asset_id!r}", field="asset")
    owner = get_owner(uow, tenant, row["owner_id"])
    fee = row["platform_fee_percent"]
    return Asset(row, parse_tariff(jsonexact.loads(row["tariff"]), path="tariff"),
                 parse_policy(jsonexact.loads(row["policy"])),
                 owner["platform_fee_percent"] if fee is None else fee)


def get_asset(uow: UnitOfWork, tenant: str, asset_id: str) -> Row:
    asset = load_asset(uow, tenant, asset_id)
    return asset_view(asset.row, get_owner(uow, tenant, asset.owner))


def list_assets(uow: UnitOfWork, tenant: str, owner: str | None = None,
                page: PageRequest | None = None) -> Page[Row]:
    owners = {o["id"]: o for o in store.list_owners(uow.conn, tenant)}
    rows = store.list_assets(uow.conn, tenant, owner, page)
    return Page([asset_view(r, owners[r["owner_id"]]) for r in rows], rows.next_cursor)


def asset_view(row: Row, owner: Row) -> Row:
    fee = row["platform_fee_percent"]
    return {"id": row["id"], "name": row["name"], "kind": row["kind"], "owner": row["owner_id"],
            "device": row["device_id"], "time_zone": row["time_zone"],
            "currency": row["currency"], "tariff": jsonexact.loads(row["tariff"]),
            "platform_fee_percent": owner["platform_fee_percent"] if fee is None else fee,
            "energy_meter": row["energy_meter"], "state_event": row["state_event"],
            "policy": jsonexact.loads(row["policy"]), "created_ms": row["created_ms"]}


def energy_meter(uow: UnitOfWork, tenant: str, asset: Asset) -> Meter | None:
    meter_id = asset.row["energy_meter"]
    return None if meter_id is None else metering.get_meter(uow, tenant, meter_id)


# members --------------------------------------------------------------------------------------

def create_member(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    """`{"id", "customer", "user"?, "name"?}`: the customer is billed for the sessions."""
    member_id = check_id(doc.get("id"), "id")
    customer = check_id(doc.get("customer"), "customer")
    if registry.get_customer(uow.conn, tenant, customer) is None:
        raise NotFound(f"no customer {customer!r}", field="customer")
    user = doc.get("user")
    if user is not None:
        found = get_user(uow.conn, tenant, str(user))
        if found is None or found["customer_id"] != customer:
            raise NotFound(f"no user {user!r} of customer {customer!r}", field="user")
    if store.get_member(uow.conn, tenant, member_id) is not None:
        raise Conflict(f"member {member_id!r} exists", field="id")
    row = {"tenant_id": tenant, "id": member_id, "customer_id": customer, "user_id": user,
           "name": check_name(doc.get("name"), "name", member_id), "status": "active",
           "created_ms": now_ms}
    store.insert_member(uow.conn, row)
    uow.commit()
    return member_view(row)


def get_member(uow: UnitOfWork, tenant: str, member_id: str) -> Row:
    row = store.get_member(uow.conn, tenant, member_id)
    if row is None:
        raise NotFound(f"no member {member_id!r}", field="member")
    return row


def list_members(uow: UnitOfWork, tenant: str, customer: str | None = None,
                 page: PageRequest | None = None) -> Page[Row]:
    rows = store.list_members(uow.conn, tenant, customer, page)
    return Page([member_view(r) for r in rows], rows.next_cursor)


def member_view(row: Row) -> Row:
    return {"id": row["id"], "customer": row["customer_id"], "user": row["user_id"],
            "name": row["name"], "status": row["status"], "created_ms": row["created_ms"]}
