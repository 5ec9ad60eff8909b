"""`monetiot tenants|keys|customers|devices|profiles ...`: the fleet registry from a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from monetiot.cli import app
from monetiot.cli.context import JsonOption, TenantOption, platform, print_json, show
from monetiot.services import access, fleet
from monetiot.web.responses import parse_time

tenants = typer.Typer(help="Tenants (each is one operator's isolated space).", no_args_is_help=True)
keys = typer.Typer(help="API keys: admin, ingest, read.", no_args_is_help=True)
customers = typer.Typer(help="Customers.", no_args_is_help=True)
devices = typer.Typer(help="Devices and their assignments.", no_args_is_help=True)
profiles = typer.Typer(help="Device profiles mapping vendor JSON.", no_args_is_help=True)
app.add_typer(tenants, name="tenants")
app.add_typer(keys, name="keys")
app.add_typer(customers, name="customers")
app.add_typer(devices, name="devices")
app.add_typer(profiles, name="profiles")


@tenants.command("create")
def tenant_create(tenant_id: str, name: str = typer.Option("", help="Display name.")) -> None:
    """Create a tenant and print its first admin key (shown once)."""
    plat = platform()
    with plat.uow() as uow:
        key = access.create_tenant(uow, plat.clock.now_ms(), tenant_id, name)
    print_json({"tenant": tenant_id, "admin_key": key.key})


@keys.command("create")
def key_create(scope: str, name: str = typer.Option(""), tenant: str = TenantOption) -> None:
    """Create an API key (admin, ingest or read); it is shown once."""
    plat = platform()
    with plat.uow() as uow:
        key = access.create_api_key(uow, plat.clock.now_ms(), tenant, scope, name)
    print_json({"id": key.id, "key": key.key, "scope": key.scope})


@keys.command("list")
def key_list(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = access.list_api_keys(uow, tenant)
    show(rows, as_json, "API keys", ["id", "name", "scope", "created_ms", "revoked_ms"])


@keys.command("revoke")
def key_revoke(key_id: str, tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        access.revoke_api_key(uow, plat.clock.now_ms(), tenant, key_id)
    typer.echo(f"revoked {key_id}")


@customers.command("create")
def customer_create(customer_id: str, name: str = typer.Option(""),
                    timezone: str = typer.Option("UTC"), email: str = typer.Option(""),
                    tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(fleet.create_customer(uow, plat.clock.now_ms(), tenant, {
            "id": customer_id, "name": name, "timezone": timezone, "email": email or None}))


@customers.command("list")
def customer_list(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = fleet.list_customers(uow, tenant)
    show(rows, as_json, "Customers", ["id", "name", "timezone", "email"])


@devices.command("create")
def device_create(device_id: str, name: str = typer.Option(""),
                  customer: str = typer.Option("", help="Assign to this customer from now."),
                  profile: str = typer.Option("", help="Device profile id."),
                  tenant: str = TenantOption) -> None:
    """Register a device; prints its MQTT/HTTP credentials (the password is shown once)."""
    plat = platform()
    with plat.uow() as uow:
        made = fleet.create_device(uow, plat.clock.now_ms(), tenant, {
            "id": device_id, "name": name, "customer": customer or None,
            "profile": profile or None})
    print_json({"device": made.device,
                "credentials": {"username": made.username, "password": made.password}})


@devices.command("list")
def device_list(customer: str = typer.Option(""), tenant: str = TenantOption,
                as_json: bool = JsonOption) -> None:
    plat = platform()
    with plat.uow(readonly=True) as uow:
        rows = fleet.list_devices(uow, tenant, plat.clock.now_ms(),
                                  plat.settings.offline_after_ms, customer or None)
        zone = str(fleet.get_customer(uow, tenant, customer)["timezone"]) if customer else "UTC"
    show(rows, as_json, "Devices", ["id", "name", "profile", "state", "last_seen_ms"],
         zone=zone)


@devices.command("show")
def device_show(device_id: str, tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow(readonly=True) as uow:
        print_json(fleet.get_device(uow, tenant, device_id, plat.clock.now_ms(),
                                    plat.settings.offline_after_ms))


@devices.command("assign")
def device_assign(device_id: str, customer: str = typer.Argument(
                      ..., help="Customer id, or '-' to unassign."),
                  start: str = typer.Option("", "--from", help="RFC 3339 or epoch ms; now."),
                  tenant: str = TenantOption) -> None:
    """Assign a device to a customer from a time on; earlier usage stays with its owner."""
    plat = platform()
    start_ms = parse_time(start, "from") or plat.clock.now_ms()
    with plat.uow() as uow:
        print_json(fleet.assign_device(uow, tenant, device_id,
                                       None if customer == "-" else customer, start_ms))


@profiles.command("apply")
def profile_apply(profile_id: str, file: Path, tenant: str = TenantOption) -> None:
    """Create or replace a device profile from a JSON file."""
    plat = platform()
    spec = json.loads(file.read_text())
    with plat.uow() as uow:
        print_json(fleet.apply_profile(uow, plat.clock.now_ms(), tenant, profile_id, spec))


@profiles.command("list")
def profile_list(tenant: str = TenantOption) -> None:
    with platform().uow(readonly=True) as uow:
        print_json(fleet.list_profiles(uow, tenant))
