"""Tenants are isolated in billing: another tenant, even one using the same ids, can neither see
nor bill nor change what is not its own, and numbers its invoices on its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from test_billing_support import BASIC, Book, utc

from monetiot.bootstrap import Platform
from monetiot.domain.errors import NotFound
from monetiot.services import billing, credits, subscriptions


@pytest.fixture
def books(platform: Platform) -> tuple[Book, Book]:
    platform.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    return Book(platform, "acme"), Book(platform, "rival")


def setup(book: Book, kwh: str) -> str:
    (device,) = book.customer("c1", devices=1)
    book.plan(BASIC)
    sub = book.subscribe("c1", "basic", utc("2026-01-01"))
    book.coupon("welcome", sub, kind="percentage", percent="10")
    book.usage(device, (utc("2026-01-10"), kwh))
    return sub


def test_same_ids_in_two_tenants_are_billed_apart(books: tuple[Book, Book]) -> None:
    acme, rival = books
    setup(acme, "50")
    setup(rival, "500")
    report = billing.run(acme.plat.uow, utc("2026-02-01"))  # every tenant
    assert report.errors == []
    assert [i["number"] for i in acme.invoices()] == ["INV-000001", "INV-000002"]
    assert [i["number"] for i in rival.invoices()] == ["INV-000001", "INV-000002"]
    usage = [[x["quantity"] for x in i["lines"] if x["kind"] == "usage"]
             for b in books for i in b.invoices()]
    assert usage == [[], ["50"], [], ["500"]]


def test_a_run_for_one_tenant_bills_no_other(books: tuple[Book, Book]) -> None:
    acme, rival = books
    setup(acme, "50")
    assert billing.run(rival.plat.uow, utc("2026-02-01"), "rival").invoices == []
    assert acme.invoices() == []


def test_another_tenant_cannot_see_bill_or_change_anything(books: tuple[Book, Book]) -> None:
    acme, _ = books
    sub = setup(acme, "50")
    acme.run(utc("2026-02-01"))
    invoice = acme.invoices()[0]["id"]
    now = acme.now
    attempts: list[Callable[[Any], object]] = [
        lambda uow: billing.get_invoice(uow, "rival", invoice),
        lambda uow: billing.bill_subscription(uow, now, "rival", sub),
        lambda uow: billing.finalize_invoice(uow, now, "rival", invoice),
        lambda uow: subscriptions.get(uow, "rival", sub),
        lambda uow: subscriptions.cancel(uow, now, "rival", sub, "now"),
        lambda uow: subscriptions.pause(uow, now, "rival", sub),
        lambda uow: subscriptions.change_plan(uow, now, "rival", sub, "basic"),
        lambda uow: subscriptions.create(uow, now, "rival", {"customer": "c1", "plan": "basic"}),
        lambda uow: subscriptions.entitlements(uow, "rival", "c1", now),
        lambda uow: credits.issue_credit_note(uow, now, "rival", invoice, {"amount": "1"}),
        lambda uow: credits.apply_coupon(uow, now, "rival", sub, "welcome"),
        lambda uow: credits.top_up(uow, now, "rival", "c1",
                                   {"amount": "5", "idempotency_key": "k"}),
        lambda uow: credits.set_customer_billing(uow, "rival", "c1", {"tax_rate": "5"}),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound), acme.plat.uow() as uow:
            attempt(uow)
    with acme.plat.uow(readonly=True) as uow:
        assert billing.list_invoices(uow, "rival") == []
        assert subscriptions.list_all(uow, "rival") == []
        assert credits.list_credit_notes(uow, "rival") == []
        assert credits.wallet(uow, "rival", "c1", "EUR", now)["transactions"] == []
    # and nothing of acme's changed
    assert [i["status"] for i in acme.invoices()] == ["finalized", "finalized"]
    with acme.plat.uow(readonly=True) as uow:
        assert subscriptions.get(uow, "acme", sub)["status"] == "active"
