"""`monetiot advise`: which business model should this fleet use? (docs/advisor.md)

Reads the assumptions (YAML or JSON, numbers exact; a model's `plan_file` is read relative to
the assumptions file) and the usage history, from a CSV file (`--usage`) or from a tenant's
meters (`--tenant`, months `--from`/`--to`); prints the ranked models, their failures and the
sensitivity as tables, or the advice document (`--json`); writes the HTML report (`--html`).
`--example` runs the worked example of docs/advisor.md. Errors print one line and exit 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from monetiot.cli import app, fail
from monetiot.cli.context import JsonOption, platform, print_json
from monetiot.domain.advisor import Assumptions, UsageHistory, parse_assumptions
from monetiot.domain.errors import InvalidInput, MonetiotError
from monetiot.services import advisor
from monetiot.userfiles import read_document, read_located


@app.command("advise")
def advise(
    assumptions: Path | None = typer.Argument(
        None, metavar="ASSUMPTIONS", help="Assumptions file, YAML or JSON (docs/advisor.md)."),
    usage: Path | None = typer.Option(
        None, "--usage", help="Usage history CSV: device,month,meter,quantity."),
    tenant: str | None = typer.Option(
        None, "--tenant", "-t", help="Read the usage history from this tenant's meters."),
    start: str | None = typer.Option(None, "--from", help="First month (YYYY-MM), --tenant."),
    end: str | None = typer.Option(None, "--to", help="Last month (YYYY-MM), --tenant."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    example: bool = typer.Option(False, "--example",
                                 help="Run the worked example of docs/advisor.md."),
    as_json: bool = JsonOption,
) -> None:
    """Replay the fleet's usage through every business model and rank them."""
    try:
        if example:
            if assumptions is not None or usage is not None or tenant is not None:
                raise InvalidInput("--example takes no assumptions, --usage or --tenant")
            assumptions, usage = advisor.example_files()
        if assumptions is None:
            raise InvalidInput("give an ASSUMPTIONS file (or --example)")
        parsed = load_assumptions(assumptions)
        history = _history(parsed, usage, tenant, start, end)
        doc = advisor.advise(parsed, history)
        if html is not None:
            from monetiot.reports.advisor import render

            html.write_text(render(doc), encoding="utf-8")
    except MonetiotError as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(f"cannot write the report: {exc}")
        return
    if as_json:
        print_json(doc)
        return
    show(doc)
    if html is not None:
        Console().print(f"Report written to {html}")


def load_assumptions(path: Path) -> Assumptions:
    """The assumptions file, every `plan_file` replaced by the plan it names; errors name the
    file and line."""
    document = read_located(path, "assumptions")
    data = _with_plan_files(document.data, path.parent)
    try:
        return parse_assumptions(data)
    except InvalidInput as exc:
        raise document.locate(exc) from None


def _with_plan_files(data: Any, base: Path) -> Any:
    if not isinstance(data, Mapping):
        return data

    def resolved(entry: Any) -> Any:
        if isinstance(entry, Mapping) and isinstance(entry.get("plan_file"), str):
            entry = dict(entry)
            entry["plan"] = read_document(base / entry.pop("plan_file"), "plan")
        return entry

    out = dict(data)
    if isinstance(out.get("models"), Mapping):
        out["models"] = {k: resolved(v) for k, v in out["models"].items()}
    if isinstance(out.get("hybrids"), list):
        out["hybrids"] = [resolved(v) for v in out["hybrids"]]
    return out


def _history(parsed: Assumptions, usage: Path | None, tenant: str | None, start: str | None,
             end: str | None) -> UsageHistory:
    if (usage is None) == (tenant is None):
        raise InvalidInput("give the usage history: --usage CSV or --tenant, one of them")
    if usage is not None:
        if start is not None or end is not None:
            raise InvalidInput("--from and --to go with --tenant (a CSV holds its months)")
        return advisor.usage_from_csv(usage)
    plat = platform()
    with plat.uow(readonly=True) as uow:
        return advisor.usage_from_store(uow, str(tenant), parsed, plat.clock.now_ms(), start,
                                        end)


def show(doc: Mapping[str, Any]) -> None:
    console = Console()
    h = doc["history"]
    console.print(f"[bold]Revenue-model advisor[/]: {h['profiles']} usage profiles from "
                  f"{h['source']} ({h['from']} to {h['to']}), {doc['horizon_months']} months, "
                  f"{doc['currency']}")
    rec = doc["recommendation"]
    console.print(f"\n[bold green]Recommended: {rec['name']}[/] ({rec['model']})")
    for reason in rec["reasons"]:
        console.print(f"  - {reason}")
    ranking = Table(
        title=f"Ranked by net present value ({doc['currency']})",
        caption="break-even: the month from which the cumulative cash flow stays >= 0; "
                "payback: months a customer needs to earn back its hardware and acquisition; "
                "TCO/buy: what a customer pays over the horizon against buying outright; "
                "price: the model's main price point, now and at zero NPV")
    for column in ("#", "model", "NPV", "break-even", "margin/mo", "LTV", "LTV/CAC", "payback",
                   "TCO/buy", "price", "at zero NPV"):
        ranking.add_column(column, justify="left" if column == "model" else "right",
                           no_wrap=column in ("model", "NPV"))
    for m in doc["models"]:
        price = m["break_even_price"] or {}
        ranking.add_row(
            str(m["rank"]), m["name"], _n(m["npv"]), _n(m["break_even_month"]),
            _n(m["margin_per_month"]), _n(m["ltv"]), _n(m["ltv_to_cac"]),
            _n(m["cac_payback_months"]), _n(m["tco_vs_outright"]), _n(price.get("now")),
            _n(price.get("break_even")))
    console.print(ranking)
    console.print("[bold]Where each model fails[/]")
    for m in doc["models"]:
        console.print(f"{m['name']}:" + ("" if m["failures"] else " no failure found"))
        for failure in m["failures"]:
            console.print(f"  - [red]{failure}[/]")
    best = doc["models"][0]
    tornado = Table(title=f"Sensitivity: {best['name']}'s NPV with each assumption -/+20 %")
    for column in ("assumption", "today", "NPV at -20 %", "NPV at +20 %", "best at -20 %",
                   "best at +20 %"):
        tornado.add_column(column, justify="left" if column.startswith(("assumption", "best"))
                           else "right")
    names = {m["id"]: m["name"] for m in doc["models"]}
    for row in doc["sensitivity"]:
        tornado.add_row(row["label"], _n(row["base"]), _n(row["low"][best["id"]]),
                        _n(row["high"][best["id"]]), names[row["winner_low"]],
                        names[row["winner_high"]])
    console.print(tornado)


def _n(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return format(value, ",f")
