"""`monetiot demo`: the whole product on the embedded database, in one command."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from monetiot.cli import app
from monetiot.domain.timetext import period_text

if TYPE_CHECKING:
    from monetiot.demo import DemoResult


@app.command("demo")
def demo(port: int = typer.Option(8000, help="Port of the web app."),
         serve: bool = typer.Option(True, "--serve/--no-serve",
                                    help="Serve the web app after the summary."),
         months: int = typer.Option(3, min=1, max=24),
         devices_per_kind: int = typer.Option(5, min=1, max=200),
         db: Path = typer.Option(Path("var/demo.db"), help="SQLite file (recreated).")) -> None:
    """Simulate a fleet for a few months through the real ingest path, then show the results."""
    from monetiot import demo as scenario

    console = Console()
    console.print(f"[bold]monetiot demo[/]: {months} months of telemetry from "
                  f"{devices_per_kind * 4} devices, into {db}")
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("streaming telemetry", total=1.0)
        result = scenario.run(db, months, devices_per_kind,
                              lambda done, total: progress.update(task, completed=done / total))
    info = scenario.summary(result)
    records = info["records"]
    console.print(
        f"Ingested {info['payloads']} payloads: [green]{records.get('accepted', 0)} accepted[/], "
        f"{records.get('duplicate', 0)} duplicates (counted once), "
        f"[red]{records.get('rejected', 0)} rejected[/] -> quarantine {info['quarantine']}")
    for reason, n in info["rejections"].items():
        console.print(f"  {n:>4} x {reason}")
    rows = scenario.usage_by_customer_month(result)
    month_names = sorted({k for r in rows for k in r if k not in ("customer", "meter")})
    table = Table(title="Metered usage by customer, meter and month (customer's time zone)")
    for column in ["customer", "meter", *month_names]:
        table.add_column(column, justify="left" if column in ("customer", "meter") else "right")
    for row in rows:
        table.add_row(row["customer"], row["meter"], *(_cell(row.get(m)) for m in month_names))
    console.print(table)
    invoices = sorted(scenario.invoices(result), key=lambda inv: inv["number"] or "")
    zones = {c[0]: c[2] for c in scenario.CUSTOMERS}
    console.print(f"Billed {len(invoices)} invoices, {invoices[0]['number'] if invoices else ''}"
                  f" to {invoices[-1]['number'] if invoices else ''}:")
    bills = Table(title="The last ten invoices (periods in the customer's time zone)")
    for column in ("number", "customer", "period", "status", "total"):
        bills.add_column(column, justify="right" if column == "total" else "left")
    for inv in invoices[-10:]:
        bills.add_row(inv["number"] or "draft", inv["customer"],
                      period_text(inv["period_start_ms"], inv["period_end_ms"],
                                  zones[inv["customer"]]),
                      inv["status"], f"{inv['currency']} {Decimal(inv['total']):,}")
    console.print(bills)
    by_model = scenario.revenue_by_model(result)
    issue_months = sorted({m for row in by_model.values() for m in row})
    revenue = Table(title="Revenue by business model (EUR, invoiced incl. tax, by month of issue)")
    for column in ["model", *issue_months, "total"]:
        revenue.add_column(column, justify="left" if column == "model" else "right")
    for model, row in sorted(by_model.items()):
        revenue.add_row(model, *(_cell(row.get(m)) for m in issue_months),
                        _cell(sum(row.values(), Decimal(0))))
    console.print(revenue)
    _print_sharing(console, result)
    console.print(f"Admin API key (shown once): [bold]{result.admin_key}[/]")
    if not serve:
        return
    import uvicorn

    from monetiot.web.app import create_app

    console.print(f"Serving on http://127.0.0.1:{port}  (API docs: /docs; Ctrl+C stops)")
    _print_logins(console, result, port)
    uvicorn.run(create_app(result.platform), host="127.0.0.1", port=port, log_level="warning")


def _print_sharing(console: Console, result: DemoResult) -> None:
    """The shared-charger network: what GridShare's chargers did, and what GridShare is paid."""
    from monetiot import demo_sharing
    from monetiot.demo import TENANT

    rows = demo_sharing.summary(result.platform, TENANT, result.start_ms, result.end_ms)
    table = Table(title="Shared chargers of GridShare Partners (EUR excl. tax; platform fee 15 %)")
    columns = ("month", "sessions", "fees", "energy_kwh", "collected", "platform_fee",
               "owner_payout")
    titles = ("month", "sessions", "late/no-show", "kWh", "collected", "platform", "owner")
    for title in titles:
        table.add_column(title, justify="left" if title == "month" else "right")
    for row in rows:
        table.add_row(*(_cell(row[c]) if isinstance(row[c], Decimal) else str(row[c])
                        for c in columns))
    console.print(table)


def _cell(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01')):,}" if value != value.to_integral_value() \
            else f"{value:,}"
    return "" if value is None else str(value)


def _print_logins(console: Console, result: DemoResult, port: int) -> None:
    """The console's address and the demo's logins (passwords are shown this once)."""
    from monetiot.demo import TENANT

    console.print(f"Console and portal: [bold]http://127.0.0.1:{port}/login[/]  (tenant "
                  f"[bold]{TENANT}[/])")
    for login in result.logins:
        where = "console" if login["role"] == "operator" else f"portal of {login['customer']}"
        console.print(f"  {where:<28} {login['email']}  password [bold]{login['password']}[/]",
                      soft_wrap=True)
    console.print("  or sign in to the console with the admin API key above")
