"""`monetiot plans apply|list|show|preview`: the plan catalog from a terminal.

Plan and usage files are JSON or YAML (by suffix), their numbers read exactly. An invalid
document prints one line on stderr naming the file, the line (YAML) and the field
(`pro.yaml:23: usage[0].charge.tiers[1].up_to: must be greater than ...`) and exits 2.
`preview` needs no database: it prices one period of a plan file for a usage table.
"""

from __future__ import annotations

from pathlib import Path

import typer

from monetiot.cli import app, fail
from monetiot.cli.context import JsonOption, TenantOption, platform, print_json, show
from monetiot.domain.errors import InvalidInput, MonetiotError
from monetiot.domain.plans import (
    Plan,
    parse_period_inputs,
    parse_plan,
    price_period,
    rating_text,
    rating_to_json,
)
from monetiot.services import catalog
from monetiot.userfiles import Document, read_located

plans = typer.Typer(help="Plans: versioned charges, commitments and entitlements.",
                    no_args_is_help=True)
app.add_typer(plans, name="plans")


@plans.command("apply")
def plan_apply(
    file: Path = typer.Argument(..., metavar="FILE", help="Plan document, YAML or JSON."),
    tenant: str = TenantOption,
) -> None:
    """Store the plan as its next version (nothing new when the latest version is the same)."""
    try:
        document, _ = _plan(file)
        plat = platform()
        with plat.uow() as uow:
            print_json(catalog.apply_plan(uow, plat.clock.now_ms(), tenant, document.data))
    except MonetiotError as exc:
        fail(str(exc))


@plans.command("list")
def plan_list(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    try:
        with platform().uow(readonly=True) as uow:
            rows = catalog.list_plans(uow, tenant)
    except MonetiotError as exc:
        fail(str(exc))
        return
    show(rows, as_json, "Plans", ["id", "name", "latest_version", "created_ms"])


@plans.command("show")
def plan_show(
    plan_id: str = typer.Argument(..., metavar="ID"),
    version: int | None = typer.Option(None, "--version", help="Version (default: latest)."),
    tenant: str = TenantOption,
) -> None:
    """Print a version of the plan, its document and the list of its versions, as JSON."""
    try:
        with platform().uow(readonly=True) as uow:
            print_json(catalog.get_plan(uow, tenant, plan_id, version))
    except MonetiotError as exc:
        fail(str(exc))


@plans.command("preview")
def plan_preview(
    file: Path = typer.Argument(..., metavar="FILE", help="Plan document, YAML or JSON."),
    usage: Path = typer.Option(..., "--usage", help="Usage table of one period, YAML or JSON."),
    as_json: bool = JsonOption,
) -> None:
    """Price one period of a plan file for a usage table (no database): lines and total."""
    try:
        _, plan = _plan(file)
        table = read_located(usage, "usage")
        try:
            rating = price_period(plan, parse_period_inputs(table.data, plan))
        except InvalidInput as exc:
            raise table.locate(exc) from None
    except MonetiotError as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(rating_to_json(rating))
    else:
        typer.echo(rating_text(plan, rating), nl=False)


def _plan(file: Path) -> tuple[Document, Plan]:
    document = read_located(file, "plan")
    try:
        return document, parse_plan(document.data)
    except InvalidInput as exc:
        raise document.locate(exc) from None
