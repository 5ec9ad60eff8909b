"""`monetiot invoices pdf|export`: an invoice's PDF, and invoices or their lines as CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from monetiot.cli.commands_billing import invoices_app
from monetiot.cli.context import TenantOption, platform
from monetiot.documents.exports import ExportFilter, export_csv, invoice_document
from monetiot.web.responses import parse_time

OutOption = typer.Option(None, "--out", "-o", help="File to write; `-` for standard output.")


@invoices_app.command("pdf")
def inv_pdf(invoice_id: str, out: Path | None = OutOption, tenant: str = TenantOption) -> None:
    """Write the invoice as a PDF (default: ./<number>.pdf, or ./<id>.pdf for a draft)."""
    with platform().uow(readonly=True) as uow:
        document = invoice_document(uow, tenant, invoice_id)
    content = document.pdf()
    if out is not None and str(out) == "-":
        sys.stdout.buffer.write(content)
        return
    target = out or Path(document.filename)
    target.write_bytes(content)
    typer.echo(f"{target} ({len(content)} bytes)", err=True)


@invoices_app.command("export")
def inv_export(lines: bool = typer.Option(False, "--lines", help="One row per invoice line."),
               out: Path | None = OutOption,
               customer: str = typer.Option("", help="Only this customer's invoices."),
               status: str = typer.Option("", help="draft, finalized, paid or void."),
               start: str = typer.Option("", "--from", help="Period start at or after "
                                                            "(RFC 3339 or epoch ms)."),
               end: str = typer.Option("", "--to", help="Period start before."),
               tenant: str = TenantOption) -> None:
    """Invoices as CSV (RFC 4180, exact amounts), to standard output or --out."""
    where = ExportFilter(customer=customer or None, status=status or None,
                         start_from_ms=parse_time(start, "from"),
                         start_before_ms=parse_time(end, "to"))
    with platform().uow(readonly=True) as uow:
        text = export_csv(uow, tenant, where, lines=lines)
    if out is None or str(out) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    out.write_bytes(text.encode("utf-8"))
    typer.echo(f"{out} ({text.count(chr(10)) - 1} rows)", err=True)
