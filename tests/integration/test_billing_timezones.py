"""Billing in the customer's time zone: periods run between local midnights, through daylight
saving changes, and usage is counted over exactly those windows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_billing_support import BASIC, HOUR, Book, local, utc

from monetiot.bootstrap import Platform
from monetiot.domain.errors import InvalidInput
from monetiot.services import billing, subscriptions

FEE_IN_ARREARS = [{"id": "fee", "name": "Fee", "kind": "flat", "price": "31"}]


@pytest.fixture
def book(platform: Platform) -> Book:
    platform.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    return Book(platform)


def usage_line(invoice: dict) -> dict:  # type: ignore[type-arg]
    return next(x for x in invoice["lines"] if x["kind"] == "usage")


@pytest.mark.parametrize(("tz", "month", "next_month", "hours"), [
    ("Europe/Paris", "2026-03", "2026-04", 743),
    ("Europe/Paris", "2026-10", "2026-11", 745),
    ("America/New_York", "2026-03", "2026-04", 743),
    ("America/New_York", "2026-11", "2026-12", 721),
])
def test_a_dst_month_is_billed_between_local_midnights(
        book: Book, tz: str, month: str, next_month: str, hours: int) -> None:
    """Readings half an hour either side of both local midnights: only the two inside the
    month count, though in UTC they fall on other days. The month's fee is whole."""
    (device,) = book.customer("c1", tz=tz, devices=1, assigned_from=utc("2025-12-01"))
    book.plan(BASIC, recurring=FEE_IN_ARREARS)
    book.subscribe("c1", "basic", local("2026-01-01", tz))
    start, end = local(f"{month}-01", tz), local(f"{next_month}-01", tz)
    assert (end - start) // HOUR == hours
    book.usage(device, (start - HOUR, "1000"), (start, "7"),  # the last hour before: previous
               (end - HOUR, "3"), (end, "1000"),  # the last hour inside, the first after
               received=end + HOUR)
    book.run(end - 1)
    assert not [i for i in book.invoices() if i["period_end_ms"] == end]
    book.run(end)
    invoice = next(i for i in book.invoices() if i["period_end_ms"] == end)
    assert invoice["period_start_ms"] == start
    assert usage_line(invoice)["quantity"] == "10"
    assert usage_line(invoice)["covers_start_ms"] == start
    fee = next(x for x in invoice["lines"] if x["charge_id"] == "fee")
    assert (Decimal(fee["quantity"]), fee["amount_due"]) == (1, "31.00")


def test_paris_boundaries_are_an_hour_earlier_in_summer(book: Book) -> None:
    book.customer("c1", tz="Europe/Paris", devices=0)
    book.plan(BASIC, recurring=FEE_IN_ARREARS)
    book.subscribe("c1", "basic", local("2026-01-01", "Europe/Paris"))
    book.run(utc("2026-05-01"))
    ends = [i["period_end_ms"] for i in book.invoices()]
    assert ends == [utc("2026-01-31T23:00"), utc("2026-02-28T23:00"), utc("2026-03-31T22:00"),
                    utc("2026-04-30T22:00")]


def test_anniversary_on_the_31st_in_new_york_clamps_and_crosses_dst(book: Book) -> None:
    """Jan 31 -> Feb 28 -> Mar 31 (through the March 8 change) -> Apr 30, at local midnights;
    every period a whole one."""
    tz = "America/New_York"
    book.customer("c1", tz=tz, devices=0)
    book.plan(BASIC, recurring=FEE_IN_ARREARS)
    book.subscribe("c1", "basic", local("2026-01-31", tz), anchor="anniversary")
    book.run(local("2026-04-30", tz))
    got = [(i["period_start_ms"], i["period_end_ms"], i["total"]) for i in book.invoices()]
    assert got == [
        (local("2026-01-31", tz), local("2026-02-28", tz), "31.00"),
        (local("2026-02-28", tz), local("2026-03-31", tz), "31.00"),
        (local("2026-03-31", tz), local("2026-04-30", tz), "31.00"),
    ]


def test_anniversary_on_the_31st_in_a_leap_year_gives_february_29(book: Book) -> None:
    book.customer("c1", tz="Europe/Paris", devices=0)
    book.plan(BASIC, recurring=FEE_IN_ARREARS)
    book.at(utc("2027-12-01"))
    book.subscribe("c1", "basic", local("2028-01-31", "Europe/Paris"), anchor="anniversary")
    book.run(local("2028-03-31", "Europe/Paris"))
    ends = [i["period_end_ms"] for i in book.invoices()]
    assert ends == [local("2028-02-29", "Europe/Paris"), local("2028-03-31", "Europe/Paris")]


def test_a_partial_first_period_in_a_dst_month_counts_local_days(book: Book) -> None:
    """From March 20 (Paris): 12 of March's 31 days -> 31 x 12/31 = 12.00."""
    tz = "Europe/Paris"
    book.customer("c1", tz=tz, devices=0)
    book.plan(BASIC, recurring=FEE_IN_ARREARS)
    book.subscribe("c1", "basic", local("2026-03-20", tz))
    book.run(local("2026-04-01", tz))
    assert [i["total"] for i in book.invoices()] == ["12.00"]


def test_a_zone_whose_midnight_is_inside_a_utc_hour_is_refused_or_billed(book: Book) -> None:
    """Asia/Kolkata (UTC+05:30): rollups are hourly in UTC, so its midnights cannot close a
    usage window. A subscription there must either be refused when created (naming the time
    zone) or be billed; it must not be accepted and then fail at every billing run."""
    book.customer("c1", tz="Asia/Kolkata", devices=0)
    book.plan(BASIC)
    try:
        sub = book.subscribe("c1", "basic", utc("2026-01-01"))
    except InvalidInput as refused:
        assert refused.field in ("timezone", "customer")
        return
    report = billing.run(book.plat.uow, utc("2026-02-05"), book.tenant)
    assert report.errors == []
    assert len(book.invoices(sub)) == 2
    with book.plat.uow() as uow:
        assert subscriptions.get(uow, book.tenant, sub)["timezone"] == "Asia/Kolkata"
