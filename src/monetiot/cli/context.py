"""What CLI commands share: the bootstrapped platform, the tenant option, output helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.pages import Page
from monetiot.domain.timetext import period_text, time_text
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


def every_page(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """Every item of a list, page after page, following each page's cursor."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        items += page
        cursor = page.next_cursor
        if cursor is None:
            return items


def customer_zones(uow: Any, tenant: str) -> dict[str, str]:
    """Each customer's time zone, to print its times as the customer reads them."""
    from monetiot.services.fleet import list_customers

    return {str(c["id"]): str(c["timezone"]) for c in list_customers(uow, tenant)}


def print_json(value: Any) -> None:
    typer.echo(json.dumps(exact(value), indent=2, ensure_ascii=False))


T = TypeVar("T")
Zone = str | Callable[[dict[str, Any]], str]
DURATIONS = frozenset({"in_use_ms", "idle_ms", "skew_ms", "uncertainty_ms", "limit_ms"})


def cell(row: dict[str, Any], column: str, tz: str) -> str:
    """What a person reads: a `*_ms` time in the zone, a `period` by its first and last day
    (domain/timetext.py), anything else as its exact text."""
    if column == "period" and "period_start_ms" in row:
        return period_text(row.get("period_start_ms"), row.get("period_end_ms"), tz)
    value = row.get(column)
    if value is None:
        return ""
    if column.endswith("_ms") and column not in DURATIONS:
        return time_text(int(value), tz)
    return str(exact(value))


def print_table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str],
                zone: Zone = "UTC") -> None:
    """A table for people: times and periods in `zone` (a zone, or one per row, e.g. the
    customer's), said in the title when it is one zone for all."""
    fixed = isinstance(zone, str)
    table = Table(title=f"{title} (times in {zone})" if fixed and any(
        c.endswith("_ms") or c == "period" for c in columns) else title)
    for column in columns:
        table.add_column(column[:-3] if column.endswith("_ms") and column not in DURATIONS
                         else column)
    for row in rows:
        tz = zone if isinstance(zone, str) else zone(row)
        table.add_row(*(cell(row, c, tz) for c in columns))
    Console().print(table)


def show(value: Any, as_json: bool, title: str, columns: Sequence[str],
         zone: Zone = "UTC") -> None:
    if as_json or not isinstance(value, list):
        print_json(value)
    else:
        print_table(title, value, columns, zone)
