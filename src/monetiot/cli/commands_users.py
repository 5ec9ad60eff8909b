"""`monetiot users ...`: console and portal accounts (operators, and customers' own logins)."""

from __future__ import annotations

import typer

from monetiot.cli import app
from monetiot.cli.context import JsonOption, TenantOption, platform, print_json, show
from monetiot.services import users as service

users = typer.Typer(help="Console users: operators, and customers for the portal.",
                    no_args_is_help=True)
app.add_typer(users, name="users")


@users.command("create")
def user_create(email: str,
                role: str = typer.Option(..., help="operator (the console) or customer "
                                                   "(the portal of --customer)."),
                customer: str = typer.Option(None, help="The customer a portal user sees."),
                tenant: str = TenantOption) -> None:
    """Create a user and print its generated password (shown once, stored hashed)."""
    plat = platform()
    with plat.uow() as uow:
        new = service.create_user(uow, plat.clock.now_ms(), tenant, email, role, customer)
    print_json(new.user | {"tenant": tenant, "password": new.password})


@users.command("list")
def user_list(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = service.list_users(uow, tenant)
    show(rows, as_json, "Users", ["email", "role", "customer", "created_ms", "disabled_ms"])


@users.command("reset-password")
def user_reset(email: str, tenant: str = TenantOption) -> None:
    """Generate a new password (shown once); the user's sessions end."""
    with platform().uow() as uow:
        new = service.reset_password(uow, tenant, email)
    print_json({"email": new.user["email"], "password": new.password})


@users.command("disable")
def user_disable(email: str, tenant: str = TenantOption) -> None:
    """The user can no longer sign in; open sessions end now."""
    plat = platform()
    with plat.uow() as uow:
        row = service.disable_user(uow, plat.clock.now_ms(), tenant, email)
    typer.echo(f"disabled {row['email']}")
