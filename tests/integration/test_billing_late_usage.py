"""Usage that arrives after its period was invoiced is billed on the next invoice, as an
`adjustment` line worth exactly the difference between the period re-rated now and what was
billed; when nothing changed, there is no adjustment."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select
from test_billing_support import BASIC, Book, same, stored_totals_hold, utc

from monetiot.bootstrap import Platform
from monetiot.domain.clock import iso_from_ms
from monetiot.services import ingest
from monetiot.store.schema import events

D = Decimal


@pytest.fixture
def book(platform: Platform) -> Book:
    platform.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    return Book(platform)


def adjustments(invoice: dict) -> list[dict]:  # type: ignore[type-arg]
    return [x for x in invoice["lines"] if x["kind"] == "adjustment"]


def january_billed(book: Book, kwh: str = "50") -> str:
    """Basic from January 1, one device; `kwh` in January, invoiced on February 1."""
    (device,) = book.customer("c1", devices=1)
    book.plan(BASIC)
    book.subscribe("c1", "basic", utc("2026-01-01"))
    book.usage(device, (utc("2026-01-10"), kwh))
    book.run(utc("2026-02-01"))
    return device


def test_late_january_usage_is_an_adjustment_on_the_february_invoice(book: Book) -> None:
    """50 kWh billed for January (10.00). 80 more January kWh arrive on February 10: January
    re-rated is 100 x 0.20 + 30 x 0.10 = 23.00, so +13.00 on the invoice closing February."""
    device = january_billed(book)
    assert book.usage(device, (utc("2026-01-25"), "80"), received=utc("2026-02-10")) == {
        "accepted": 1, "duplicate": 0, "rejected": 0}
    book.usage(device, (utc("2026-02-05"), "5"))
    book.run(utc("2026-03-01"))
    february = book.last()
    assert same(book.text(february), """
        recurring  devices 2026-02-01..2026-02-28 1   2.00
        usage      energy  2026-02-01..2026-02-28 5   1.00
        adjustment energy  2026-01-01..2026-01-31 80 13.00
        recurring  fee     2026-03-01..2026-03-31 1  31.00
        subtotal 47.00 tax 0.00 total 47.00
        """), book.text(february)
    (line,) = adjustments(february)
    assert line["meter_id"] == "kwh"
    assert "arrived after" in line["description"]
    assert (line["details"]["billed_quantity"], line["details"]["quantity"]) == ("50", "130")
    assert stored_totals_hold(february)


def test_nothing_is_adjusted_when_nothing_changed(book: Book) -> None:
    """January's event sent again after its invoice is a duplicate: January's usage is the
    same, so no invoice carries an adjustment."""
    january_billed(book)
    with book.plat.uow(readonly=True) as uow:
        (row,) = uow.conn.execute(select(events)).mappings().all()
    doc = {"id": row["id"], "device": row["device_id"], "type": row["type"],
           "time": iso_from_ms(row["time_ms"]), "data": {"kwh": "50"}}
    again = ingest.Payload(book.tenant, "application/json", json.dumps([doc]).encode(),
                           utc("2026-02-10"))
    with book.plat.uow() as uow:
        result = ingest.ingest(uow, book.plat.settings, [again])[0]
    assert result.summary() == {"accepted": 0, "duplicate": 1, "rejected": 0}
    book.run(utc("2026-03-01"))
    book.run(utc("2026-04-01"))
    assert len(book.invoices()) == 4
    assert all(adjustments(i) == [] for i in book.invoices())


def test_each_late_arrival_is_adjusted_once(book: Book) -> None:
    """80 late kWh adjusted on the invoice of March 1 (+13.00); 100 more on April 1 only for
    the new difference: 230 kWh = 100 x 0.20 + 130 x 0.10 = 33.00, 10.00 more than 23.00."""
    device = january_billed(book)
    book.usage(device, (utc("2026-01-25"), "80"), received=utc("2026-02-10"))
    book.run(utc("2026-03-01"))
    book.usage(device, (utc("2026-01-26"), "100"), received=utc("2026-03-02"))
    book.run(utc("2026-04-01"))
    got = [[(x["quantity"], x["amount_due"]) for x in adjustments(i)] for i in book.invoices()]
    assert got == [[], [], [("80", "13.00")], [("100", "10.00")]]


def test_late_usage_within_the_same_period_is_simply_billed(book: Book) -> None:
    (device,) = book.customer("c1", devices=1)
    book.plan(BASIC)
    book.subscribe("c1", "basic", utc("2026-01-01"))
    book.usage(device, (utc("2026-01-10"), "50"), received=utc("2026-01-31T23:00"))
    book.run(utc("2026-02-01"))
    assert [x["quantity"] for x in book.last()["lines"] if x["kind"] == "usage"] == ["50"]
    assert all(adjustments(i) == [] for i in book.invoices())


def test_a_late_adjustment_counts_the_minimum_commitment(book: Book) -> None:
    """Committed to 60 a month, January's 100 kWh at 0.20 (20.00) were topped up by 40.00.
    100 late kWh make the usage 40.00 and the true-up 20.00: January still costs 60, so the
    customer owes nothing more for it."""
    (device,) = book.customer("c1", devices=1)
    book.plan("""
        id: committed
        currency: EUR
        billing_period: monthly
        minimum_commitment: "60"
        usage:
          - {id: energy, name: Energy, meter: kwh, charge: {model: per_unit, unit_price: "0.2"}}
    """)
    book.subscribe("c1", "committed", utc("2026-01-01"))
    book.usage(device, (utc("2026-01-10"), "100"))
    book.run(utc("2026-02-01"))
    assert book.last()["total"] == "60.00"
    book.usage(device, (utc("2026-01-20"), "100"), received=utc("2026-02-05"))
    book.run(utc("2026-03-01"))
    january_extra = sum((D(x["amount_due"]) for i in book.invoices() for x in i["lines"]
                         if x["covers_start_ms"] == utc("2026-01-01")
                         and x["kind"] in ("adjustment", "minimum_true_up")
                         and i["period_end_ms"] > utc("2026-02-01")), D(0))
    assert january_extra == 0
