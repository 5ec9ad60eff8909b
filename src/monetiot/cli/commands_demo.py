"""`monetiot demo`: the whole product on the embedded database, in one command."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from monetiot.cli import app


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
    console.print(f"Admin API key (shown once): [bold]{result.admin_key}[/]")
    if not serve:
        return
    import uvicorn

    from monetiot.web.app import create_app

    console.print(f"Serving on http://127.0.0.1:{port}  (API docs: /docs; Ctrl+C stops)")
    uvicorn.run(create_app(result.platform), host="127.0.0.1", port=port, log_level="warning")


def _cell(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01')):,}" if value != value.to_integral_value() \
            else f"{value:,}"
    return "" if value is None else str(value)
