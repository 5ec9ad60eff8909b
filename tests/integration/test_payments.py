"""Recording payments, on SQLite and PostgreSQL: idempotent on the key (also when requests
race), partial payments adding up, `paid` and `invoice.paid` exactly once, overpayments and
bad amounts refused with the field named, and only finalized invoices taking money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from test_payments_support import Books, run_together

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.domain.errors import Conflict, InvalidInput, MonetiotError
from monetiot.services import payments


@pytest.fixture
def books(platform: Platform, clock: FixedClock) -> Books:
    return Books(platform, clock)


def test_the_same_key_twice_records_one_payment(books: Books) -> None:
    invoice = books.invoice("100.00")
    first = books.pay(invoice, "40", "bank-ref-1", method="bank_transfer", reference="SEPA 77")
    again = books.pay(invoice, "40", "bank-ref-1", method="bank_transfer", reference="SEPA 77")
    assert again == first
    assert (first["amount"], first["method"], first["reference"], first["status"]) == (
        "40.00", "bank_transfer", "SEPA 77", "succeeded")
    assert books.rows() == 1
    assert books.get(invoice)["paid"] == "40.00"


def test_partial_payments_add_up_to_paid_and_report_it_once(books: Books) -> None:
    invoice = books.invoice("100.00")
    books.pay(invoice, "40.00", "k1")
    assert books.get(invoice)["status"] == "finalized"
    assert books.events("invoice.paid") == []
    books.clock.advance(3_600_000)
    books.pay(invoice, "60.00", "k2")
    books.pay(invoice, "60.00", "k2")  # a retry
    paid = books.get(invoice)
    assert (paid["status"], paid["paid"], paid["paid_ms"]) == ("paid", "100.00", books.now)
    assert books.events("invoice.paid") == [f"invoice.paid:{invoice}"]


def test_an_overpayment_is_refused_and_nothing_is_recorded(books: Books) -> None:
    invoice = books.invoice("100.00")
    books.pay(invoice, "99.99", "k1")
    with pytest.raises(InvalidInput) as refused:
        books.pay(invoice, "0.02", "k2")
    assert refused.value.field == "amount" and "0.01 EUR due" in refused.value.message
    assert books.rows() == 1
    books.pay(invoice, "0.01", "k3")
    with pytest.raises(Conflict) as paid:
        books.pay(invoice, "0.01", "k4")
    assert paid.value.field == "invoice" and "already paid" in paid.value.message


@pytest.mark.parametrize(("amount", "message"), [
    ("0.004", "must be above 0"), ("-5", "must be above 0"), ("0", "must be above 0"),
    (1.5, "binary float"), ("ten", "not a decimal"), (None, "expected a number"),
])
def test_bad_amounts_name_the_field(books: Books, amount: Any, message: str) -> None:
    invoice = books.invoice("100.00")
    with pytest.raises(InvalidInput) as refused:
        books.pay(invoice, amount, "k1")
    assert refused.value.field == "amount" and message in refused.value.message
    assert books.rows() == 0


def test_amounts_are_exact_and_rounded_once_to_the_minor_unit(books: Books) -> None:
    invoice = books.invoice("100.00")
    assert books.pay(invoice, Decimal("10.005"), "k1")["amount"] == "10.01"
    assert books.pay(invoice, "0.1", "k2")["amount"] == "0.10"
    assert books.get(invoice)["paid"] == "10.11"


def test_other_bad_fields_are_named(books: Books) -> None:
    invoice = books.invoice("100.00")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"amount": "1"}, "idempotency_key"),
        ({"amount": "1", "idempotency_key": ""}, "idempotency_key"),
        ({"amount": "1", "idempotency_key": "k" * 101}, "idempotency_key"),
        ({"amount": "1", "idempotency_key": "k", "method": "bitcoin"}, "method"),
        ({"amount": "1", "idempotency_key": "k", "currency": "USD"}, "currency"),
        ({"amount": "1", "idempotency_key": "k", "reference": 7}, "reference"),
        ({"amount": "1", "idempotency_key": "k", "amout": "1"}, "amout"),
    ]
    for doc, named in cases:
        with books.platform.uow() as uow, pytest.raises(InvalidInput) as refused:
            payments.record_payment(uow, books.now, books.tenant, invoice, doc)
        assert refused.value.field == named, doc
    assert books.rows() == 0


def test_only_finalized_invoices_take_payments(books: Books) -> None:
    draft = books.invoice("100.00", finalize=False)
    with pytest.raises(Conflict) as refused:
        books.pay(draft, "10", "k1")
    assert refused.value.field == "invoice" and "draft" in refused.value.message
    void = books.invoice("50.00")
    books.void(void)
    with pytest.raises(Conflict) as refused:
        books.pay(void, "10", "k2")
    assert refused.value.field == "invoice" and "void" in refused.value.message
    with pytest.raises(MonetiotError) as missing:
        books.pay("inv_nope", "10", "k3")
    assert missing.value.field == "invoice"
    assert books.rows() == 0


def test_a_key_reused_for_another_request_is_a_conflict(books: Books) -> None:
    first, second = books.invoice("100.00"), books.invoice("100.00")
    books.pay(first, "10", "k1")
    with pytest.raises(Conflict) as other_invoice:
        books.pay(second, "10", "k1")
    with pytest.raises(Conflict) as other_amount:
        books.pay(first, "11", "k1")
    assert other_invoice.value.field == other_amount.value.field == "idempotency_key"
    assert books.rows() == 1


def test_when_the_lookup_misses_the_unique_constraint_decides(
        books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests that both looked the key up before either wrote: the second insert hits
    the constraint, and its caller gets the first payment, in a transaction still usable."""
    invoice = books.invoice("100.00")
    first = books.pay(invoice, "40", "k1")
    real = payments.stored_by_key
    misses = iter([True])

    def racing(*args: Any) -> Any:
        return None if next(misses, False) else real(*args)

    monkeypatch.setattr(payments, "stored_by_key", racing)
    assert books.pay(invoice, "40", "k1") == first
    assert books.rows() == 1 and books.get(invoice)["paid"] == "40.00"


def test_concurrent_duplicate_submissions_record_one_payment(books: Books) -> None:
    invoice = books.invoice("100.00")
    results = run_together(8, lambda _: books.pay(invoice, "100.00", "double-click"))
    assert all(isinstance(r, dict) for r in results), results
    assert len({r["id"] for r in results}) == 1
    assert books.rows() == 1
    assert books.get(invoice)["status"] == "paid"
    assert books.events("invoice.paid") == [f"invoice.paid:{invoice}"]


def test_concurrent_payments_with_different_keys_never_overpay(books: Books) -> None:
    invoice = books.invoice("100.00")
    results = run_together(6, lambda i: books.pay(invoice, "40.00", f"k{i}"))
    accepted = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert (len(accepted), len(refused)) == (2, 4), results
    assert books.get(invoice)["paid"] == "80.00"
