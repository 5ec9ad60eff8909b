"""Coupons, prepaid wallets and credit notes on real invoices.

Coupons: a percentage once, for N periods (repeating) or forever; a fixed amount once carries
its unused remainder to the next invoices. Wallets: credit is spent before the customer is
charged, never more than the invoice, and the balance never goes below zero.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_billing_support import ARREARS, Book, same, stored_totals_hold, utc

from monetiot.bootstrap import Platform
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.services import credits

D = Decimal


@pytest.fixture
def book(platform: Platform) -> Book:
    platform.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    return Book(platform)


def monthly(book: Book, tax: str | None = None) -> str:
    """A customer on a fee of 31 a month in arrears, from January 1."""
    book.customer("c1", devices=0, tax=tax)
    book.plan(ARREARS)
    return book.subscribe("c1", "arrears", utc("2026-01-01"))


def totals(book: Book, until: str = "2026-05-01") -> list[str]:
    book.run(utc(until))
    invoices = book.invoices()
    assert all(stored_totals_hold(i) for i in invoices)
    return [i["total"] for i in invoices]


# coupons ----------------------------------------------------------------------------------------

def test_a_percentage_coupon_once_discounts_the_first_invoice(book: Book) -> None:
    sub = monthly(book)
    book.coupon("welcome", sub, kind="percentage", percent="10", duration="once")
    assert totals(book) == ["27.90", "31.00", "31.00", "31.00"]


def test_a_repeating_percentage_coupon_discounts_that_many_periods(book: Book) -> None:
    sub = monthly(book)
    book.coupon("spring", sub, kind="percentage", percent="50", duration="repeating", periods=2)
    assert totals(book) == ["15.50", "15.50", "31.00", "31.00"]


def test_a_forever_percentage_coupon_discounts_every_invoice(book: Book) -> None:
    sub = monthly(book)
    book.coupon("partner", sub, kind="percentage", percent="100", duration="forever")
    assert totals(book) == ["0.00"] * 4
    assert {i["status"] for i in book.invoices()} == {"paid"}  # nothing to pay


def test_a_fixed_coupon_once_carries_its_remainder_to_the_next_invoices(book: Book) -> None:
    """50 off, once: 31 of it on January, the 19 left on February, then nothing."""
    sub = monthly(book)
    book.coupon("fifty", sub, kind="fixed", amount="50", currency="EUR", duration="once")
    assert totals(book) == ["0.00", "12.00", "31.00", "31.00"]
    discounts = [x["amount_due"] for i in book.invoices() for x in i["lines"]
                 if x["kind"] == "discount"]
    assert discounts == ["-31.00", "-19.00"]


def test_a_fixed_repeating_coupon_takes_its_amount_each_period(book: Book) -> None:
    sub = monthly(book)
    book.coupon("five", sub, kind="fixed", amount="5", currency="EUR", duration="repeating",
                periods=2)
    assert totals(book) == ["26.00", "26.00", "31.00", "31.00"]


def test_a_fixed_coupon_in_another_currency_does_not_apply(book: Book) -> None:
    sub = monthly(book)
    book.coupon("dollars", sub, kind="fixed", amount="5", currency="USD", duration="forever")
    assert totals(book, "2026-02-01") == ["31.00"]


def test_a_discount_is_taxed_like_the_charges_it_reduces(book: Book) -> None:
    sub = monthly(book, tax="20")
    book.coupon("welcome", sub, kind="percentage", percent="10", duration="once")
    book.run(utc("2026-02-01"))
    (invoice,) = book.invoices()
    assert same(book.text(invoice), """
        recurring fee 2026-01-01..2026-01-31 1  31.00 tax 6.20
        discount  welcome -             -      -3.10 tax -0.62
        subtotal 27.90 tax 5.58 total 33.48
        """), book.text(invoice)


def test_a_coupon_applies_once_per_subscription_and_must_exist(book: Book) -> None:
    sub = monthly(book)
    book.coupon("welcome", sub, kind="percentage", percent="10")
    with pytest.raises(Conflict), book.plat.uow() as uow:
        credits.apply_coupon(uow, book.now, book.tenant, sub, "welcome")
    with pytest.raises(NotFound), book.plat.uow() as uow:
        credits.apply_coupon(uow, book.now, book.tenant, sub, "nope")
    for bad, field in (({"kind": "gift"}, "kind"), ({"percent": "120"}, "percent"),
                       ({"duration": "repeating"}, "periods")):
        doc = {"id": "x", "kind": "percentage", "percent": "10"} | bad
        with pytest.raises(InvalidInput) as err, book.plat.uow() as uow:
            credits.create_coupon(uow, book.now, book.tenant, doc)
        assert err.value.field == field


# wallets ----------------------------------------------------------------------------------------

def test_wallet_credit_is_spent_before_charging_and_never_below_zero(book: Book) -> None:
    """40 prepaid: January (31 + 20 % VAT = 37.20) is paid by the wallet, February gets the
    2.80 left (37.20 - 2.80 = 34.40), March is charged in full; the balance stops at zero."""
    monthly(book, tax="20")
    book.top_up("c1", "40")
    assert totals(book, "2026-04-01") == ["0.00", "34.40", "37.20"]
    credit_lines = [x["amount_due"] for i in book.invoices() for x in i["lines"]
                    if x["kind"] == "credit"]
    assert credit_lines == ["-37.20", "-2.80"]
    assert book.wallet("c1") == 0
    with book.plat.uow(readonly=True) as uow:
        entries = credits.wallet_entries(uow, book.tenant, "c1", "EUR")
    assert sum((e["amount"] for e in entries), D(0)) == 0
    assert book.invoices()[0]["status"] == "paid"


def test_an_expired_top_up_is_not_spent(book: Book) -> None:
    monthly(book)
    book.top_up("c1", "20", expires_ms=utc("2026-01-20"))
    book.top_up("c1", "5")
    assert totals(book, "2026-02-01") == ["26.00"]
    assert book.wallet("c1") == 0


def test_a_top_up_is_credited_once_per_idempotency_key(book: Book) -> None:
    monthly(book)
    for _ in range(2):
        with book.plat.uow() as uow:
            credits.top_up(uow, book.now, book.tenant, "c1",
                           {"amount": "10", "idempotency_key": "k1"})
    assert book.wallet("c1") == D(10)
    with pytest.raises(InvalidInput) as err, book.plat.uow() as uow:
        credits.top_up(uow, book.now, book.tenant, "c1", {"amount": "10"})
    assert err.value.field == "idempotency_key"


# credit notes -----------------------------------------------------------------------------------

def test_a_credit_note_goes_to_the_wallet_once_and_never_exceeds_the_invoice(book: Book) -> None:
    monthly(book, tax="20")
    book.run(utc("2026-02-01"))
    (invoice,) = book.invoices()
    doc = {"amount": "12", "reason": "outage", "idempotency_key": "outage-jan"}
    with book.plat.uow() as uow:
        note = credits.issue_credit_note(uow, book.now, book.tenant, invoice["id"], doc)
    with book.plat.uow() as uow:
        again = credits.issue_credit_note(uow, book.now, book.tenant, invoice["id"], doc)
    assert again["id"] == note["id"]
    assert (note["amount"], note["tax"]) == ("12.00", "2.00")  # 12 x 6.20 / 37.20
    assert book.wallet("c1") == D(12)
    with pytest.raises(InvalidInput) as err, book.plat.uow() as uow:
        credits.issue_credit_note(uow, book.now, book.tenant, invoice["id"], {"amount": "25.21"})
    assert err.value.field == "amount"
    # the credit pays the next invoice
    book.run(utc("2026-03-01"))
    assert book.invoices()[-1]["total"] == "25.20"
