"""`monetiot sharing ...`: owners, shared assets, members, bookings, sessions, statements, sweep.

The same use cases as the /v1 sharing routes. Times are RFC 3339 or epoch milliseconds. A
session's unlock goes to the device over MQTT (MONETIOT_MQTT_HOST/PORT/PREFIX, as
MONETIOT_MQTT_USERNAME / MONETIOT_MQTT_PASSWORD). `sweep` is what a scheduler runs every few
minutes: it applies stops devices reported and marks no-shows, with their fees.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from monetiot.cli import app, fail
from monetiot.cli.context import JsonOption, TenantOption, platform, print_json, show
from monetiot.domain import jsonexact
from monetiot.services import bookings, revenue_split, sessions, sharing
from monetiot.services.asset_commands import MqttPublisher

sharing_app = typer.Typer(help="Asset sharing: owners, assets, members, bookings, sessions.",
                          no_args_is_help=True)
owners_app = typer.Typer(help="Who is paid for shared assets.", no_args_is_help=True)
assets_app = typer.Typer(help="Shared assets (chargers, machines, vehicles, rooms).",
                         no_args_is_help=True)
members_app = typer.Typer(help="Who may use the assets.", no_args_is_help=True)
bookings_app = typer.Typer(help="Time slots of an asset.", no_args_is_help=True)
sessions_app = typer.Typer(help="Access sessions: unlock, use, stop, bill.", no_args_is_help=True)
app.add_typer(sharing_app, name="sharing")
sharing_app.add_typer(owners_app, name="owners")
sharing_app.add_typer(assets_app, name="assets")
sharing_app.add_typer(members_app, name="members")
sharing_app.add_typer(bookings_app, name="bookings")
sharing_app.add_typer(sessions_app, name="sessions")

_BOOKING_COLUMNS = ["id", "asset", "member", "start_ms", "end_ms", "status", "estimated_price",
                    "fee"]
_SESSION_COLUMNS = ["id", "asset", "member", "access", "status", "start_ms", "stop_ms",
                    "energy_kwh", "amount", "currency"]


def _publisher() -> MqttPublisher:
    return MqttPublisher.from_settings(platform().settings, os.environ)


@owners_app.command("create")
def create_owner(owner_id: str, name: str = typer.Option("", help="Display name."),
                 fee: str = typer.Option("0", "--fee", help="Platform fee, percent."),
                 customer: str = typer.Option("", help="The owner is this customer."),
                 email: str = typer.Option(""), tenant: str = TenantOption) -> None:
    plat = platform()
    doc: dict[str, object] = {"id": owner_id, "name": name, "platform_fee_percent": fee}
    if customer:
        doc["customer"] = customer
    if email:
        doc["email"] = email
    with plat.uow() as uow:
        print_json(sharing.create_owner(uow, plat.clock.now_ms(), tenant, doc))


@owners_app.command("list")
def list_owners(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = sharing.list_owners(uow, tenant)
    show(rows, as_json, "Owners", ["id", "name", "customer", "platform_fee_percent"])


@assets_app.command("create")
def create_asset(file: Path = typer.Argument(..., help="The asset as JSON (tariff included)."),
                 tenant: str = TenantOption) -> None:
    """Register an asset from a JSON file: id, name, kind, owner, device, tariff, policy."""
    try:
        doc = jsonexact.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"file: cannot read {file} as JSON: {exc}")
    plat = platform()
    with plat.uow() as uow:
        print_json(sharing.create_asset(uow, plat.clock.now_ms(), tenant, doc))


@assets_app.command("list")
def list_assets(owner: str = typer.Option("", help="Only this owner's."),
                tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = sharing.list_assets(uow, tenant, owner or None)
    show(rows, as_json, "Shared assets", ["id", "name", "kind", "owner", "device", "currency",
                                          "platform_fee_percent"])


@assets_app.command("show")
def show_asset(asset_id: str, tenant: str = TenantOption) -> None:
    with platform().uow(readonly=True) as uow:
        print_json(sharing.get_asset(uow, tenant, asset_id))


@members_app.command("create")
def create_member(member_id: str, customer: str = typer.Option(..., help="Who is billed."),
                  user: str = typer.Option("", help="One of the customer's users."),
                  name: str = typer.Option(""), tenant: str = TenantOption) -> None:
    plat = platform()
    doc: dict[str, object] = {"id": member_id, "customer": customer, "name": name}
    if user:
        doc["user"] = user
    with plat.uow() as uow:
        print_json(sharing.create_member(uow, plat.clock.now_ms(), tenant, doc))


@members_app.command("list")
def list_members(customer: str = typer.Option(""), tenant: str = TenantOption,
                 as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = sharing.list_members(uow, tenant, customer or None)
    show(rows, as_json, "Members", ["id", "customer", "user", "name", "status"])


@bookings_app.command("create")
def create_booking(asset: str = typer.Option(...), member: str = typer.Option(...),
                   start: str = typer.Option(..., help="RFC 3339 or epoch ms."),
                   end: str = typer.Option(..., help="RFC 3339 or epoch ms."),
                   booking_id: str = typer.Option("", "--id", help="Makes a retry safe."),
                   tenant: str = TenantOption) -> None:
    plat = platform()
    doc: dict[str, object] = {"asset": asset, "member": member, "start": start, "end": end}
    if booking_id:
        doc["id"] = booking_id
    with plat.uow() as uow:
        print_json(bookings.create_booking(uow, plat.clock.now_ms(), tenant, doc))


@bookings_app.command("cancel")
def cancel_booking(booking_id: str, tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(bookings.cancel_booking(uow, plat.clock.now_ms(), tenant, booking_id))


@bookings_app.command("list")
def list_bookings(asset: str = typer.Option(""), member: str = typer.Option(""),
                  status: str = typer.Option(""), tenant: str = TenantOption,
                  as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = bookings.list_bookings(uow, tenant, asset=asset or None, member=member or None,
                                      status=status or None)
    show(rows, as_json, "Bookings", _BOOKING_COLUMNS)


@sessions_app.command("start")
def start_session(asset: str, member: str = typer.Option(...),
                  booking: str = typer.Option("", help="Default: the member's booking now."),
                  session_id: str = typer.Option("", "--id", help="Makes a retry safe."),
                  tenant: str = TenantOption) -> None:
    """Check the member's booking or plan, record the session, send the unlock."""
    plat = platform()
    doc: dict[str, object] = {"member": member}
    if booking:
        doc["booking"] = booking
    if session_id:
        doc["id"] = session_id
    with plat.uow() as uow:
        print_json(sessions.start_session(uow, plat.clock.now_ms(), tenant, asset, doc,
                                          _publisher()))


@sessions_app.command("stop")
def stop_session(session_id: str, tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(sessions.stop_session(uow, plat.clock.now_ms(), tenant, session_id,
                                         publisher=_publisher()))


@sessions_app.command("list")
def list_sessions(asset: str = typer.Option(""), member: str = typer.Option(""),
                  status: str = typer.Option(""), tenant: str = TenantOption,
                  as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = sessions.list_sessions(uow, tenant, asset=asset or None, member=member or None,
                                      status=status or None)
    show(rows, as_json, "Sessions", _SESSION_COLUMNS)


@sharing_app.command("statement")
def statement(owner: str, start: str = typer.Option(..., "--from", help="RFC 3339 or epoch ms."),
              end: str = typer.Option(..., "--to", help="RFC 3339 or epoch ms."),
              tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """An owner's sessions and fees of a period: collected, platform fee, payout."""
    start_ms, end_ms = bookings.read_time(start, "from"), bookings.read_time(end, "to")
    if end_ms <= start_ms:
        fail("to: must be after from")
    with platform().uow(readonly=True) as uow:
        found = revenue_split.owner_statement(uow, tenant, owner, start_ms, end_ms)
    if as_json:
        print_json(found)
        return
    show(found["items"], False, f"Statement of {owner}",
         ["at_ms", "kind", "source", "asset", "member", "energy_kwh", "collected",
          "platform_fee", "owner_payout", "currency"])
    show(found["totals"], False, "Totals", ["currency", "sessions", "fees", "energy_kwh",
                                            "collected", "platform_fee", "owner_payout"])


@sharing_app.command("sweep")
def sweep(tenant: str = typer.Option("", "--tenant", "-t", envvar="MONETIOT_TENANT",
                                     help="Only this tenant (default: every tenant).")) -> None:
    """Apply session stops devices reported; mark no-shows and charge their fees."""
    plat = platform()
    print_json(sessions.sweep(plat.uow, plat.clock.now_ms(), tenant or None))
