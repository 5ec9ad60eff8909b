"""`monetiot demo`: a tenant, customers and a simulated fleet, a few months of telemetry sent
through the real HTTP ingest path, and a summary of what was ingested, quarantined and metered.

The demo's clock moves with the simulation (each payload is received shortly after it was
measured), so late-window rules act as they would in production; at the end the clock is now.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from monetiot import demo_plans, demo_sharing
from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import FixedClock, SystemClock
from monetiot.domain.windows import period_bounds
from monetiot.ingest.simulator import HOUR_MS, make_fleet
from monetiot.services import access, billing, catalog, fleet, metering, subscriptions
from monetiot.settings import Settings

TENANT = "demo"
CUSTOMERS = [
    ("sunfield-energy", "Sunfield Energy Co-op", "Europe/Berlin"),
    ("northmill-works", "Northmill Works", "Europe/London"),
    ("voltway-charging", "Voltway Charging", "Europe/Paris"),
    ("zipzap-mobility", "ZipZap Mobility", "Europe/Madrid"),
    ("harbor-buildings", "Harbor Buildings", "America/New_York"),
]
OWNERS = {
    "energy_meter": ["sunfield-energy", "harbor-buildings"],
    "machine": ["northmill-works", "harbor-buildings"],
    "charger": ["voltway-charging"],
    "scooter": ["zipzap-mobility"],
}
METERS: list[dict[str, Any]] = [
    {"id": "energy_kwh", "name": "Energy delivered (kWh)", "event_type": "senml.energy",
     "property": "value", "aggregation": "SUM"},
    {"id": "machine_hours", "name": "Machine operating hours", "event_type": "machine.telemetry",
     "property": "operating_hours", "aggregation": "SUM"},
    {"id": "machine_temp_max", "name": "Peak machine temperature (°C)",
     "event_type": "machine.telemetry", "property": "temperature_c", "aggregation": "MAX"},
    {"id": "machine_power_kwh", "name": "Machine energy, time-weighted (kWh)",
     "event_type": "machine.telemetry", "property": "power_kw",
     "aggregation": "TIME_WEIGHTED_SUM"},
    {"id": "charging_kwh", "name": "Charging energy (kWh)", "event_type": "charging.session",
     "property": "kwh", "aggregation": "SUM", "group_by": ["connector"]},
    {"id": "charging_sessions", "name": "Charging sessions", "event_type": "charging.session",
     "aggregation": "COUNT"},
    {"id": "scooter_riders", "name": "Distinct riders", "event_type": "scooter.trip",
     "property": "rider", "aggregation": "UNIQUE_COUNT"},
    {"id": "scooter_km", "name": "Scooter km", "event_type": "scooter.trip", "property": "km",
     "aggregation": "SUM"},
]


@dataclass
class DemoResult:
    platform: Platform
    admin_key: str
    start_ms: int
    end_ms: int
    sent: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    payloads: int = 0
    logins: list[dict[str, str]] = field(default_factory=list)  # console users, shown once


def run(db_path: Path, months: int = 3, devices_per_kind: int = 5,
        progress: Any = None) -> DemoResult:
    """Build the demo tenant and stream `months` of telemetry through POST /v1/events."""
    import warnings

    warnings.filterwarnings("ignore", message=".*httpx.*")
    from fastapi.testclient import TestClient

    from monetiot.web.app import create_app

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    now = SystemClock().now_ms()
    end = now - now % HOUR_MS
    start = _months_back(end, months)
    clock = FixedClock(start)
    plat = bootstrap(Settings(database_url=f"sqlite:///{db_path}"), clock=clock)
    with plat.uow() as uow:
        admin = access.create_tenant(uow, clock.now_ms(), TENANT, "Demo Operator")
    for customer_id, name, tz in CUSTOMERS:
        with plat.uow() as uow:
            fleet.create_customer(uow, start, TENANT, {"id": customer_id, "name": name,
                                                       "timezone": tz})
    for meter in METERS:
        with plat.uow() as uow:
            metering.create_meter(uow, start, TENANT, meter)
    sim = make_fleet(OWNERS, per_kind=devices_per_kind)
    for device in sim.devices:
        with plat.uow() as uow:
            fleet.create_device(uow, start, TENANT, {"id": device.id, "customer": device.customer,
                                                     "assigned_from": start})
    for plan in demo_plans.PLANS:
        with plat.uow() as uow:
            catalog.apply_plan(uow, start, TENANT, plan)
    for customer_id, plan_id in demo_plans.SUBSCRIPTIONS.items():
        with plat.uow() as uow:
            subscriptions.create(uow, start, TENANT, {
                "id": f"{customer_id}-sub", "customer": customer_id, "plan": plan_id,
                "start_ms": start, "seats": 3})
    result = DemoResult(plat, admin.key, start, end)
    client = TestClient(create_app(plat))
    headers = {"Authorization": f"Bearer {admin.key}"}
    shared = demo_sharing.setup(client, headers, clock, TENANT)  # the shared-charger network
    step = 6 * HOUR_MS
    for block in range(start, end, step):
        clock.at_ms = min(block + step, end) + 90_000  # received a little after the block
        for content_type, body in sim.window(block, min(block + step, end)):
            response = client.post("/v1/events", content=body,
                                   headers=headers | {"content-type": content_type})
            result.payloads += 1
            for record in response.json().get("results", []):
                result.sent[record["status"]] += 1
                if record["status"] == "rejected":
                    result.reasons[_reason_kind(record.get("reason", ""))] += 1
        demo_sharing.step(shared, block, min(block + step, end))
        billing.run(plat.uow, clock.now_ms(), TENANT)
        if progress is not None:
            progress(block + step - start, end - start)
    clock.at_ms = now
    plat.clock = SystemClock()
    result.logins = console_logins(plat, now)
    return result


PORTAL_CUSTOMER = "sunfield-energy"


def console_logins(plat: Platform, now_ms: int) -> list[dict[str, str]]:
    """An operator for the console and a user for one customer's portal (passwords once)."""
    from monetiot.services import users

    made = []
    for email, role, customer in (("operator@demo.example", "operator", None),
                                  (f"billing@{PORTAL_CUSTOMER}.example", "customer",
                                   PORTAL_CUSTOMER)):
        with plat.uow() as uow:
            new = users.create_user(uow, now_ms, TENANT, email, role, customer)
        made.append({"role": role, "email": email, "password": new.password,
                     "customer": customer or ""})
    return made


def _reason_kind(reason: str) -> str:
    """A rejection reason short enough for one line of the summary."""
    return reason if len(reason) < 60 else reason[:57] + "..."


def _months_back(end_ms: int, months: int) -> int:
    d = datetime.fromtimestamp(end_ms / 1000, tz=UTC)
    year, month = d.year, d.month - months
    while month <= 0:
        month += 12
        year -= 1
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp() * 1000)


def usage_by_customer_month(result: DemoResult) -> list[dict[str, Any]]:
    """One row per customer and meter, with the figure of each month (customer's time zone)."""
    plat = result.platform
    rows: list[dict[str, Any]] = []
    with plat.uow(readonly=True) as uow:
        for customer_id, _, tz in CUSTOMERS:
            start = period_bounds("month", result.start_ms, tz).start_ms
            start = max(start - start % HOUR_MS, result.start_ms)
            for meter in METERS:
                query = metering.UsageQuery(meter["id"], start, result.end_ms, "month", tz,
                                            customer=customer_id)
                found = metering.usage(uow, TENANT, query, plat.clock.now_ms())
                if not any(r["value"] for r in found):
                    continue
                row: dict[str, Any] = {"customer": customer_id, "meter": meter["id"]}
                row.update({_month(r["from_ms"], tz): r["value"] for r in found})
                rows.append(row)
    return rows


def _month(ms: int, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(ms / 1000, tz=ZoneInfo(tz)).strftime("%Y-%m")


def summary(result: DemoResult) -> dict[str, Any]:
    from monetiot.services import quarantine

    with result.platform.uow(readonly=True) as uow:
        q = quarantine.counts(uow, TENANT)
    return {"payloads": result.payloads, "records": dict(result.sent),
            "quarantine": q, "rejections": dict(result.reasons.most_common(8))}


def invoices(result: DemoResult) -> list[dict[str, Any]]:
    with result.platform.uow(readonly=True) as uow:
        return billing.list_invoices(uow, TENANT, limit=100_000)


def revenue_by_model(result: DemoResult) -> dict[str, dict[str, Decimal]]:
    """Invoiced revenue (totals excluding nothing) per business model and month of issue."""
    plan_of = {f"{c}-sub": p for c, p in demo_plans.SUBSCRIPTIONS.items()}
    out: dict[str, dict[str, Decimal]] = {}
    for inv in invoices(result):
        model = demo_plans.MODELS[plan_of[inv["subscription"]]]
        month = _month(inv["finalized_ms"] or inv["created_ms"], "UTC")
        row = out.setdefault(model, {})
        row[month] = row.get(month, Decimal(0)) + Decimal(inv["total"])
    return out


def dump(value: Any) -> str:
    from monetiot.web.responses import exact

    return json.dumps(exact(value), indent=2)
