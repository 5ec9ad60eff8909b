"""A subscription's life, billed: upgrade now (prorated both ways, credit for the unused advance),
downgrade at period end, cancel at period end or now, pause and resume, trial days, instalments,
and the entitlements a customer's subscriptions grant together."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_billing_support import (
    ARREARS,
    BASIC,
    DAY,
    PRO,
    Book,
    same,
    stored_totals_hold,
    utc,
)

from monetiot.bootstrap import Platform
from monetiot.domain.errors import Conflict, MonetiotError
from monetiot.services import credits, subscriptions

D = Decimal

HARDWARE = """
id: hw
currency: EUR
billing_period: monthly
one_time:
  - {id: sale, name: Sensor, kind: device_sale, amount: "100", per: device, instalments: 3}
  - {id: act, name: Activation, kind: activation, amount: "25", per: subscription,
     instalments: 3}
"""


@pytest.fixture
def book(platform: Platform) -> Book:
    platform.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    return Book(platform)


def texts(book: Book, sub: str | None = None) -> list[str]:
    invoices = book.invoices(sub)
    assert all(stored_totals_hold(i) for i in invoices)
    return [book.text(i) for i in invoices]


def assert_invoices(book: Book, expected: list[str]) -> None:
    actual = texts(book)
    assert len(actual) == len(expected), "\n\n".join(actual)
    for got, want in zip(actual, expected, strict=True):
        assert same(got, want), f"got:\n{got}\n\nexpected:\n{want}"


def change(book: Book, sub: str, plan: str, **kw: object) -> dict:  # type: ignore[type-arg]
    with book.plat.uow() as uow:
        return subscriptions.change_plan(uow, book.now, book.tenant, sub, plan, **kw)  # type: ignore[arg-type]


def cancel(book: Book, sub: str, when: str) -> dict:  # type: ignore[type-arg]
    with book.plat.uow() as uow:
        return subscriptions.cancel(uow, book.now, book.tenant, sub, when)


def pause(book: Book, sub: str) -> None:
    with book.plat.uow() as uow:
        subscriptions.pause(uow, book.now, book.tenant, sub)


def resume(book: Book, sub: str) -> None:
    with book.plat.uow() as uow:
        subscriptions.resume(uow, book.now, book.tenant, sub)


def credit_notes(book: Book) -> list[dict]:  # type: ignore[type-arg]
    with book.plat.uow(readonly=True) as uow:
        return credits.list_credit_notes(uow, book.tenant)


def net_charged(book: Book) -> Decimal:
    """What the customer was charged overall: every line but wallet credit, less credit notes."""
    charged = sum((D(x["amount_due"]) for i in book.invoices() for x in i["lines"]
                   if x["kind"] != "credit"), D(0))
    return charged - sum((D(n["amount"]) for n in credit_notes(book)), D(0))


# plan changes -----------------------------------------------------------------------------------

def test_upgrade_mid_month_prorates_both_plans_and_credits_the_unused_advance(book: Book) -> None:
    """Basic (31 in advance, 2 per device, 0.20/0.10 per kWh) to Pro (62, 1, 0.10/0.05) asked at
    00:30 on January 16, taken at midnight. At once: Basic's January arrears for 15 of 31 days
    (device 2 x 15/31 = 0.97, 50 kWh = 10.00) and Pro's fee in advance for the remaining 16 days
    (62 x 16/31 = 32.00), paid in part by the credit note for Basic's unused advance
    (31 x 16/31 = 16.00). On February 1: Pro's arrears for 16 days (1 x 16/31 = 0.52; 300 kWh =
    100 x 0.10 + 200 x 0.05 = 20.00) and February's Pro fee."""
    (device,) = book.customer("c1", devices=1)
    book.plan(BASIC)
    book.plan(PRO)
    sub = book.subscribe("c1", "basic", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.usage(device, (utc("2026-01-05"), "50"), (utc("2026-01-20"), "300"))
    book.at(utc("2026-01-16T00:30"))
    changed = change(book, sub, "pro")
    assert [(p["plan"], p["start_ms"], p["end_ms"]) for p in changed["phases"]] == [
        ("basic", utc("2026-01-01"), utc("2026-01-16")), ("pro", utc("2026-01-16"), None)]
    book.run(utc("2026-02-01"))
    assert_invoices(book, ["""
        recurring fee     2026-01-01..2026-01-31 1        31.00
        subtotal 31.00 tax 0.00 total 31.00
        """, """
        recurring devices 2026-01-01..2026-01-15 0.4839    0.97
        usage     energy  2026-01-01..2026-01-15 50       10.00
        recurring fee     2026-01-16..2026-01-31 0.5161   32.00
        credit    -       -                      -       -16.00
        subtotal 42.97 tax 0.00 total 26.97
        """, """
        recurring devices 2026-01-16..2026-01-31 0.5161    0.52
        usage     energy  2026-01-16..2026-01-31 300      20.00
        recurring fee     2026-02-01..2026-02-28 1        62.00
        subtotal 82.52 tax 0.00 total 82.52
        """])
    (note,) = credit_notes(book)
    first = book.invoices()[0]
    assert (note["number"], note["invoice_id"], note["amount"]) == ("CN-000001", first["id"],
                                                                    "16.00")
    assert first["credited"] == "16.00"
    assert book.wallet("c1") == 0  # the credit paid the upgrade invoice


def test_an_upgrade_at_midday_credits_the_days_the_new_plan_bills(book: Book) -> None:
    """Taken at 12:00 on January 16: the 16th goes to Pro, which bills 16 of 31 days in advance
    (32.00); Basic's advance is credited for the same 16 days (16.00), no more, no less, so
    that the 31 days of January are paid once."""
    book.customer("c1", devices=0)
    book.plan(BASIC)
    book.plan(PRO)
    sub = book.subscribe("c1", "basic", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.at(utc("2026-01-16T12:30"))
    change(book, sub, "pro")
    fee = [x["amount_due"] for x in book.invoices()[-1]["lines"] if x["charge_id"] == "fee"]
    assert fee == ["32.00"]
    assert [n["amount"] for n in credit_notes(book)] == ["16.00"]


def test_downgrade_takes_effect_at_the_end_of_the_period(book: Book) -> None:
    (device,) = book.customer("c1", devices=1)
    book.plan(BASIC)
    book.plan(PRO)
    sub = book.subscribe("c1", "pro", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.usage(device, (utc("2026-01-05"), "50"))
    book.at(utc("2026-01-10T15:00"))
    phases = change(book, sub, "basic")["phases"]
    assert [(p["plan"], p["start_ms"]) for p in phases] == [("pro", utc("2026-01-01")),
                                                           ("basic", utc("2026-02-01"))]
    assert book.run(utc("2026-01-20")).invoices == []  # nothing billed at the decision
    book.run(utc("2026-02-01"))
    assert_invoices(book, ["""
        recurring fee     2026-01-01..2026-01-31 1  62.00
        subtotal 62.00 tax 0.00 total 62.00
        """, """
        recurring devices 2026-01-01..2026-01-31 1   1.00
        usage     energy  2026-01-01..2026-01-31 50  5.00
        recurring fee     2026-02-01..2026-02-28 1  31.00
        subtotal 37.00 tax 0.00 total 37.00
        """])
    assert credit_notes(book) == []


def test_changing_a_scheduled_downgrade_again_is_a_clear_answer(book: Book) -> None:
    """Pro, downgrade to Basic scheduled for February 1, then to Cheap: the second choice
    replaces the first, or is refused with a Conflict; never a database error."""
    book.customer("c1", devices=0)
    book.plan(BASIC)
    book.plan(PRO)
    book.plan(BASIC, id="cheap")
    sub = book.subscribe("c1", "pro", utc("2026-01-01"))
    book.at(utc("2026-01-10"))
    change(book, sub, "basic")
    book.at(utc("2026-01-12"))
    try:
        phases = change(book, sub, "cheap")["phases"]
    except MonetiotError:
        return
    assert [(p["plan"], p["start_ms"], p["end_ms"]) for p in phases] == [
        ("pro", utc("2026-01-01"), utc("2026-02-01")), ("cheap", utc("2026-02-01"), None)]


def test_an_upgrade_after_a_scheduled_downgrade_replaces_it(book: Book) -> None:
    """Pro with a downgrade to Basic scheduled for February 1; on January 16 an upgrade to
    Enterprise, now. Pro ends on January 16, Enterprise runs from then on, Basic never starts:
    January 16-31 is billed once, under Enterprise."""
    book.customer("c1", devices=1)
    book.plan(BASIC)
    book.plan(PRO)
    book.plan(PRO, id="ent", recurring=[
        {"id": "fee", "name": "Fee", "kind": "flat", "price": "93", "timing": "in_advance"}])
    sub = book.subscribe("c1", "pro", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.at(utc("2026-01-10"))
    change(book, sub, "basic")
    book.at(utc("2026-01-16"))
    phases = change(book, sub, "ent")["phases"]
    assert [(p["plan"], p["start_ms"], p["end_ms"]) for p in phases] == [
        ("pro", utc("2026-01-01"), utc("2026-01-16")), ("ent", utc("2026-01-16"), None)]
    book.run(utc("2026-02-01"))
    covered = sorted((x["covers_start_ms"], x["covers_end_ms"]) for i in book.invoices()
                     for x in i["lines"] if x["kind"] == "usage")
    assert covered == [(utc("2026-01-01"), utc("2026-01-16")),
                       (utc("2026-01-16"), utc("2026-02-01"))]


# cancel -----------------------------------------------------------------------------------------

def test_cancel_at_period_end_bills_the_period_and_nothing_after(book: Book) -> None:
    book.customer("c1", devices=1)
    book.plan(BASIC)
    sub = book.subscribe("c1", "basic", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.at(utc("2026-01-10"))
    row = cancel(book, sub, "period_end")
    assert (row["status"], row["end_ms"]) == ("canceled", utc("2026-02-01"))
    book.run(utc("2026-04-01"))
    assert_invoices(book, ["""
        recurring fee     2026-01-01..2026-01-31 1 31.00
        subtotal 31.00 tax 0.00 total 31.00
        """, """
        recurring devices 2026-01-01..2026-01-31 1  2.00
        usage     energy  2026-01-01..2026-01-31 0  0.00
        subtotal 2.00 tax 0.00 total 2.00
        """])
    with pytest.raises(Conflict):
        cancel(book, sub, "now")


def test_cancel_now_bills_the_used_part_at_once(book: Book) -> None:
    """Canceled at 10:20 on January 16, ended at 10:00: the device counted 15 of 31 days (the
    day the subscription ends on is not counted, like a flat fee's: 2 x 15/31 = 0.97), in a
    final invoice billed at that hour, paid by the credit for January's unused fee (see the
    next test, which gives back the other 16 days)."""
    book.customer("c1", devices=1)
    book.plan(BASIC)
    sub = book.subscribe("c1", "basic", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.at(utc("2026-01-16T10:20"))
    assert cancel(book, sub, "now")["end_ms"] == utc("2026-01-16T10:00")
    book.run(utc("2026-01-16T10:20"))
    final = book.invoices()[-1]
    assert same(book.text(final), """
        recurring devices 2026-01-01..2026-01-16 0.4839 0.97
        usage     energy  2026-01-01..2026-01-16 0      0.00
        credit    -       -                      -     -0.97
        subtotal 0.97 tax 0.00 total 0.00
        """), book.text(final)
    assert book.run(utc("2026-03-01")).invoices == []


def test_cancel_now_credits_the_unused_part_of_the_fee_paid_in_advance(book: Book) -> None:
    """January's fee (31) was paid in advance; ended on January 16 at 10:00, 15 to 16 of its 31
    days were not used: a credit note gives them back, as an upgrade would."""
    book.customer("c1", devices=0)
    book.plan(BASIC)
    sub = book.subscribe("c1", "basic", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.at(utc("2026-01-16T10:20"))
    cancel(book, sub, "now")
    book.run(utc("2026-02-01"))
    credited = sum((D(n["amount"]) for n in credit_notes(book)), D(0))
    assert D(15) <= credited <= D(16)


# pause ------------------------------------------------------------------------------------------

def test_pause_stops_recurring_fees_in_arrears_pro_rata(book: Book) -> None:
    """Paused January 10 to February 15: January bills 9 of 31 days (9.00), February 14 of 28
    (15.50); usage still counts."""
    book.customer("c1", devices=0)
    book.plan(ARREARS)
    sub = book.subscribe("c1", "arrears", utc("2026-01-01"))
    book.at(utc("2026-01-10"))
    pause(book, sub)
    with pytest.raises(Conflict):
        pause(book, sub)
    book.run(utc("2026-02-01"))
    book.at(utc("2026-02-15"))
    resume(book, sub)
    with pytest.raises(Conflict):
        resume(book, sub)
    book.run(utc("2026-03-01"))
    assert [i["total"] for i in book.invoices()] == ["9.00", "15.50"]


def test_pause_stops_per_device_fees_in_arrears_pro_rata(book: Book) -> None:
    """The same pause, a fee per active device (2): 9/31 x 2 = 0.58, then 14/28 x 2 = 1.00."""
    book.customer("c1", devices=1)
    book.plan(ARREARS, recurring=[
        {"id": "devices", "name": "Devices", "kind": "per_active_device", "price": "2"}])
    sub = book.subscribe("c1", "arrears", utc("2026-01-01"))
    book.at(utc("2026-01-10"))
    pause(book, sub)
    book.run(utc("2026-02-01"))
    book.at(utc("2026-02-15"))
    resume(book, sub)
    book.run(utc("2026-03-01"))
    assert [i["total"] for i in book.invoices()] == ["0.58", "1.00"]


def test_pause_stops_fees_paid_in_advance_pro_rata(book: Book) -> None:
    """The same pause, the fee (31) paid in advance: whatever the mechanism (nothing billed
    while paused, a credit for the paused part), January and February cost 9.00 + 15.50 and
    March, not paused, 31: 55.50 overall by March 1."""
    book.customer("c1", devices=0)
    book.plan(ARREARS, recurring=[
        {"id": "fee", "name": "Fee", "kind": "flat", "price": "31", "timing": "in_advance"}])
    sub = book.subscribe("c1", "arrears", utc("2026-01-01"))
    book.run(utc("2026-01-01"))
    book.at(utc("2026-01-10"))
    pause(book, sub)
    book.run(utc("2026-02-01"))
    book.at(utc("2026-02-15"))
    resume(book, sub)
    book.run(utc("2026-03-01"))
    assert net_charged(book) == D("55.50")


def test_entitlements_of_a_paused_subscription_are_off(book: Book) -> None:
    book.customer("c1", devices=0)
    book.plan(PRO)
    sub = book.subscribe("c1", "pro", utc("2026-01-01"))
    book.at(utc("2026-01-10"))
    pause(book, sub)
    with book.plat.uow(readonly=True) as uow:
        assert subscriptions.entitlements(uow, book.tenant, "c1", book.now)["features"] == []


# trial and instalments --------------------------------------------------------------------------

def test_trial_days_are_free_of_fees_and_usage(book: Book) -> None:
    """A 14-day trial from January 1: billing starts January 15, 17 of 31 days: fee 17.00 in
    advance, device 2 x 17/31 = 1.10; only the 30 kWh after the trial count (6.00)."""
    (device,) = book.customer("c1", devices=1)
    book.plan(BASIC)
    sub = book.subscribe("c1", "basic", utc("2026-01-01"), trial_days=14)
    book.usage(device, (utc("2026-01-05"), "50"), (utc("2026-01-20"), "30"))
    book.run(utc("2026-02-01"))
    with book.plat.uow(readonly=True) as uow:
        assert subscriptions.get(uow, book.tenant, sub)["trial_end_ms"] == utc("2026-01-15")
    assert_invoices(book, ["""
        recurring fee     2026-01-15..2026-01-31 0.5484 17.00
        subtotal 17.00 tax 0.00 total 17.00
        """, """
        recurring devices 2026-01-01..2026-01-31 0.5484  1.10
        usage     energy  2026-01-01..2026-01-31 30      6.00
        recurring fee     2026-02-01..2026-02-28 1      31.00
        subtotal 38.10 tax 0.00 total 38.10
        """])


def test_a_trial_longer_than_the_period_bills_nothing_for_it(book: Book) -> None:
    """A 40-day trial ends on February 10: January bills nothing; February's fee, in advance on
    February 1, covers 19 of 28 days (31 x 19/28 = 21.04)."""
    book.customer("c1", devices=1)
    book.plan(BASIC)
    book.subscribe("c1", "basic", utc("2026-01-01"), trial_days=40)
    book.run(utc("2026-01-31"))
    assert book.invoices() == []
    book.run(utc("2026-02-01"))
    assert [book.text(i) for i in book.invoices()] == [
        "recurring fee 2026-02-10..2026-02-28 0.6786 21.04\n"
        "subtotal 21.04 tax 0.00 total 21.04"]


def test_instalments_add_up_to_the_amount(book: Book) -> None:
    """A sensor of 100 in 3 instalments (33.33, 33.33, 33.34) for the device assigned on
    January 5, and an activation of 25 (8.33, 8.33, 8.34), then nothing more."""
    book.customer("c1", devices=0)
    book.plan(HARDWARE)
    book.subscribe("c1", "hw", utc("2026-01-01"))
    book.device("s1", "c1", utc("2026-01-05"))
    book.run(utc("2026-06-01"))
    assert_invoices(book, ["""
        instalment sale 2026-01-01..2026-01-31 1 33.33
        instalment act  2026-01-01..2026-01-31 1  8.33
        subtotal 41.66 tax 0.00 total 41.66
        """, """
        instalment sale 2026-02-01..2026-02-28 1 33.33
        instalment act  2026-02-01..2026-02-28 1  8.33
        subtotal 41.66 tax 0.00 total 41.66
        """, """
        instalment sale 2026-03-01..2026-03-31 1 33.34
        instalment act  2026-03-01..2026-03-31 1  8.34
        subtotal 41.68 tax 0.00 total 41.68
        """])


def test_instalments_and_one_time_charges_survive_a_plan_change(book: Book) -> None:
    """The sensor's instalments keep coming after the plan moves to a new version (a price
    change), and the activation, a one-time charge per subscription, is not charged again."""
    book.customer("c1", devices=0)
    book.plan(HARDWARE)
    sub = book.subscribe("c1", "hw", utc("2026-01-01"))
    book.device("s1", "c1", utc("2026-01-05"))
    book.run(utc("2026-02-10"))
    book.plan(HARDWARE, recurring=[
        {"id": "fee", "name": "Fee", "kind": "flat", "price": "5", "timing": "in_advance"}])
    change(book, sub, "hw", version=2)
    book.run(utc("2026-06-01"))
    lines = [x for i in book.invoices() for x in i["lines"]]
    assert sum(D(x["amount_due"]) for x in lines if x["charge_id"] == "sale") == D(100)
    assert sum(D(x["amount_due"]) for x in lines if x["charge_id"] == "act") == D(25)


# entitlements -----------------------------------------------------------------------------------

def test_entitlements_are_the_union_of_the_active_subscriptions(book: Book) -> None:
    """Basic (dashboard; 1000 API calls, 5 devices) and Pro (dashboard, data.export; 5000 API
    calls, 3 devices): every feature of either, the larger of each limit. A subscription that
    has not started, or has ended, grants nothing."""
    book.customer("c1", devices=0)
    book.plan(BASIC)
    book.plan(PRO)
    book.plan(PRO, id="later", entitlements={"features": ["insights"]})
    book.subscribe("c1", "basic", utc("2026-01-01"), sub="s-basic")
    pro = book.subscribe("c1", "pro", utc("2026-01-01"), sub="s-pro")
    book.subscribe("c1", "later", utc("2026-03-01"), sub="s-later")
    with book.plat.uow(readonly=True) as uow:
        got = subscriptions.entitlements(uow, book.tenant, "c1", utc("2026-01-10"))
    assert got["features"] == ["dashboard", "data.export"]
    assert got["limits"] == {"api.calls": "5000", "devices": "5"}
    assert {p["subscription"] for p in got["plans"]} == {"s-basic", "s-pro"}
    book.at(utc("2026-01-10"))
    cancel(book, pro, "now")
    with book.plat.uow(readonly=True) as uow:
        got = subscriptions.entitlements(uow, book.tenant, "c1", utc("2026-01-11"))
    assert got["features"] == ["dashboard"]
    assert got["limits"] == {"api.calls": "1000", "devices": "5"}


def test_subscriptions_refuse_bad_input(book: Book) -> None:
    book.customer("c1", devices=0)
    book.plan(BASIC)
    for bad, field in (({"seats": -1}, "seats"), ({"trial_days": "7"}, "trial_days"),
                       ({"anchor": "weekly"}, "anchor"), ({"start_ms": "soon"}, "start_ms"),
                       ({"plan": "nope"}, "plan"), ({"customer": "nobody"}, "customer")):
        doc = {"customer": "c1", "plan": "basic"} | bad
        with pytest.raises(MonetiotError) as err, book.plat.uow() as uow:
            subscriptions.create(uow, book.now, book.tenant, doc)
        assert err.value.field == field
    assert DAY  # the support constant is the day used throughout
