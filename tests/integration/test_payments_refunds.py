"""Refunds and voiding, on SQLite and PostgreSQL.

A refund gives back at most what is left of a succeeded payment, once per key; a paid invoice
refunded below its total is `finalized` again, and paying it again reports a second
`invoice.paid`. A finalized invoice nobody paid can be voided (prepaid credit it used goes back
to the wallet); a paid one cannot.
"""

from __future__ import annotations

import pytest
from test_payments_support import Books

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.services import credits


@pytest.fixture
def books(platform: Platform, clock: FixedClock) -> Books:
    return Books(platform, clock)


def test_a_refund_takes_a_paid_invoice_back_to_finalized(books: Books) -> None:
    invoice = books.invoice("100.00")
    payment = books.pay(invoice, "100.00", "pay-1")
    assert books.get(invoice)["status"] == "paid"
    refund = books.refund(payment["id"], "30.00", "refund-1")
    assert (refund["kind"], refund["payment"], refund["amount"]) == ("refund", payment["id"],
                                                                     "30.00")
    after = books.get(invoice)
    assert (after["status"], after["paid"], after["paid_ms"]) == ("finalized", "70.00", None)
    assert books.events("invoice.refunded") == [f"invoice.refunded:{refund['id']}"]
    assert books.refund(payment["id"], "30.00", "refund-1") == refund  # a retry
    assert books.rows() == 2 and books.events("invoice.refunded") == [
        f"invoice.refunded:{refund['id']}"]


def test_a_refund_never_exceeds_what_is_left_of_its_payment(books: Books) -> None:
    invoice = books.invoice("100.00")
    first, second = books.pay(invoice, "60", "p1"), books.pay(invoice, "40", "p2")
    books.refund(first["id"], "50", "r1")
    with pytest.raises(InvalidInput) as refused:
        books.refund(first["id"], "10.01", "r2")  # 60 paid - 50 refunded
    assert refused.value.field == "amount" and "at most 10.00" in refused.value.message
    with pytest.raises(InvalidInput):
        books.refund(second["id"], "40.01", "r3")
    books.refund(first["id"], "10", "r4")
    books.refund(second["id"], "40", "r5")
    assert books.get(invoice)["paid"] == "0.00"
    with pytest.raises(InvalidInput):
        books.refund(second["id"], "0.01", "r6")


def test_paid_again_after_a_refund_is_reported_again(books: Books) -> None:
    invoice = books.invoice("100.00")
    payment = books.pay(invoice, "100", "p1")
    books.refund(payment["id"], "100", "r1")
    again = books.pay(invoice, "100", "p2")
    assert books.get(invoice)["status"] == "paid"
    assert books.events("invoice.paid") == [f"invoice.paid:{invoice}",
                                            f"invoice.paid:{invoice}:{again['id']}"]


def test_what_cannot_be_refunded(books: Books) -> None:
    invoice = books.invoice("100.00")
    payment = books.pay(invoice, "100", "p1")
    refund = books.refund(payment["id"], "1", "r1")
    with pytest.raises(NotFound) as missing:
        books.refund(refund["id"], "1", "r2")  # a refund is not a payment
    assert missing.value.field == "payment"
    for amount in ("0", "-1", "0.001"):
        with pytest.raises(InvalidInput) as bad:
            books.refund(payment["id"], amount, "r3")
        assert bad.value.field == "amount"
    with pytest.raises(Conflict) as reused:
        books.refund(payment["id"], "1", "p1")  # the payment's own key
    assert reused.value.field == "idempotency_key"
    with pytest.raises(NotFound):
        books.refund("pay_nope", "1", "r4")
    assert books.rows() == 2


def test_a_finalized_invoice_without_payments_is_voided_once(books: Books) -> None:
    invoice = books.invoice("100.00")
    voided = books.void(invoice)
    assert (voided["status"], voided["voided_ms"]) == ("void", books.now)
    books.clock.advance(1000)
    assert books.void(invoice) == voided
    assert books.events("invoice.voided") == [f"invoice.voided:{invoice}"]


def test_what_cannot_be_voided(books: Books) -> None:
    paid = books.invoice("100.00")
    books.pay(paid, "100", "p1")
    partly = books.invoice("100.00")
    books.pay(partly, "1", "p2")
    draft = books.invoice("100.00", finalize=False)
    for invoice, words in ((paid, "credit note"), (partly, "has payments"), (draft, "draft")):
        with pytest.raises(Conflict) as refused:
            books.void(invoice)
        assert refused.value.field == "invoice" and words in refused.value.message
        assert books.get(invoice)["status"] != "void"
    with pytest.raises(NotFound):
        books.void("inv_nope")
    assert books.events("invoice.voided") == []


def test_a_fully_refunded_invoice_can_be_voided(books: Books) -> None:
    invoice = books.invoice("100.00")
    payment = books.pay(invoice, "25", "p1")
    books.refund(payment["id"], "25", "r1")
    assert books.void(invoice)["status"] == "void"


def test_voiding_gives_back_the_prepaid_credit_the_invoice_used(books: Books) -> None:
    with books.platform.uow() as uow:
        from monetiot.services import fleet

        fleet.create_customer(uow, books.now, books.tenant, {"id": "prepaid"})
    books._made.add("prepaid")
    with books.platform.uow() as uow:
        credits.top_up(uow, books.now, books.tenant, "prepaid",
                       {"amount": "30", "currency": "EUR", "idempotency_key": "t1"})
    invoice = books.invoice("100.00", customer="prepaid")
    assert books.get(invoice)["total"] == "70.00"

    def balance() -> str:
        with books.platform.uow(readonly=True) as uow:
            return str(credits.wallet(uow, books.tenant, "prepaid", "EUR", books.now)["balance"])

    assert balance() in ("0", "0.00")
    books.void(invoice)
    books.void(invoice)
    assert balance() in ("30", "30.00")
