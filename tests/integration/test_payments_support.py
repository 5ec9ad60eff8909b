"""What the payment tests share: `Books`, a tenant whose invoices are made the real way.

`books.invoice("100.00")` applies a plan with one flat monthly fee of that price (paid in
advance, anniversary periods, so the first invoice is exactly the price), subscribes a new
customer to it and runs billing: the invoice comes back finalized, due in 30 days.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.services import access, billing, catalog, fleet, payments, subscriptions
from monetiot.store.billing_tables import outbox
from monetiot.store.billing_tables import payments as payments_table

DAY = 86_400_000
Row = dict[str, Any]


@dataclass
class Books:
    platform: Platform
    clock: FixedClock
    tenant: str = "acme"
    customers: int = 0
    admin_key: str = ""
    _made: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        with self.platform.uow() as uow:
            self.admin_key = access.create_tenant(uow, self.now, self.tenant,
                                                  self.tenant.title()).key

    @property
    def now(self) -> int:
        return self.clock.now_ms()

    def invoice(self, price: str = "100.00", *, finalize: bool = True,
                customer: str | None = None) -> str:
        plan_id = "fee-" + price.replace(".", "-")
        with self.platform.uow() as uow:
            catalog.apply_plan(uow, self.now, self.tenant, {
                "id": plan_id, "name": f"Fee {price}", "currency": "EUR",
                "billing_period": "monthly",
                "recurring": [{"id": "fee", "name": "Fee", "kind": "flat", "price": price,
                               "timing": "in_advance"}]})
        if customer is None:
            self.customers += 1
            customer = f"cust-{self.customers}"
        if customer not in self._made:
            with self.platform.uow() as uow:
                fleet.create_customer(uow, self.now, self.tenant, {"id": customer})
            self._made.add(customer)
        with self.platform.uow() as uow:
            subscriptions.create(uow, self.now, self.tenant, {
                "customer": customer, "plan": plan_id, "anchor": "anniversary"})
        report = billing.run(self.platform.uow, self.now, self.tenant, finalize=finalize)
        assert not report.errors, report.errors
        (invoice_id,) = report.invoices
        return invoice_id

    def get(self, invoice_id: str) -> Row:
        with self.platform.uow(readonly=True) as uow:
            return billing.get_invoice(uow, self.tenant, invoice_id)

    def pay(self, invoice_id: str, amount: Any, key: str, **doc: Any) -> Row:
        with self.platform.uow() as uow:
            return payments.record_payment(uow, self.now, self.tenant, invoice_id,
                                           {"amount": amount, "idempotency_key": key, **doc})

    def refund(self, payment_id: str, amount: Any, key: str) -> Row:
        with self.platform.uow() as uow:
            return payments.refund(uow, self.now, self.tenant, payment_id,
                                   {"amount": amount, "idempotency_key": key})

    def void(self, invoice_id: str) -> Row:
        with self.platform.uow() as uow:
            return payments.void_invoice(uow, self.now, self.tenant, invoice_id)

    def payments(self, invoice_id: str) -> list[Row]:
        with self.platform.uow(readonly=True) as uow:
            return list(payments.list_payments(uow, self.tenant, invoice_id)["payments"])

    def rows(self) -> int:
        """Every payment and refund row of the tenant, whatever its invoice."""
        with self.platform.uow(readonly=True) as uow:
            return len(uow.conn.execute(select(payments_table.c.id).where(
                payments_table.c.tenant_id == self.tenant)).all())

    def events(self, type_: str) -> list[str]:
        """Event ids of one webhook type in the outbox, in the order they were written."""
        with self.platform.uow(readonly=True) as uow:
            return [r[0] for r in uow.conn.execute(select(outbox.c.event_id).where(
                outbox.c.tenant_id == self.tenant, outbox.c.type == type_,
            ).order_by(outbox.c.id))]


def run_together(count: int, work: Any) -> list[Any]:
    """Start `count` threads at the same moment; each result or the error it raised."""
    start, results = threading.Barrier(count), [None] * count

    def one(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # kept as the thread's outcome
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_books_make_a_finalized_invoice_of_exactly_the_price(platform: Platform,
                                                             clock: FixedClock) -> None:
    books = Books(platform, clock)
    invoice = books.get(books.invoice("100.13"))
    assert (invoice["status"], invoice["total"], invoice["paid"]) == ("finalized", "100.13", "0")
    assert invoice["due_ms"] == books.now + 30 * DAY
