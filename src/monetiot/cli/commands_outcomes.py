"""`monetiot outcome-preview` and `monetiot outcomes create|list|show|settle` (docs/outcomes.md).

`outcome-preview CONTRACT` needs no database: it reads the contract (JSON or YAML, numbers
exact), fits its baseline and prints the model, every reporting period's adjusted baseline,
actual, savings and fee, and the totals as JSON on stdout; warnings (a model outside the ASHRAE
Guideline 14 thresholds, an extrapolated period) also go to stderr. The `outcomes` commands work
on a tenant's stored contracts. Errors print one line naming the field and exit 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

from monetiot.cli import app, fail
from monetiot.cli.context import JsonOption, TenantOption, platform, print_json, show
from monetiot.domain.errors import InvalidInput, MonetiotError
from monetiot.domain.outcomes import parse_contract, preview
from monetiot.services import outcomes
from monetiot.userfiles import read_located
from monetiot.web.responses import parse_time

outcomes_app = typer.Typer(help="Outcome contracts: customers pay for results.",
                           no_args_is_help=True)
app.add_typer(outcomes_app, name="outcomes")


@app.command("outcome-preview")
def outcome_preview(
    contract_file: Path = typer.Argument(..., metavar="CONTRACT",
                                         help="Outcome contract, JSON or YAML."),
) -> None:
    """Fit the baseline and price every reporting period from its inline actuals."""
    document = read_located(contract_file, "contract")
    try:
        result = preview(parse_contract(document.data))
    except MonetiotError as exc:
        fail(str(document.locate(exc)))
        return
    for warning in result["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    print_json(result)


@outcomes_app.command("create")
def create(contract_file: Path = typer.Argument(..., metavar="FILE"),
           tenant: str = TenantOption) -> None:
    """Store an outcome contract (immutable: the same file again changes nothing)."""
    document = read_located(contract_file, "contract")
    plat = platform()
    try:
        with plat.uow() as uow:
            view, _ = outcomes.create(uow, plat.clock.now_ms(), tenant, document.data)
    except InvalidInput as exc:
        fail(str(document.locate(exc)))
        return
    print_json(view)


@outcomes_app.command("list")
def list_contracts(customer: str = typer.Option("", help="Only this customer's contracts."),
                   tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = outcomes.list_all(uow, tenant, customer or None)
    show(rows, as_json, "Outcome contracts", ["id", "customer", "form", "currency"])


@outcomes_app.command("show")
def show_contract(contract_id: str, tenant: str = TenantOption) -> None:
    """The contract, its document and its settled periods."""
    with platform().uow(readonly=True) as uow:
        print_json(outcomes.get(uow, tenant, contract_id))


@outcomes_app.command("settle")
def settle(
    contract_id: str,
    start: str = typer.Option(..., "--from", help="Period start: RFC 3339 or epoch ms."),
    end: str = typer.Option(..., "--to", help="Period end (exclusive)."),
    var: list[str] = typer.Option([], "--var",
                                  help="A condition the contract does not list: hdd=412.5"),
    tenant: str = TenantOption,
) -> None:
    """Settle one ended period: its fee (or credit) goes on the customer's next invoice."""
    body: dict[str, object] = {"start": parse_time(start, "from"), "end": parse_time(end, "to")}
    if var:
        pairs = [v.partition("=") for v in var]
        if any(not name or not sep for name, sep, _ in pairs):
            fail("--var: use NAME=VALUE, e.g. --var hdd=412.5")
        body["variables"] = {name.strip(): value.strip() for name, _, value in pairs}
    plat = platform()
    with plat.uow() as uow:
        settlement, _ = outcomes.settle_period(uow, plat.clock.now_ms(), tenant, contract_id,
                                               body)
    print_json(settlement)
