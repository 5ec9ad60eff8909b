"""Collecting through a payment provider, on SQLite and PostgreSQL, with the fake card
processor (a real one's servers cannot run here).

A charge succeeds and pays the invoice; a decline records a failed payment and changes nothing
else; a crash after the provider acted (a lost answer, or the process dying before the update)
leaves the payment pending, blocks other payments meanwhile, and the retry settles it without
charging twice. Refunds go through the provider that collected the money.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from test_payments_support import Books, run_together

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.services.payment_providers import (
    FakeCardProvider,
    Providers,
    collect,
    refund_through,
)
from monetiot.store.engine import UnitOfWork


@pytest.fixture
def books(platform: Platform, clock: FixedClock) -> Books:
    return Books(platform, clock)


@pytest.fixture
def card() -> FakeCardProvider:
    return FakeCardProvider()


def charge(books: Books, invoice: str, card: FakeCardProvider, **kw: Any) -> dict[str, Any]:
    return collect(books.platform.uow, books.now, books.tenant, invoice, card, **kw)


def test_a_successful_charge_pays_the_invoice(books: Books, card: FakeCardProvider) -> None:
    invoice = books.invoice("100.00")
    books.pay(invoice, "30", "deposit")
    paid = charge(books, invoice, card)
    assert (paid["status"], paid["amount"], paid["method"], paid["provider"]) == (
        "succeeded", "70.00", "card", "fake_card")
    assert paid["reference"] in card.charged and card.charged[paid["reference"]] == Decimal(70)
    assert books.get(invoice)["status"] == "paid"
    assert books.events("invoice.paid") == [f"invoice.paid:{invoice}"]
    with pytest.raises(Conflict):
        charge(books, invoice, card)  # nothing left to collect
    assert len(card.charged) == 1


def test_a_decline_records_a_failed_payment_and_nothing_else(books: Books,
                                                            card: FakeCardProvider) -> None:
    invoice = books.invoice("100.13")
    failed = charge(books, invoice, card)
    assert (failed["status"], failed["error"]) == ("failed", "card_declined")
    after = books.get(invoice)
    assert (after["status"], Decimal(after["paid"])) == ("finalized", 0)
    again = charge(books, invoice, card)  # a new attempt, with a new key
    assert again["status"] == "failed" and again["id"] != failed["id"]
    assert [p["status"] for p in books.payments(invoice)] == ["failed", "failed"]
    books.pay(invoice, "100.13", "paid-by-bank")
    assert books.get(invoice)["status"] == "paid" and card.charged == {}


def test_a_lost_answer_leaves_a_pending_payment_that_the_retry_settles(
        books: Books, card: FakeCardProvider) -> None:
    invoice = books.invoice("100.00")
    card.lose_answers = 1
    with pytest.raises(ConnectionError):
        charge(books, invoice, card)
    (pending,) = books.payments(invoice)
    assert pending["status"] == "pending" and books.get(invoice)["status"] == "finalized"
    with pytest.raises(InvalidInput):
        books.pay(invoice, "0.01", "meanwhile")  # the pending charge holds what is due
    with pytest.raises(Conflict):
        books.void(invoice)
    settled = charge(books, invoice, card)
    assert (settled["id"], settled["status"]) == (pending["id"], "succeeded")
    assert books.get(invoice)["status"] == "paid"
    assert len(card.charged) == 1 and card.calls == 2


class CrashAfter:
    """A unit-of-work factory whose `n`-th writing transaction dies before it commits."""

    def __init__(self, platform: Platform, n: int) -> None:
        self.platform, self.n, self.writes = platform, n, 0

    def __call__(self, *, readonly: bool = False) -> UnitOfWork:
        if not readonly:
            self.writes += 1
            if self.writes == self.n:
                raise RuntimeError("the process died")
        return self.platform.uow(readonly=readonly)


def test_a_crash_between_the_charge_and_the_update_is_resolved_by_retrying(
        books: Books, card: FakeCardProvider) -> None:
    invoice = books.invoice("100.00")
    crashing = CrashAfter(books.platform, 2)
    with pytest.raises(RuntimeError):
        collect(crashing, books.now, books.tenant, invoice, card, idempotency_key="auto-1")
    assert len(card.charged) == 1 and books.get(invoice)["status"] == "finalized"
    settled = charge(books, invoice, card, idempotency_key="auto-1")
    assert settled["status"] == "succeeded" and books.get(invoice)["status"] == "paid"
    assert len(card.charged) == 1 and books.rows() == 1
    assert charge(books, invoice, card, idempotency_key="auto-1") == settled


def test_concurrent_collections_charge_once(books: Books, card: FakeCardProvider) -> None:
    invoice = books.invoice("100.00")
    results = run_together(5, lambda _: charge(books, invoice, card))
    settled = [r for r in results if isinstance(r, dict)]
    assert settled and {r["id"] for r in settled} == {settled[0]["id"]}, results
    assert all(isinstance(r, dict | Conflict) for r in results), results
    assert len(card.charged) == 1 and books.rows() == 1
    assert books.get(invoice)["paid"] == "100.00"


def test_refunds_go_through_the_provider_that_collected(books: Books,
                                                       card: FakeCardProvider) -> None:
    invoice = books.invoice("100.00")
    paid = charge(books, invoice, card)
    providers = Providers(card)

    def refund(amount: str, key: str) -> dict[str, Any]:
        return refund_through(books.platform.uow, books.now, books.tenant, paid["id"],
                              {"amount": amount, "idempotency_key": key}, providers)

    with pytest.raises(Conflict) as elsewhere:
        books.refund(paid["id"], "10", "r0")  # recording it alone would move no money
    assert elsewhere.value.field == "payment"
    card.lose_answers = 1
    with pytest.raises(ConnectionError):
        refund("40", "r1")
    done = refund("40", "r1")
    assert (done["status"], done["kind"]) == ("succeeded", "refund")
    assert card.refunded == {paid["reference"]: Decimal(40)}
    assert (books.get(invoice)["status"], books.get(invoice)["paid"]) == ("finalized", "60.00")
    with pytest.raises(InvalidInput):
        refund("60.01", "r2")
    manual = books.pay(books.invoice("5.00"), "5", "cash")
    with pytest.raises(Conflict):
        refund_through(books.platform.uow, books.now, books.tenant, manual["id"],
                       {"amount": "1", "idempotency_key": "r3"}, providers)
    with pytest.raises(NotFound) as unknown:
        refund_through(books.platform.uow, books.now, books.tenant, paid["id"],
                       {"amount": "1", "idempotency_key": "r4"}, Providers())
    assert unknown.value.field == "provider"


def test_only_finalized_invoices_are_collected(books: Books, card: FakeCardProvider) -> None:
    draft = books.invoice("100.00", finalize=False)
    with pytest.raises(Conflict):
        charge(books, draft, card)
    assert card.calls == 0 and books.rows() == 0
