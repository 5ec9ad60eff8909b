"""Overdue invoices and their reminders, on SQLite and PostgreSQL.

Invoices are due 30 days after finalization. A reminder (`invoice.overdue`) goes out at 1, 7,
14 and 30 days overdue, each exactly once however often the job runs; a run that comes late
sends the step it reached, not the ones it missed; paid and void invoices get none.
"""

from __future__ import annotations

import pytest
from test_payments_support import DAY, Books, run_together

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.services import payments


@pytest.fixture
def books(platform: Platform, clock: FixedClock) -> Books:
    return Books(platform, clock)


def overdue(books: Books) -> dict[str, int]:
    with books.platform.uow(readonly=True) as uow:
        return {r["id"]: r["days_overdue"]
                for r in payments.overdue(uow, books.now, books.tenant)}


def remind(books: Books) -> list[tuple[str, int]]:
    report = payments.send_reminders(books.platform.uow, books.now)
    assert report.errors == []
    return [(s["invoice"], s["days"]) for s in report.sent]


def test_overdue_lists_finalized_invoices_past_due_with_whole_days(books: Books) -> None:
    late, paid, void = books.invoice("10.00"), books.invoice("20.00"), books.invoice("30.00")
    books.pay(paid, "20", "p1")
    books.void(void)
    books.clock.advance(10 * DAY)
    early = books.invoice("40.00")
    books.clock.advance(20 * DAY)
    assert overdue(books) == {}  # due exactly now: not past due
    books.clock.advance(1)
    assert overdue(books) == {late: 0}
    books.clock.advance(11 * DAY)
    assert overdue(books) == {late: 11, early: 1}
    with books.platform.uow(readonly=True) as uow:
        (first, _) = payments.overdue(uow, books.now, books.tenant)
    assert (first["id"], first["amount_due"], first["status"]) == (late, "10.00", "finalized")


def test_each_reminder_is_sent_once_on_its_day(books: Books) -> None:
    invoice = books.invoice("10.00")
    books.clock.advance(30 * DAY)  # due now
    assert remind(books) == []
    books.clock.advance(DAY)
    assert remind(books) == [(invoice, 1)]
    assert remind(books) == []
    books.clock.advance(5 * DAY)
    assert remind(books) == []
    books.clock.advance(DAY)
    assert remind(books) == [(invoice, 7)]
    books.clock.advance(30 * DAY)  # the job did not run for a month
    assert remind(books) == [(invoice, 30)]
    assert remind(books) == []
    assert books.events("invoice.overdue") == [f"invoice.overdue:{invoice}:{d}"
                                               for d in (1, 7, 30)]


def test_paid_and_void_invoices_are_not_reminded(books: Books) -> None:
    paid, void, partly = books.invoice("10.00"), books.invoice("20.00"), books.invoice("30.00")
    later_void = books.invoice("40.00")
    books.void(void)
    books.clock.advance(32 * DAY)
    books.pay(paid, "10", "p1")
    books.pay(partly, "5", "p2")
    assert sorted(remind(books)) == sorted([(partly, 1), (later_void, 1)])
    books.void(later_void)
    books.clock.advance(7 * DAY)
    assert remind(books) == [(partly, 7)]


def test_concurrent_reminder_runs_send_each_reminder_once(books: Books) -> None:
    invoices = [books.invoice("10.00") for _ in range(5)]
    books.clock.advance(31 * DAY)
    results = run_together(4, lambda _: payments.send_reminders(books.platform.uow, books.now))
    assert all(r.errors == [] for r in results), results
    assert sorted(books.events("invoice.overdue")) == sorted(
        f"invoice.overdue:{i}:1" for i in invoices)
