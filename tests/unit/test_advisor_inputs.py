"""Reading the advisor's inputs: the assumptions file and the usage CSV. Every error names the
field (or the CSV line) at fault."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain.advisor import (
    MODELS,
    advise,
    parse_assumptions,
    parse_usage_csv,
)
from monetiot.domain.errors import InvalidInput

BASE: dict[str, Any] = {
    "currency": "EUR", "prospects": 10, "churn": "0.02", "meters": {"usage": "kwh"},
    "models": {"subscription": {"monthly_fee": "12"}, "pay_per_use": {"unit_price": "0.1"}},
}


def with_(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = doc
        keys = path.split("__")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return doc


def error(doc: dict[str, Any]) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_assumptions(doc)
    return str(caught.value)


def test_defaults_and_what_the_kind_of_model_implies() -> None:
    a = parse_assumptions(with_(models__data_monetization={"device_price": "99"},
                                models__platform={"monthly_fee": "5"},
                                payment_resistance="0.3"))
    assert a.horizon_months == 36 and a.discount_rate == 0 and a.prospects_per_month == 0
    specs = {m.id: m for m in a.models}
    assert list(specs) == ["subscription", "data_monetization", "pay_per_use", "platform"]
    assert specs["data_monetization"].data_products and not specs["subscription"].data_products
    assert specs["platform"].partner_fees
    # resistance applies to recurring bills, not to a device sold once
    assert specs["subscription"].payment_resistance == Decimal("0.3")
    assert specs["data_monetization"].payment_resistance == 0
    assert specs["subscription"].churn == Decimal("0.02")
    assert specs["subscription"].headline == ("monthly_fee", Decimal(12))
    assert specs["subscription"].plan.id == "subscription"


@pytest.mark.parametrize(("doc", "message"), [
    (with_(currency=None), "currency: missing"),
    (with_(prospects=None), "prospects: missing"),
    (with_(churn=None), "models.subscription.churn: missing"),
    (with_(models__subscription__monthly_fee="-1"), "models.subscription.monthly_fee: must not"),
    (with_(models__subscription__churn="1.5"), "models.subscription.churn: a share"),
    (with_(payment_resistance="1"), "payment_resistance: a share: 0 to below 1"),
    (with_(models__rental={"monthly_fee": "1"}), "models.rental: unknown field"),
    (with_(models__subscription={"churn": "0.1"}), "models.subscription: give price points"),
    (with_(meters={}), "models.pay_per_use.unit_price: a model priced on usage needs"),
    (with_(models__outcome_based={"savings_share": "0.3"}),
     "models.outcome_based.savings_share: a share of savings needs `outcome`"),
    (with_(models__subscription__plan_file="pro.yaml"),
     "models.subscription.plan_file: plan files are read by the command line only"),
    (with_(models__subscription__plan={"id": "x", "currency": "EUR",
                                       "billing_period": "monthly"}),
     "models.subscription.plan: give a plan or price points, not both"),
    (with_(models__subscription={"plan": {"id": "x", "currency": "USD",
                                          "billing_period": "monthly"}}),
     "models.subscription.plan.currency: the plan is in USD"),
    (with_(models__subscription={"plan": {"id": "x", "currency": "EUR",
                                          "billing_period": "weekly"}}),
     "models.subscription.plan.billing_period: unknown value"),
    (with_(models__pay_per_use={"usage_charge": {"model": "graduated", "tiers": []}}),
     "models.pay_per_use.usage_charge"),
    (with_(hybrids=[{"id": "subscription", "monthly_fee": "1"}]), "hybrids[0].id: "),
    (with_(costs__payment_fee_rate="2"), "costs.payment_fee_rate: a share"),
    (with_(costs__hardware="1"), "costs.hardware: unknown field"),
    (with_(horizon_months=121), "horizon_months: must be between 1 and 120"),
    (with_(history__from="2025-13"), "history.from: expected a month"),
    (with_(models__subscription__customers_per_asset="0"),
     "models.subscription.customers_per_asset: must be greater than 0"),
    (with_(models={}), "models: give at least one model"),
])
def test_errors_name_the_field(doc: dict[str, Any], message: str) -> None:
    assert error(doc).startswith(message), error(doc)


def test_a_hybrid_with_its_own_plan() -> None:
    a = parse_assumptions(with_(hybrids=[{
        "id": "gateway", "name": "Gateway", "data_products": True, "churn": "0.01",
        "plan": {"id": "gw", "currency": "EUR", "billing_period": "monthly",
                 "recurring": [{"id": "f", "name": "Fee", "kind": "flat", "price": "20"}]}}]))
    hybrid = a.model("gateway")
    assert (hybrid.model, hybrid.name, hybrid.plan.id, hybrid.headline) == (
        "hybrid", "Gateway", "gw", None)
    assert hybrid.data_products and hybrid.churn == Decimal("0.01")


def test_the_seven_models_have_their_names() -> None:
    assert MODELS == ("product_sale", "subscription", "data_monetization", "pay_per_use",
                      "platform", "outcome_based", "asset_sharing")


CSV = """device,month,meter,quantity
d2,2026-03,kwh,5
d1,2026-01,kwh,10.50
d1,2026-01,mb,3
d1,2026-03,kwh,7
"""


def test_the_usage_csv_becomes_profiles_from_each_device_s_first_month() -> None:
    history = parse_usage_csv(CSV)
    assert history.months == ("2026-01", "2026-02", "2026-03")
    assert history.meters == ("kwh", "mb")
    d1, d2 = history.profiles
    assert (d1.device, d1.first_month, len(d1.months)) == ("d1", "2026-01", 3)
    assert d1.months[0] == {"kwh": Decimal("10.50"), "mb": 3}
    assert d1.months[1] == {}  # February: nothing reported, no usage
    assert (d2.device, d2.first_month, d2.months) == ("d2", "2026-03", ({"kwh": 5},))
    assert d1.usage_at(4) == d1.months[1]  # the history repeats


@pytest.mark.parametrize(("text", "message"), [
    ("", "usage.csv line 1: the first line must be the header"),
    ("device,month,quantity\n", "usage.csv line 1: the first line must be the header"),
    ("device,month,meter,quantity\nd,2026-1,kwh,1\n", "usage.csv line 2: month: expected a"),
    ("device,month,meter,quantity\nd,2026-01,kwh,x\n", "usage.csv line 2: quantity: not a"),
    ("device,month,meter,quantity\nd,2026-01,kwh,-1\n", "usage.csv line 2: quantity: must not"),
    ("device,month,meter,quantity\nd,2026-01,kwh\n", "usage.csv line 2: expected 4 columns"),
    ("device,month,meter,quantity\n,2026-01,kwh,1\n", "usage.csv line 2: device and meter"),
    ("device,month,meter,quantity\nd,2026-01,kwh,1\nd,2026-01,kwh,2\n",
     "usage.csv: d 2026-01 kwh appears twice"),
    ("device,month,meter,quantity\n", "usage.csv: the usage history is empty"),
])
def test_csv_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_usage_csv(text)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_meter_the_history_never_saw_is_refused() -> None:
    a = parse_assumptions(with_(meters={"usage": "kwhh"}))
    with pytest.raises(InvalidInput) as caught:
        advise(a, parse_usage_csv(CSV))
    assert str(caught.value) == ("meters.usage: the usage history has no meter 'kwhh' "
                                 "(it has: kwh, mb)")
