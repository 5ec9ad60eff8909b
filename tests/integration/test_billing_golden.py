"""Small golden invoices, checked by hand, produced end to end: plans applied, usage sent through
ingest, subscriptions billed by `services.billing.run`, on SQLite and PostgreSQL.

Each expected invoice is written line by line: kind, charge, the days it covers (customer's time
zone), quantity (4 places), amount due, tax; then subtotal, tax and total.
"""

from __future__ import annotations

import pytest
from test_billing_support import ARREARS, BASIC, Book, same, stored_totals_hold, utc

from monetiot.bootstrap import Platform
from monetiot.services import billing


@pytest.fixture
def book(platform: Platform) -> Book:
    platform.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    return Book(platform)


def check(book: Book, expected: list[str], sub: str | None = None,
          inclusive: bool = False) -> None:
    invoices = book.invoices(sub)
    assert [i["number"] for i in invoices] == sorted(i["number"] for i in invoices)
    actual = [book.text(i) for i in invoices]
    assert len(actual) == len(expected), "\n\n".join(actual)
    for got, want in zip(actual, expected, strict=True):
        assert same(got, want), f"got:\n{got}\n\nexpected:\n{want}"
    assert all(stored_totals_hold(i, inclusive) for i in invoices)


def test_a_month_of_fees_devices_and_graduated_energy_with_exclusive_tax(book: Book) -> None:
    """Two devices all January: 2 device-periods x 2 = 4; 150 + 30 = 180 kWh: the first 100 at
    0.20 (20) and 80 at 0.10 (8) = 28; the platform fee is paid in advance, February's on the
    January invoice. VAT 20 % on each line."""
    d1, d2 = book.customer("c1", devices=2, tax="20")
    book.plan(BASIC)
    book.subscribe("c1", "basic", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.usage(d1, (utc("2026-01-03T10:00"), "100"), (utc("2026-01-20T10:00"), "50"))
    book.usage(d2, (utc("2026-01-31T23:00"), "30"))
    book.usage(d2, (utc("2026-02-01T00:00"), "999"))  # February's
    book.run(utc("2026-02-01"))
    check(book, ["""
        recurring fee     2026-01-01..2026-01-31  1    31.00  tax 6.20
        subtotal 31.00 tax 6.20 total 37.20
        """, """
        recurring devices 2026-01-01..2026-01-31  2     4.00  tax 0.80
        usage     energy  2026-01-01..2026-01-31  180  28.00  tax 5.60
        recurring fee     2026-02-01..2026-02-28  1    31.00  tax 6.20
        subtotal 63.00 tax 12.60 total 75.60
        """])
    first, second = book.invoices()
    assert (first["number"], second["number"]) == ("INV-000001", "INV-000002")
    assert first["status"] == second["status"] == "finalized"
    assert second["due_ms"] == utc("2026-02-01") + 30 * 86_400_000


def test_inclusive_tax_is_inside_the_prices(book: Book) -> None:
    """Prices include 20 % VAT: 31.00 holds 31 - 31/1.2 = 5.1666... -> 5.17 of tax. The
    subtotal is before tax, as with exclusive tax: 31.00 - 5.17 = 25.83, and total = subtotal
    + tax."""
    book.customer("c1", devices=0, tax="20", inclusive=True)
    book.plan(ARREARS)
    book.subscribe("c1", "arrears", utc("2026-01-01"))
    book.run(utc("2026-02-01"))
    check(book, ["""
        recurring fee 2026-01-01..2026-01-31 1 31.00 tax 5.17
        subtotal 25.83 tax 5.17 total 31.00
        """], inclusive=True)


def test_a_first_calendar_period_started_mid_month_is_prorated_by_days(book: Book) -> None:
    """Started on January 15: 17 of January's 31 days. Fee 31 x 17/31 = 17.00 in advance;
    the device (assigned since December) counts 17/31 device-periods x 2 = 1.0968 -> 1.10."""
    book.customer("c1", devices=1)
    book.plan(BASIC)
    book.subscribe("c1", "basic", utc("2026-01-15"))
    book.run(utc("2026-02-01"))
    check(book, ["""
        recurring fee     2026-01-15..2026-01-31  0.5484  17.00
        subtotal 17.00 tax 0.00 total 17.00
        """, """
        recurring devices 2026-01-15..2026-01-31  0.5484   1.10
        usage     energy  2026-01-15..2026-01-31  0        0.00
        recurring fee     2026-02-01..2026-02-28  1       31.00
        subtotal 32.10 tax 0.00 total 32.10
        """])


def test_anniversary_from_january_31_bills_february_28_then_march_31(book: Book) -> None:
    """Periods Jan 31 - Feb 28 - Mar 31 - Apr 30, each a whole period (fee 31 in arrears);
    usage an hour either side of the Feb 28 boundary lands in the period it belongs to."""
    book.customer("c1", devices=0)
    book.device("c1-d1", "c1", utc("2025-12-01"))
    book.plan(BASIC, recurring=[{"id": "fee", "name": "Fee", "kind": "flat", "price": "31"}])
    book.subscribe("c1", "basic", utc("2026-01-31"), anchor="anniversary")
    book.usage("c1-d1", (utc("2026-02-27T23:00"), "10"), (utc("2026-02-28T00:00"), "20"))
    book.run(utc("2026-04-30"))
    check(book, ["""
        recurring fee    2026-01-31..2026-02-27 1  31.00
        usage     energy 2026-01-31..2026-02-27 10  2.00
        subtotal 33.00 tax 0.00 total 33.00
        """, """
        recurring fee    2026-02-28..2026-03-30 1  31.00
        usage     energy 2026-02-28..2026-03-30 20  4.00
        subtotal 35.00 tax 0.00 total 35.00
        """, """
        recurring fee    2026-03-31..2026-04-29 1  31.00
        usage     energy 2026-03-31..2026-04-29 0   0.00
        subtotal 31.00 tax 0.00 total 31.00
        """])


def test_minimum_commitment_one_time_charges_and_a_true_up(book: Book) -> None:
    """A device sold at 149 and an activation of 25 (one-time, not counted toward the
    commitment); fee 29 in advance + connectivity 3 + 40 kWh x 0.20 = 8 -> 40 charged of the 60
    committed: a true-up of 20."""
    book.customer("c1", devices=0)
    book.plan("""
        id: hybrid
        currency: EUR
        billing_period: monthly
        minimum_commitment: "60"
        one_time:
          - {id: gateway, name: Gateway, kind: device_sale, amount: "149", per: device}
          - {id: activation, name: Activation, kind: activation, amount: "25",
             per: subscription}
        recurring:
          - {id: fee, name: Fee, kind: flat, price: "29", timing: in_advance}
          - {id: connectivity, name: Connectivity, kind: per_active_device, price: "3"}
        usage:
          - {id: energy, name: Energy, meter: kwh, charge: {model: per_unit, unit_price: "0.2"}}
    """)
    book.subscribe("c1", "hybrid", utc("2026-01-01"))
    book.device("gw1", "c1", utc("2026-01-01"))
    book.usage("gw1", (utc("2026-01-10"), "40"))
    book.run(utc("2026-02-01"))
    check(book, ["""
        recurring fee                2026-01-01..2026-01-31 1    29.00
        subtotal 29.00 tax 0.00 total 29.00
        """, """
        one_time gateway             2026-01-01..2026-01-31 1   149.00
        one_time activation          2026-01-01..2026-01-31 1    25.00
        recurring connectivity       2026-01-01..2026-01-31 1     3.00
        usage energy                 2026-01-01..2026-01-31 40    8.00
        minimum_true_up minimum_commitment 2026-01-01..2026-01-31 1 20.00
        recurring fee                2026-02-01..2026-02-28 1    29.00
        subtotal 234.00 tax 0.00 total 234.00
        """])


def test_a_rerun_bills_nothing_twice(book: Book) -> None:
    book.customer("c1", devices=1)
    book.plan(BASIC)
    book.subscribe("c1", "basic", utc("2026-01-01"))
    assert len(book.run(utc("2026-02-01")).invoices) == 2
    assert book.run(utc("2026-02-01")).invoices == []
    assert book.run(utc("2026-02-20")).invoices == []
    assert [i["number"] for i in book.invoices()] == ["INV-000001", "INV-000002"]


def test_drafts_get_their_numbers_when_finalized(book: Book) -> None:
    """A run may leave drafts: no number until finalized, then the next one, once."""
    book.customer("c1", devices=1)
    book.plan(BASIC)
    book.subscribe("c1", "basic", utc("2026-01-01"))
    report = billing.run(book.plat.uow, utc("2026-02-01"), book.tenant, finalize=False)
    assert [(i["status"], i["number"]) for i in book.invoices()] == [("draft", None)] * 2
    second, first = report.invoices[1], report.invoices[0]
    for invoice_id in (second, first, second):
        with book.plat.uow() as uow:
            billing.finalize_invoice(uow, book.now, book.tenant, invoice_id)
            uow.commit()
    numbers = {i["id"]: i["number"] for i in book.invoices()}
    assert (numbers[second], numbers[first]) == ("INV-000001", "INV-000002")
