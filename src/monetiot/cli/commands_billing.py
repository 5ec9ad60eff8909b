"""`monetiot subscriptions|bill|invoices|credits ...`: billing from a terminal."""

from __future__ import annotations

from pathlib import Path

import typer

from monetiot.cli import app
from monetiot.cli.context import (
    JsonOption,
    TenantOption,
    customer_zones,
    every_page,
    platform,
    print_json,
    show,
)
from monetiot.domain.jsonexact import loads
from monetiot.services import billing, credits, subscriptions
from monetiot.web.responses import parse_time

subs_app = typer.Typer(help="Subscriptions: a customer on a plan.", no_args_is_help=True)
invoices_app = typer.Typer(help="Invoices.", no_args_is_help=True)
credits_app = typer.Typer(help="Tax settings, coupons, wallets, credit notes.",
                          no_args_is_help=True)
app.add_typer(subs_app, name="subscriptions")
app.add_typer(invoices_app, name="invoices")
app.add_typer(credits_app, name="credits")


@subs_app.command("create")
def sub_create(customer: str, plan: str, sub_id: str = typer.Option("", "--id"),
               version: int = typer.Option(0, help="Plan version; latest by default."),
               start: str = typer.Option("", "--start", help="RFC 3339 or epoch ms; now."),
               anchor: str = typer.Option("calendar", help="calendar or anniversary"),
               seats: int = typer.Option(0), tenant: str = TenantOption) -> None:
    plat = platform()
    doc: dict[str, object] = {"customer": customer, "plan": plan, "anchor": anchor,
                              "seats": seats}
    if sub_id:
        doc["id"] = sub_id
    if version:
        doc["version"] = version
    if start:
        doc["start_ms"] = parse_time(start, "start")
    with plat.uow() as uow:
        print_json(subscriptions.create(uow, plat.clock.now_ms(), tenant, doc))


@subs_app.command("list")
def sub_list(customer: str = typer.Option(""), tenant: str = TenantOption,
             as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = subscriptions.list_all(uow, tenant, customer or None)
    show(rows, as_json, "Subscriptions (times in the customer's zone)",
         ["id", "customer", "plan", "version", "status", "start_ms", "end_ms"],
         zone=lambda row: str(row["timezone"]))


@subs_app.command("change")
def sub_change(sub_id: str, plan: str, version: int = typer.Option(0),
               when: str = typer.Option("", help="now or period_end (default: upgrades now, "
                                                 "downgrades at period end)"),
               tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(subscriptions.change_plan(uow, plat.clock.now_ms(), tenant, sub_id, plan,
                                             version or None, when or None))


@subs_app.command("cancel")
def sub_cancel(sub_id: str, when: str = typer.Option("period_end", help="now or period_end"),
               tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(subscriptions.cancel(uow, plat.clock.now_ms(), tenant, sub_id, when))


@subs_app.command("pause")
def sub_pause(sub_id: str, tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(subscriptions.pause(uow, plat.clock.now_ms(), tenant, sub_id))


@subs_app.command("resume")
def sub_resume(sub_id: str, tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(subscriptions.resume(uow, plat.clock.now_ms(), tenant, sub_id))


@app.command("bill")
def bill(tenant: str = typer.Option("", "--tenant", "-t", envvar="MONETIOT_TENANT",
                                    help="Only this tenant (default: every tenant)."),
         draft: bool = typer.Option(False, help="Leave invoices as drafts.")) -> None:
    """Close every due billing period into invoices. Safe to re-run and to run concurrently."""
    plat = platform()
    report = billing.run(plat.uow, plat.clock.now_ms(), tenant or None, finalize=not draft)
    print_json({"subscriptions": report.subscriptions, "invoices": report.invoices,
                "errors": report.errors})
    if report.errors:
        raise typer.Exit(1)


@invoices_app.command("list")
def inv_list(customer: str = typer.Option(""), status: str = typer.Option(""),
             tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = every_page(lambda cursor: billing.list_invoices(
            uow, tenant, customer_id=customer or None, status=status or None, limit=1000,
            cursor=cursor))
        zones = customer_zones(uow, tenant)
    show(rows, as_json, "Invoices (periods in the customer's zone, last day included)",
         ["number", "id", "customer", "status", "currency", "total", "period"],
         zone=lambda row: zones.get(str(row["customer"]), "UTC"))


@invoices_app.command("show")
def inv_show(invoice_id: str, tenant: str = TenantOption) -> None:
    with platform().uow(readonly=True) as uow:
        print_json(billing.get_invoice(uow, tenant, invoice_id))


@credits_app.command("tax")
def tax(customer: str, rate: str = typer.Option("0"), inclusive: bool = False,
        terms_days: int = typer.Option(30), tenant: str = TenantOption) -> None:
    """Set a customer's tax rate (percent), inclusive or not, and payment terms."""
    plat = platform()
    with plat.uow() as uow:
        print_json(credits.set_customer_billing(uow, tenant, customer, {
            "tax_rate": rate, "tax_inclusive": inclusive, "payment_terms_days": terms_days}))


@credits_app.command("top-up")
def top_up(customer: str, amount: str, key: str = typer.Option(..., help="Idempotency key."),
           currency: str = "EUR", tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(credits.top_up(uow, plat.clock.now_ms(), tenant, customer, {
            "amount": amount, "currency": currency, "idempotency_key": key}))


@credits_app.command("wallet")
def wallet(customer: str, currency: str = "EUR", tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow(readonly=True) as uow:
        print_json(credits.wallet(uow, tenant, customer, currency, plat.clock.now_ms()))


@credits_app.command("coupon")
def coupon(file: Path, tenant: str = TenantOption) -> None:
    """Create a coupon from a JSON file."""
    plat = platform()
    with plat.uow() as uow:
        print_json(credits.create_coupon(uow, plat.clock.now_ms(), tenant,
                                         loads(file.read_text())))


@credits_app.command("credit-note")
def credit_note(invoice_id: str, amount: str, reason: str = typer.Option(...),
                refund: bool = False, key: str = typer.Option(""),
                tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(credits.issue_credit_note(uow, plat.clock.now_ms(), tenant, invoice_id, {
            "amount": amount, "reason": reason, "refund": refund,
            "idempotency_key": key or None}))


@app.command("simulate")
def simulate(scenario: Path = typer.Argument(..., help="Scenario file (YAML or JSON)."),
             db: Path | None = typer.Option(None, help="Keep the store in this SQLite file.")
             ) -> None:
    """Run a scenario (plans, customers, usage, changes, dates) on a throwaway store and print
    its invoices as JSON: check a plan before it goes live."""
    from monetiot import simulation

    result = simulation.run(simulation.load(scenario), db=db)
    typer.echo(simulation.to_json(result))


@credits_app.command("charge")
def one_off_charge(customer: str, amount: str, description: str = typer.Option(...),
                   key: str = typer.Option("", help="Idempotency key (the charge's id)."),
                   currency: str = "EUR", tenant: str = TenantOption) -> None:
    """Add a one-off charge to the customer's next invoice."""
    from monetiot.services import charges

    plat = platform()
    with plat.uow() as uow:
        print_json(charges.add(uow, plat.clock.now_ms(), tenant, customer, {
            "id": key or None, "amount": amount, "description": description,
            "currency": currency}))


@app.command("billing-worker")
def billing_worker(
    interval: float = typer.Option(300.0, min=1.0, help="Seconds between billing runs."),
    once: bool = typer.Option(False, "--once", help="Run once, then exit."),
) -> None:
    """The scheduled billing worker: every interval, close due periods (interim invoices and
    usage alerts included) and send overdue reminders. Safe to run on several machines."""
    import time

    from monetiot.services import payments

    plat = platform()
    while True:
        now = plat.clock.now_ms()
        report = billing.run(plat.uow, now)
        reminders = payments.send_reminders(plat.uow, now)
        typer.echo(f"billed {len(report.invoices)} invoices for {report.subscriptions} "
                   f"subscriptions; {len(report.errors)} errors; reminders: {reminders}",
                   err=True)
        for error in report.errors:
            typer.echo(f"  {error['tenant']}/{error['subscription']}: {error['error']}",
                       err=True)
        if once:
            return
        time.sleep(interval)
