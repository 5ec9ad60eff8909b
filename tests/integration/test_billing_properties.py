"""Every generated invoice adds up: random plans (within reason), usage, tax exclusive or
inclusive, coupons and prepaid credit, billed for a few months through the real services; each
stored invoice's subtotal, tax and total are the sums of its stored lines, invoice numbers run
1..N, and the wallet never goes below zero."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_billing_support import Book, local, stored_totals_hold, utc

from monetiot.bootstrap import Platform
from monetiot.services import credits

D = Decimal
TENANTS = itertools.count()


def money(high: int = 200) -> st.SearchStrategy[str]:
    return st.decimals(min_value=0, max_value=high, places=2).map(str)


charges = st.one_of(
    st.fixed_dictionaries({"model": st.just("per_unit"),
                           "unit_price": st.decimals(0, 2, places=4).map(str)}),
    st.builds(lambda a, b, model: {"model": model, "tiers": [
        {"up_to": "50", "unit_price": a}, {"up_to": None, "unit_price": b}]},
        money(2), money(2), st.sampled_from(["graduated", "volume"])),
    st.fixed_dictionaries({"model": st.just("package"), "package_size": st.just("10"),
                           "package_price": money(20)}),
)

plans = st.fixed_dictionaries({
    "id": st.just("p"),
    "currency": st.just("EUR"),
    "billing_period": st.sampled_from(["monthly", "monthly", "quarterly"]),
    "trial_days": st.sampled_from([0, 0, 10]),
    "recurring": st.lists(st.builds(
        lambda i, kind, price, timing: {"id": f"r{i}", "name": f"r{i}", "kind": kind,
                                        "price": price, "timing": timing},
        st.integers(0, 9), st.sampled_from(["flat", "per_active_device", "per_seat"]), money(),
        st.sampled_from(["in_advance", "in_arrears"])), max_size=2, unique_by=lambda r: r["id"]),
    "usage": st.lists(st.builds(
        lambda charge, included: {"id": "u", "name": "Energy", "meter": "kwh",
                                  "included": included, "charge": charge},
        charges, st.sampled_from(["0", "0", "20"])), max_size=1),
    "one_time": st.lists(st.builds(
        lambda amount, per, n: {"id": "o", "name": "Hardware", "kind": "device_sale",
                                "amount": amount, "per": per, "instalments": n},
        money(400), st.sampled_from(["device", "subscription"]), st.integers(1, 3)),
        max_size=1),
}).filter(lambda doc: doc["recurring"] or doc["usage"] or doc["one_time"]).flatmap(
    lambda doc: st.sampled_from([doc, doc | {"minimum_commitment": "40"}]))

coupons = st.one_of(
    st.none(),
    st.fixed_dictionaries({"kind": st.just("percentage"),
                           "percent": st.decimals(1, 100, places=2).map(str),
                           "duration": st.sampled_from(["once", "forever"])}),
    st.fixed_dictionaries({"kind": st.just("percentage"), "percent": st.just("25"),
                           "duration": st.just("repeating"), "periods": st.integers(1, 3)}),
    st.fixed_dictionaries({"kind": st.just("fixed"), "amount": money(100).filter(
        lambda a: D(a) > 0), "currency": st.just("EUR"),
        "duration": st.sampled_from(["once", "forever"])}),
)

cases = st.fixed_dictionaries({
    "plan": plans,
    "tz": st.sampled_from(["UTC", "Europe/Paris", "America/New_York"]),
    "start": st.sampled_from(["2026-01-01", "2026-01-15T10:00", "2026-01-31"]),
    "anchor": st.sampled_from(["calendar", "anniversary"]),
    "seats": st.integers(0, 3),
    "devices": st.integers(0, 2),
    "tax": st.sampled_from(["0", "20", "5.5", "8.875"]),
    "inclusive": st.booleans(),
    "coupon": coupons,
    "wallet": st.sampled_from([None, "15", "250.55"]),
    "usage": st.lists(st.tuples(st.integers(0, 80), st.decimals(0, 90, places=3).map(str)),
                      max_size=3),
    "late": st.lists(st.tuples(st.integers(0, 28), st.decimals(0, 90, places=3).map(str)),
                     max_size=2),
})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases)
def test_every_stored_invoice_is_the_sum_of_its_lines(platform: Platform,
                                                      case: dict[str, Any]) -> None:
    plat = platform
    plat.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    book = Book(plat, tenant=f"t{next(TENANTS)}")
    tz = case["tz"]
    start = local(case["start"], tz)
    devices = book.customer("c1", tz=tz, devices=case["devices"], assigned_from=start,
                            tax=case["tax"], inclusive=case["inclusive"])
    book.plan(case["plan"])
    sub = book.subscribe("c1", "p", start, anchor=case["anchor"], seats=case["seats"])
    if case["coupon"] is not None:
        book.coupon("promo", sub, **case["coupon"])
    if case["wallet"] is not None:
        book.top_up("c1", case["wallet"])
    if devices:
        for day, kwh in case["usage"]:
            book.usage(devices[day % len(devices)], (start + day * 86_400_000, kwh))
    book.run(utc("2026-03-01"))
    if devices:
        for day, kwh in case["late"]:  # February's usage, after February was billed
            at = local("2026-02-01", tz) + day * 86_400_000
            book.usage(devices[0], (at, kwh), received=utc("2026-03-02"))
    book.run(utc("2026-04-15"))

    invoices = book.invoices()
    assert [i["number"] for i in invoices] == [f"INV-{n:06d}" for n in
                                               range(1, len(invoices) + 1)]
    for invoice in invoices:
        assert stored_totals_hold(invoice, case["inclusive"]), invoice
        assert D(invoice["total"]) >= 0 or any(
            x["kind"] == "adjustment" for x in invoice["lines"]), invoice
        for line in invoice["lines"]:
            assert D(line["amount_due"]) == D(line["amount_due"]).quantize(D("0.01"))
            assert D(line["tax_due"]) == D(line["tax_due"]).quantize(D("0.01"))
    spent = -sum((D(x["amount_due"]) for i in invoices for x in i["lines"]
                  if x["kind"] == "credit"), D(0))
    assert 0 <= spent <= D(case["wallet"] or 0)
    with plat.uow(readonly=True) as uow:
        entries = credits.wallet_entries(uow, book.tenant, "c1", "EUR")
    assert sum((e["amount"] for e in entries), D(0)) >= 0
    assert book.wallet("c1") >= 0
