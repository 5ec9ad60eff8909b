"""`monetiot payments|reminders` and `monetiot invoices void|overdue`: money in and out."""

from __future__ import annotations

import typer

from monetiot.cli import app
from monetiot.cli.commands_billing import invoices_app
from monetiot.cli.context import JsonOption, TenantOption, platform, print_json, show
from monetiot.services import payments

payments_app = typer.Typer(help="Payments and refunds against invoices.", no_args_is_help=True)
app.add_typer(payments_app, name="payments")


@payments_app.command("record")
def record(invoice_id: str, amount: str,
           key: str = typer.Option(..., "--key", help="Idempotency key: a retry is safe."),
           method: str = typer.Option("manual", help="manual, bank_transfer, card or "
                                                     "direct_debit"),
           reference: str = typer.Option("", help="The bank's or the payer's reference."),
           tenant: str = TenantOption) -> None:
    """Record money received for a finalized invoice."""
    plat = platform()
    doc: dict[str, object] = {"amount": amount, "method": method, "idempotency_key": key}
    if reference:
        doc["reference"] = reference
    with plat.uow() as uow:
        print_json(payments.record_payment(uow, plat.clock.now_ms(), tenant, invoice_id, doc))


@payments_app.command("refund")
def refund(payment_id: str, amount: str,
           key: str = typer.Option(..., "--key", help="Idempotency key: a retry is safe."),
           reference: str = typer.Option(""), tenant: str = TenantOption) -> None:
    """Record money given back for a payment."""
    plat = platform()
    doc: dict[str, object] = {"amount": amount, "idempotency_key": key}
    if reference:
        doc["reference"] = reference
    with plat.uow() as uow:
        print_json(payments.refund(uow, plat.clock.now_ms(), tenant, payment_id, doc))


@payments_app.command("list")
def list_(invoice_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        found = payments.list_payments(uow, tenant, invoice_id)
    if as_json:
        print_json(found)
    else:
        show(found["payments"], False, f"Payments of {invoice_id} ({found['status']}, "
             f"{found['amount_due']} {found['currency']} due)",
             ["id", "kind", "method", "status", "amount", "reference", "created_ms"])


@invoices_app.command("void")
def void(invoice_id: str, tenant: str = TenantOption) -> None:
    """Void a finalized invoice that has no payments (a paid one needs a credit note)."""
    plat = platform()
    with plat.uow() as uow:
        print_json(payments.void_invoice(uow, plat.clock.now_ms(), tenant, invoice_id))


@invoices_app.command("overdue")
def overdue(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    plat = platform()
    with plat.uow(readonly=True) as uow:
        rows = payments.overdue(uow, plat.clock.now_ms(), tenant)
    show(rows, as_json, "Overdue invoices", ["number", "id", "customer", "currency", "total",
                                             "amount_due", "days_overdue"])


@app.command("reminders")
def reminders(tenant: str = typer.Option("", "--tenant", "-t", envvar="MONETIOT_TENANT",
                                         help="Only this tenant (default: every tenant).")
              ) -> None:
    """Send `invoice.overdue` reminders due now (1, 7, 14, 30 days overdue), each once."""
    plat = platform()
    report = payments.send_reminders(plat.uow, plat.clock.now_ms(), tenant=tenant or None)
    print_json({"invoices": report.invoices, "sent": report.sent, "errors": report.errors})
    if report.errors:
        raise typer.Exit(1)
