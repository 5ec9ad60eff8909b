"""A plan written back as a document: the canonical form the catalog stores and fingerprints.

Invariants: `parse_plan(plan_to_doc(p)) == p`; numbers are exact decimal text with the digits the
author wrote ("49", "0.150"); two documents that parse to the same plan give the same canonical
JSON and fingerprint (defaults written out at plan level, left out inside charges; a charge's
currency left out, as it is the plan's; features sorted, limits sorted by name).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, fields
from decimal import Decimal

from monetiot.domain.money import decimal_text
from monetiot.domain.plans.model import Plan
from monetiot.domain.pricing import (
    Charge,
    FlatCharge,
    GraduatedCharge,
    GraduatedPercentageCharge,
    PackageCharge,
    PercentageCharge,
    PerUnitCharge,
    RateTier,
    Tier,
    UnitRounding,
    VolumeCharge,
)

Doc = dict[str, object]

_MODEL_NAMES: dict[type, str] = {
    FlatCharge: "flat",
    PerUnitCharge: "per_unit",
    GraduatedCharge: "graduated",
    VolumeCharge: "volume",
    PackageCharge: "package",
    PercentageCharge: "percentage",
    GraduatedPercentageCharge: "graduated_percentage",
}


def plan_to_doc(plan: Plan) -> Doc:
    """The plan as a JSON-ready document (decimals as text), in the format `parse_plan` reads."""
    doc: Doc = {
        "id": plan.id,
        "name": plan.name,
        "description": plan.description,
        "currency": plan.currency,
        "billing_period": plan.billing_period.value,
        "trial_days": plan.trial_days,
    }
    if plan.minimum_commitment is not None:
        doc["minimum_commitment"] = decimal_text(plan.minimum_commitment)
    if plan.business_model is not None:
        doc["business_model"] = plan.business_model
    if plan.progressive_billing_threshold is not None:
        doc["progressive_billing_threshold"] = decimal_text(plan.progressive_billing_threshold)
    doc["one_time"] = [
        {"id": c.id, "name": c.name, "kind": c.kind.value, "amount": decimal_text(c.amount),
         "per": c.per.value, "instalments": c.instalments}
        for c in plan.one_time
    ]
    doc["recurring"] = [
        {"id": c.id, "name": c.name, "kind": c.kind.value, "price": decimal_text(c.price),
         "timing": c.timing.value}
        for c in plan.recurring
    ]
    doc["usage"] = [
        {"id": c.id, "name": c.name, "meter": c.meter, "included": decimal_text(c.included),
         "charge": charge_to_doc(c.charge, plan.currency)}
        | ({"alerts": [decimal_text(a) for a in c.alerts]} if c.alerts else {})
        for c in plan.usage
    ]
    doc["entitlements"] = {
        "features": list(plan.entitlements.features),
        "limits": {k: decimal_text(v) for k, v in plan.entitlements.limits.items()},
    }
    return doc


def charge_to_doc(charge: Charge, currency: str | None = None) -> Doc:
    """A charge document of spec/pricing.md: fields at their default are left out, and so is
    the currency when it is `currency` (the plan's, which the charge inherits)."""
    doc: Doc = {"model": _MODEL_NAMES[type(charge)]}
    for spec in fields(charge):
        value = getattr(charge, spec.name)
        if value is None or (spec.default is not MISSING and value == spec.default):
            continue
        if spec.name == "currency" and value == currency:
            continue
        doc[spec.name] = _value(value)
    return doc


def _value(value: object) -> object:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, tuple):
        return [_tier(tier) for tier in value]
    if isinstance(value, UnitRounding):
        return {"mode": value.mode, "precision": value.precision}
    return value


def _tier(tier: Tier | RateTier) -> Doc:
    doc: Doc = {"up_to": None if tier.up_to is None else decimal_text(tier.up_to)}
    for spec in fields(tier):
        value = getattr(tier, spec.name)
        if spec.name != "up_to" and value != spec.default:
            doc[spec.name] = decimal_text(value)
    return doc


def canonical_json(plan: Plan) -> str:
    """The stored text of a plan version: compact JSON of `plan_to_doc`, keys in a fixed order."""
    return json.dumps(plan_to_doc(plan), ensure_ascii=False, separators=(",", ":"))


def fingerprint(plan: Plan) -> str:
    """SHA-256 (hex) of the canonical JSON: equal for documents that say the same thing."""
    return hashlib.sha256(canonical_json(plan).encode("utf-8")).hexdigest()
