"""The business models the advisor compares, each expressed as a plan the pricing engine rates.

Seven standard models, plus hybrids the operator defines. A model is a `ModelSpec`: a plan
(built from price points, or given as a plan document) and what the plan alone does not say:
the monthly churn, whether data products or partner fees add revenue, and how many customers
share one device. `plan_document` turns price points into a plan document of docs/plans.md, so
every model is priced by `domain.plans.price_period`, never by a separate formula.

Invariants: plan ids are the model ids; a plan built from price points charges, in this order,
the device (per device, optionally in instalments), an activation (once), a monthly fee per
active device (in arrears), usage of the usage meter beyond an allowance, and a share of the
measured savings (a percentage charge on the `outcome_savings` quantity); `scaled_plan(p, k)`
multiplies every price, fee and rate of `p` by `k` and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from monetiot.domain.money import EXACT, decimal_text
from monetiot.domain.plans import Plan, parse_plan, plan_to_doc

PRODUCT_SALE = "product_sale"
SUBSCRIPTION = "subscription"
DATA_MONETIZATION = "data_monetization"
PAY_PER_USE = "pay_per_use"
PLATFORM = "platform"
OUTCOME_BASED = "outcome_based"
ASSET_SHARING = "asset_sharing"
HYBRID = "hybrid"

MODELS = (PRODUCT_SALE, SUBSCRIPTION, DATA_MONETIZATION, PAY_PER_USE, PLATFORM, OUTCOME_BASED,
          ASSET_SHARING)
NAMES = {
    PRODUCT_SALE: "Product sale",
    SUBSCRIPTION: "Subscription",
    DATA_MONETIZATION: "Data monetization",
    PAY_PER_USE: "Pay per use",
    PLATFORM: "Platform",
    OUTCOME_BASED: "Outcome-based",
    ASSET_SHARING: "Asset sharing",
}
# The price point that stands for a model's price in "break-even price" (first one set).
HEADLINES = {
    PRODUCT_SALE: ("device_price", "monthly_fee", "unit_price"),
    SUBSCRIPTION: ("monthly_fee", "unit_price", "device_price"),
    DATA_MONETIZATION: ("device_price", "monthly_fee", "unit_price"),
    PAY_PER_USE: ("unit_price", "monthly_fee", "device_price"),
    PLATFORM: ("monthly_fee", "unit_price", "device_price"),
    OUTCOME_BASED: ("savings_share", "monthly_fee", "unit_price"),
    ASSET_SHARING: ("unit_price", "monthly_fee", "device_price"),
    HYBRID: ("monthly_fee", "unit_price", "device_price", "savings_share"),
}
SAVINGS_METER = "outcome_savings"
PRICE_POINTS = ("device_price", "instalments", "activation_fee", "monthly_fee", "unit_price",
                "included", "usage_charge", "savings_share", "minimum_commitment")

# Plan document fields that are prices (scaled by `scaled_plan`); allowances are not.
_PRICE_FIELDS = frozenset({
    "amount", "price", "minimum_commitment", "unit_price", "flat_fee", "package_price",
    "fixed_fee", "min_fee", "max_fee", "minimum", "rate",
})


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """One business model to simulate: its plan and what the plan does not say.

    `customers_per_asset` > 1 means customers share devices (asset sharing): the device-bound
    costs (hardware, connectivity per device, security) are split between them. `headline` is
    the price point that stands for the model's price: (name, value), or None.
    """

    id: str
    model: str  # one of MODELS, or HYBRID
    name: str
    plan: Plan
    churn: Decimal  # monthly
    payment_resistance: Decimal  # share of prospects refusing this model's recurring bills
    acquisition_per_customer: Decimal
    customers_per_asset: Decimal = Decimal(1)
    data_products: bool = False
    partner_fees: bool = False
    headline: tuple[str, Decimal] | None = None


def bills_after_sale(plan: Plan) -> bool:
    """Whether the plan bills the customer again after the first month: what payment
    resistance is about (recurring or usage charges, a minimum, instalments)."""
    return bool(plan.recurring or plan.usage or plan.minimum_commitment is not None
                or any(c.instalments > 1 for c in plan.one_time))


def plan_document(model_id: str, name: str, currency: str, points: Mapping[str, object],
                  usage_meter: str | None) -> dict[str, object]:
    """A plan document of docs/plans.md from validated price points (see the module doc)."""
    one_time: list[dict[str, object]] = []
    recurring: list[dict[str, object]] = []
    usage: list[dict[str, object]] = []
    if "device_price" in points:
        one_time.append({"id": "device", "name": "Device", "kind": "device_sale",
                         "amount": points["device_price"], "per": "device",
                         "instalments": points.get("instalments", 1)})
    if "activation_fee" in points:
        one_time.append({"id": "activation", "name": "Activation", "kind": "activation",
                         "amount": points["activation_fee"], "per": "subscription"})
    if "monthly_fee" in points:
        recurring.append({"id": "service", "name": "Service fee", "kind": "per_active_device",
                          "price": points["monthly_fee"], "timing": "in_arrears"})
    charge = points.get("usage_charge")
    if charge is None and "unit_price" in points:
        charge = {"model": "per_unit", "unit_price": points["unit_price"]}
    if charge is not None:
        usage.append({"id": "usage", "name": "Usage", "meter": usage_meter,
                      "included": points.get("included", "0"), "charge": charge})
    if "savings_share" in points:
        share = points["savings_share"]
        rate = decimal_text(EXACT.multiply(Decimal(str(share)), Decimal(100)))
        usage.append({"id": "savings", "name": "Share of savings", "meter": SAVINGS_METER,
                      "charge": {"model": "percentage", "rate": rate}})
    doc: dict[str, object] = {
        "id": model_id, "name": name, "currency": currency, "billing_period": "monthly",
        "one_time": one_time, "recurring": recurring, "usage": usage,
    }
    if "minimum_commitment" in points:
        doc["minimum_commitment"] = points["minimum_commitment"]
    return doc


def scaled_plan(plan: Plan, factor: Decimal) -> Plan:
    """`plan` with every price, fee and rate multiplied by `factor` (allowances unchanged)."""
    if factor == 1:
        return plan
    return parse_plan(_scale(plan_to_doc(plan), factor))


def _scale(value: object, factor: Decimal, key: str = "") -> object:
    if isinstance(value, dict):
        return {k: _scale(v, factor, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scale(v, factor, key) for v in value]
    if key in _PRICE_FIELDS and isinstance(value, str):
        return decimal_text(EXACT.multiply(Decimal(value), factor))
    return value
