"""What CLI commands share: the bootstrapped platform, the tenant option, output helpers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from monetiot.bootstrap import Platform, bootstrap
from monetiot.web.responses import exact


def _known_tenant(tenant: str) -> str:
    """Refuse a tenant that does not exist before a command works on it."""
    from monetiot.cli import fail
    from monetiot.domain.errors import MonetiotError
    from monetiot.services.access import require_tenant

    try:
        with platform().uow(readonly=True) as uow:
            require_tenant(uow, tenant)
    except MonetiotError as exc:
        fail(str(exc))  # one line and status 2, like every other bad input
    return tenant


TenantOption = typer.Option(..., "--tenant", "-t", envvar="MONETIOT_TENANT",
                            help="Tenant id (or MONETIOT_TENANT).", callback=_known_tenant)
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")

_platform: Platform | None = None


def platform() -> Platform:
    global _platform
    if _platform is None:
        _platform = bootstrap()
    return _platform


def print_json(value: Any) -> None:
    typer.echo(json.dumps(exact(value), indent=2, ensure_ascii=False))


def print_table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(exact(row.get(c))) for c in columns))
    Console().print(table)


def show(value: Any, as_json: bool, title: str, columns: Sequence[str]) -> None:
    if as_json or not isinstance(value, list):
        print_json(value)
    else:
        print_table(title, value, columns)
