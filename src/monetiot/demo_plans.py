"""The demo's catalogue: one plan per business model, priced on the demo fleet's meters.

Each customer of the demo runs a different model, so that the demo can show revenue by model:
Sunfield pays per kWh (pay-per-use), Northmill subscribes per machine with predictive
maintenance as a premium feature (subscription), Voltway bought discounted chargers and pays a
platform fee plus energy beyond an allowance (hybrid), ZipZap pays per scooter kilometre with a
minimum commitment (pay-per-use), and Harbor bought its meters outright in instalments
(product sale) with a small service fee.
"""

from __future__ import annotations

from typing import Any

PLANS: list[dict[str, Any]] = [
    {"id": "energy-ppu", "business_model": "pay_per_use",
     "name": "Energy per kWh", "currency": "EUR",
     "billing_period": "monthly",
     "usage": [{"id": "energy", "name": "Energy delivered", "meter": "energy_kwh",
                "charge": {"model": "graduated", "tiers": [
                    {"up_to": "1000", "unit_price": "0.09"},
                    {"up_to": None, "unit_price": "0.07"}]}}],
     "entitlements": {"features": ["dashboard"]}},
    {"id": "machines-pro", "business_model": "subscription",
     "name": "Machines Pro", "currency": "EUR",
     "billing_period": "monthly", "trial_days": 14,
     "recurring": [
         {"id": "platform", "name": "Platform fee", "kind": "flat", "price": "99",
          "timing": "in_advance"},
         {"id": "machines", "name": "Connected machines", "kind": "per_active_device",
          "price": "35"}],
     "usage": [{"id": "hours", "name": "Operating hours beyond 600", "meter": "machine_hours",
                "included": "600", "charge": {"model": "per_unit", "unit_price": "0.40"}}],
     "entitlements": {"features": ["dashboard", "insights.predictive_maintenance",
                                   "data.export"], "limits": {"devices": 50}}},
    {"id": "charging-hybrid", "business_model": "hybrid",
     "name": "Charging network", "currency": "EUR",
     "billing_period": "monthly", "minimum_commitment": "150",
     "one_time": [{"id": "charger", "name": "Charger (discounted)", "kind": "device_sale",
                   "amount": "490", "per": "device", "instalments": 6}],
     "recurring": [{"id": "platform", "name": "Network platform fee", "kind": "flat",
                    "price": "79", "timing": "in_advance"}],
     "usage": [{"id": "energy", "name": "Charging energy beyond 2,000 kWh",
                "meter": "charging_kwh", "included": "2000",
                "charge": {"model": "per_unit", "unit_price": "0.03"}}],
     "entitlements": {"features": ["dashboard", "roaming"]}},
    {"id": "scooter-km", "business_model": "pay_per_use",
     "name": "Scooter kilometres", "currency": "EUR",
     "billing_period": "monthly", "minimum_commitment": "200",
     "usage": [{"id": "km", "name": "Kilometres ridden", "meter": "scooter_km",
                "charge": {"model": "volume", "tiers": [
                    {"up_to": "2000", "unit_price": "0.12"},
                    {"up_to": None, "unit_price": "0.10"}]}}],
     "entitlements": {"features": ["dashboard"]}},
    {"id": "meters-purchase", "business_model": "product_sale",
     "name": "Meters bought outright", "currency": "EUR",
     "billing_period": "monthly",
     "one_time": [{"id": "meter", "name": "Smart meter", "kind": "device_sale",
                   "amount": "249", "per": "device", "instalments": 3}],
     "recurring": [{"id": "service", "name": "Service and updates", "kind": "flat",
                    "price": "15", "timing": "in_advance"}],
     "entitlements": {"features": ["app.basic"]}},
]

MODELS = {plan["id"]: plan["business_model"] for plan in PLANS}

SUBSCRIPTIONS = {
    "sunfield-energy": "energy-ppu",
    "northmill-works": "machines-pro",
    "voltway-charging": "charging-hybrid",
    "zipzap-mobility": "scooter-km",
    "harbor-buildings": "meters-purchase",
}
