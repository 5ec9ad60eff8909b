"""The advisor's replay agrees with billing, on SQLite and PostgreSQL.

For three models (a subscription with an activation fee and an allowance, pay per use with
graduated tiers, a product sale in instalments) the plans the advisor builds from its price
points are applied to a tenant; two customers with one device each subscribe on 2026-01-01;
their usage goes in through ingest; `services.billing.run` bills January to March. The advisor,
reading the same tenant's meters, must find for each month the revenue the invoices charged:
every charge of these plans is billed in arrears, so month m's revenue is the subtotal of the
invoices at the end of month m (two customers: prospects 2, no churn, no resistance).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from test_billing_support import Book, utc

from monetiot.bootstrap import Platform
from monetiot.domain.advisor import parse_assumptions
from monetiot.domain.plans import plan_to_doc
from monetiot.services import advisor, catalog, subscriptions

ASSUMPTIONS: dict[str, Any] = {
    "currency": "EUR", "horizon_months": 3, "prospects": 2, "churn": "0",
    "meters": {"usage": "kwh"},
    "models": {
        "subscription": {"activation_fee": "25", "monthly_fee": "12", "included": "100",
                         "unit_price": "0.05"},
        "pay_per_use": {"usage_charge": {"model": "graduated", "tiers": [
            {"up_to": "100", "unit_price": "0.20"}, {"up_to": None, "unit_price": "0.10"}]}},
        "product_sale": {"device_price": "299", "instalments": 3},
    },
}
# kWh per device and month: January, February, March
USAGE = {"d1": ["150", "80.5", "1200"], "d2": ["40", "0.25", "310"]}
MONTHS = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]


@pytest.mark.parametrize("model", ["subscription", "pay_per_use", "product_sale"])
def test_the_replay_bills_what_billing_bills(platform: Platform, model: str) -> None:
    platform.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    book = Book(platform, tenant=f"t-{model.replace('_', '-')}")
    a = parse_assumptions(ASSUMPTIONS)
    with platform.uow() as uow:
        catalog.apply_plan(uow, book.now, book.tenant, plan_to_doc(a.model(model).plan))
    for customer, device in (("c1", "d1"), ("c2", "d2")):
        book.customer(customer, devices=0)
        book.device(device, customer, utc(MONTHS[0]))
        with platform.uow() as uow:
            subscriptions.create(uow, book.now, book.tenant, {
                "id": f"sub-{customer}", "customer": customer, "plan": model,
                "start_ms": utc(MONTHS[0])})
    book.run(utc(MONTHS[0]))
    for index, start in enumerate(MONTHS[:-1]):
        for device, kwh in USAGE.items():
            half = str(Decimal(kwh[index]) / 2)
            book.usage(device, (utc(start) + 3_600_000, half),
                       (utc(MONTHS[index + 1]) - 3_600_000, half))
        book.run(utc(MONTHS[index + 1]))

    invoices = book.invoices()
    assert invoices, "billing produced no invoice"
    billed = [sum((Decimal(i["subtotal"]) for i in invoices
                   if i["period_end_ms"] == utc(end)), Decimal(0)) for end in MONTHS[1:]]
    with platform.uow(readonly=True) as uow:
        history = advisor.usage_from_store(uow, book.tenant, a, book.now, "2026-01", "2026-03")
    assert [p.device for p in history.profiles] == ["d1", "d2"]
    doc = advisor.advise(a, history)
    entry = next(m for m in doc["models"] if m["id"] == model)
    assert [m["revenue"] for m in entry["months"]] == billed
    assert all(b > 0 for b in billed)


def test_the_january_invoices_by_hand(platform: Platform) -> None:
    """Subscription, January: activation 25 + 1 device x 12 + (150 - 100) x 0.05 = 39.50 for
    d1, and 25 + 12 + 0 = 37.00 for d2 (40 kWh, all included): 76.50, as the advisor says."""
    platform.clock.at_ms = utc("2025-12-01")  # type: ignore[attr-defined]
    book = Book(platform, tenant="hand")
    a = parse_assumptions(ASSUMPTIONS)
    with platform.uow() as uow:
        catalog.apply_plan(uow, book.now, book.tenant, plan_to_doc(a.model("subscription").plan))
    for customer, device in (("c1", "d1"), ("c2", "d2")):
        book.customer(customer, devices=0)
        book.device(device, customer, utc(MONTHS[0]))
        book.subscribe(customer, "subscription", utc(MONTHS[0]))
    book.usage("d1", (utc("2026-01-10"), "150"))
    book.usage("d2", (utc("2026-01-10"), "40"))
    book.run(utc(MONTHS[1]))
    assert sorted(i["subtotal"] for i in book.invoices()) == ["37.00", "39.50"]
    with platform.uow(readonly=True) as uow:
        history = advisor.usage_from_store(uow, book.tenant, a, book.now, "2026-01", "2026-01")
    doc = advisor.advise(a, history)
    entry = next(m for m in doc["models"] if m["id"] == "subscription")
    assert entry["months"][0]["revenue"] == Decimal("76.50")
