"""Plan documents: what parses, what is refused (naming the field path), and the canonical form."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.plans import (
    BillingPeriod,
    Per,
    RecurringKind,
    Timing,
    canonical_json,
    fingerprint,
    parse_plan,
    plan_to_doc,
)
from monetiot.domain.pricing import GraduatedCharge

PRO: dict[str, Any] = {
    "id": "pro",
    "name": "Pro",
    "description": "For teams",
    "currency": "eur",
    "billing_period": "monthly",
    "trial_days": 14,
    "minimum_commitment": "100",
    "one_time": [{"id": "meter_hw", "name": "Smart meter", "kind": "device_sale",
                  "amount": "299", "per": "device", "instalments": 12}],
    "recurring": [{"id": "platform", "name": "Platform fee", "kind": "flat", "price": "49",
                   "timing": "in_advance"},
                  {"id": "devices", "kind": "per_active_device", "price": "1.50"}],
    "usage": [{"id": "energy", "name": "Energy", "meter": "energy_kwh", "included": "100",
               "charge": {"model": "graduated", "tiers": [
                   {"up_to": "1000", "unit_price": "0.15"},
                   {"up_to": None, "unit_price": "0.10"}]}}],
    "entitlements": {"features": ["insights.predictive_maintenance", "data.export"],
                     "limits": {"devices": 50, "api.calls": 10000}},
}


def with_(path: str, value: Any) -> dict[str, Any]:
    """PRO with one field replaced (`usage.0.charge.tiers`); value DELETE removes it."""
    doc = copy.deepcopy(PRO)
    *parents, last = path.split(".")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key: Any = int(last) if isinstance(target, list) else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return doc


DELETE = object()


def test_the_contract_example_parses_into_typed_charges() -> None:
    plan = parse_plan(PRO)
    assert plan.currency == "EUR" and plan.billing_period is BillingPeriod.MONTHLY
    assert plan.trial_days == 14 and plan.minimum_commitment == Decimal("100")
    (hardware,) = plan.one_time
    assert hardware.per is Per.DEVICE and hardware.instalments == 12
    assert [c.kind for c in plan.recurring] == [RecurringKind.FLAT, RecurringKind.PER_ACTIVE_DEVICE]
    assert plan.recurring[1].timing is Timing.IN_ARREARS  # the default
    assert plan.recurring[1].name == "devices"  # the id when no name is given
    (energy,) = plan.usage
    assert isinstance(energy.charge, GraduatedCharge) and energy.charge.currency == "EUR"
    assert energy.included == Decimal("100")
    assert plan.entitlements.features == ("data.export", "insights.predictive_maintenance")
    assert plan.has_feature("data.export") and not plan.has_feature("sso")
    assert plan.limit("api.calls") == 10000 and plan.limit("seats") is None


def test_a_minimal_plan_needs_only_id_currency_and_billing_period() -> None:
    plan = parse_plan({"id": "free", "currency": "USD", "billing_period": "yearly"})
    assert plan.name == "free" and (plan.one_time, plan.recurring, plan.usage) == ((), (), ())
    assert plan.trial_days == 0 and plan.minimum_commitment is None


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        ("id", "bad id!", "id", "not an id"),
        ("id", DELETE, "id", "missing"),
        ("currency", DELETE, "currency", "missing"),
        ("currency", "EURO", "currency", "ISO 4217"),
        ("billing_period", "weekly", "billing_period", "monthly, quarterly, yearly"),
        ("trial_days", "1.5", "trial_days", "whole number"),
        ("trial_days", -1, "trial_days", "negative"),
        ("minimum_commitment", "-1", "minimum_commitment", "negative"),
        ("minimum_commitment", 0.1, "minimum_commitment", "binary float"),
        ("colour", "blue", "colour", "unknown field"),
        ("one_time", {"id": "x"}, "one_time", "list"),
        ("one_time.0.kind", "lease", "one_time[0].kind", "device_sale"),
        ("one_time.0.per", DELETE, "one_time[0].per", "missing"),
        ("one_time.0.per", "customer", "one_time[0].per", "device, subscription"),
        ("one_time.0.amount", "abc", "one_time[0].amount", "not a decimal"),
        ("one_time.0.instalments", 0, "one_time[0].instalments", "between 1 and"),
        ("one_time.0.instalments", "2.5", "one_time[0].instalments", "whole number"),
        ("recurring.0.kind", "per_user", "recurring[0].kind", "per_seat"),
        ("recurring.0.timing", "later", "recurring[0].timing", "in_advance"),
        ("recurring.1.price", DELETE, "recurring[1].price", "missing"),
        ("recurring.1.id", "platform", "recurring[1].id", "already used by recurring[0].id"),
        ("usage.0.id", "meter_hw", "usage[0].id", "already used by one_time[0].id"),
        ("usage.0.meter", DELETE, "usage[0].meter", "missing"),
        ("usage.0.meter", "a b", "usage[0].meter", "not an id"),
        ("usage.0.included", "-5", "usage[0].included", "negative"),
        ("usage.0.charge", DELETE, "usage[0].charge", "missing"),
        ("usage.0.charge", "graduated", "usage[0].charge", "expected an object"),
        ("usage.0.charge.model", "tiered", "usage[0].charge.model", "unknown model"),
        ("usage.0.charge.tiers.1.up_to", "900", "usage[0].charge.tiers[1].up_to",
         "the last tier must be unbounded"),
        ("usage.0.charge.tiers.0.up_to", "0", "usage[0].charge.tiers[0].up_to",
         "greater than 0"),
        ("usage.0.charge.currency", "USD", "usage[0].charge.currency", "plan's currency (EUR)"),
        ("usage.0.charge.colour", "red", "usage[0].charge.colour", "unknown field"),
        ("entitlements.features", ["data.export", "data.export"], "entitlements.features[1]",
         "twice"),
        ("entitlements.features", "data.export", "entitlements.features", "list"),
        ("entitlements.limits.devices", "-1", "entitlements.limits.devices", "negative"),
        ("entitlements.limits.devices", None, "entitlements.limits.devices", "missing"),
        ("entitlements.quotas", {}, "entitlements.quotas", "unknown field"),
    ],
)
def test_an_invalid_plan_is_refused_naming_the_field(path: str, value: Any, field: str,
                                                     words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_plan(with_(path, value))
    assert caught.value.field == field
    assert words in caught.value.message


def test_a_usage_charge_may_name_the_plans_currency_in_any_case() -> None:
    plan = parse_plan(with_("usage.0.charge.currency", "eur"))
    assert plan.usage[0].charge.currency == "EUR"


def test_plan_to_doc_round_trips_and_keeps_the_digits_written() -> None:
    plan = parse_plan(PRO)
    doc = plan_to_doc(plan)
    assert parse_plan(doc) == plan
    assert doc["recurring"][1]["price"] == "1.50"  # type: ignore[index]
    assert doc["usage"][0]["charge"] == {  # type: ignore[index]
        "model": "graduated",
        "tiers": [{"up_to": "1000", "unit_price": "0.15"}, {"up_to": None, "unit_price": "0.10"}],
    }
    assert doc["entitlements"] == {
        "features": ["data.export", "insights.predictive_maintenance"],
        "limits": {"api.calls": "10000", "devices": "50"},
    }


def test_documents_saying_the_same_thing_have_one_fingerprint() -> None:
    same = with_("usage.0.charge.currency", "EUR")  # the plan's currency, written out
    same["recurring"][1]["timing"] = "in_arrears"  # the default, written out
    same["entitlements"]["limits"] = {"api.calls": "10000", "devices": Decimal(50)}
    same["entitlements"]["features"].reverse()
    assert canonical_json(parse_plan(same)) == canonical_json(parse_plan(PRO))
    assert fingerprint(parse_plan(same)) == fingerprint(parse_plan(PRO))
    assert fingerprint(parse_plan(with_("recurring.0.price", "50"))) != fingerprint(
        parse_plan(PRO))
