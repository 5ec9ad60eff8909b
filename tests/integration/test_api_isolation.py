"""Tenant isolation and access control, tried on EVERY route of the app.

Tenant A (acme) owns a customer, a device, a profile, a meter, events, usage, a quarantine
entry, a plan, a subscription with invoices, a payment, a credit note, a wallet top-up, a coupon
and a webhook, many carrying a secret marker. Tenant B (bolt) then calls every route naming A's
ids. B must get 404 (or an empty list, or its own new object), never a byte of A's data, and A's
world must read exactly the same afterwards. `route_cases` lists one case per route: a route
added to the app without a case here makes `test_every_route_has_an_isolation_case` fail.

Keys are scoped (admin, ingest, read); devices authenticate as `TENANT/DEVICE` with their own
password and may only send events. Revoked, missing and garbage credentials get a 401
problem+json on every route.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.routing import APIRoute
from test_api_support import (
    HOUR,
    SharedDatabase,
    World,
    basic,
    bearer,
    event,
    iso,
    new_tenant,
    shared_database,
)
from test_sharing_support import seed_isolation as seed_sharing

from monetiot.bootstrap import Platform

DAY = 24 * HOUR
PUBLIC = {("GET", "/healthz"), ("GET", "/openapi.json"), ("GET", "/docs"),
          ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}
SECRETS = ("acme-secret-customer", "acme-secret-device", "acme-secret-meter", "acme-secret-data",
           "acme-secret-raw", "acme-secret-plan", "acme-secret-credit", "acme-secret-topup",
           "acme-secret-payment", "acme-secret-key", "acme-secret-coupon", "acme.secret.type",
           "acme-secret-outcome", "acme-secret-owner", "acme-secret-asset",
           "acme-secret-member")

CHARGE = {"charge": {"model": "per_unit", "unit_price": "0.5"}, "quantity": "3"}
TARIFF = {
    "tariff": {"country_code": "DE", "party_id": "ALL", "id": "16", "currency": "EUR",
               "elements": [{"price_components": [{"type": "ENERGY", "price": "0.25",
                                                   "step_size": 1}]}],
               "last_updated": "2018-12-17T11:16:55Z"},
    "session": {"time_zone": "UTC", "charging_periods": [
        {"start_date_time": "2024-06-03T10:00:00Z", "end_date_time": "2024-06-03T12:00:00Z",
         "state": "CHARGING", "energy_kwh": "20"}]},
}



def outcome(description: str, **extra: Any) -> dict[str, Any]:
    """An SLA outcome contract for acme-cust's device (docs/outcomes.md)."""
    return {"id": "acme-outcome", "customer": "acme-cust", "description": description,
            "pricing": {"form": "sla", "currency": "EUR"},
            "sla": {"device": "acme-dev", "fee": "100",
                    "bands": [{"min_availability": "0", "credit_percent": "10"}]}, **extra}


def plan(plan_id: str, name: str) -> dict[str, Any]:
    return {"id": plan_id, "name": name, "currency": "EUR", "billing_period": "monthly",
            "recurring": [{"id": "platform", "name": "Platform fee", "kind": "flat",
                           "price": "19", "timing": "in_advance"}]}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the route's template
    scope: str  # admin | read | ingest: what a key needs
    url: str  # naming tenant A's ids
    cross: int  # what tenant B's admin key gets
    body: Any = None


@dataclass
class Seeded:
    """Tenant A's ids, made by `seed_a`."""

    key_id: str
    entry_id: int
    device_password: str
    invoice_id: str = "inv_none"
    payment_id: str = "pay_none"
    webhook_id: str = "we_none"
    webhook_secret: str = "whsec_none"
    booking_id: str = "bkg_none"
    session_id: str = "ses_none"

    def ids(self) -> list[str]:
        """A's own ids, which no successful answer to B may contain."""
        return [self.invoice_id, self.payment_id, self.webhook_id, self.webhook_secret,
                self.device_password, "acme-sub", self.booking_id, self.session_id]


def seed_a(world: World) -> Seeded:
    a = world.a
    now = world.platform.clock.now_ms()
    a.call("POST", "/v1/customers", json={"id": "acme-cust", "name": "acme-secret-customer",
                                          "email": "ops@acme.example"}, expect=201)
    made = a.call("POST", "/v1/devices", json={
        "id": "acme-dev", "name": "acme-secret-device", "customer": "acme-cust",
        "assigned_from": now - 10 * HOUR}, expect=201).json()
    a.call("PUT", "/v1/device-profiles/acme-prof", json={
        "type": "acme.secret.type", "time": "ts", "measurements": {"kwh": "e"}})
    a.call("POST", "/v1/meters", json={"id": "acme-kwh", "name": "acme-secret-meter",
                                       "event_type": "energy", "aggregation": "SUM",
                                       "property": "kwh"}, expect=201)
    sent = a.send([event("acme-ev-1", now - 2 * HOUR, device="acme-dev", kwh="1.5",
                         note="acme-secret-data"),
                   event("acme-ev-2", now - 2 * HOUR, device="acme-ghost",
                         note="acme-secret-raw")], expect=200).json()
    entry_id = sent["results"][1]["quarantine_id"]
    a.call("PUT", "/v1/plans/acme-plan", json=plan("acme-plan", "acme-secret-plan"), expect=201)
    # Billing: a subscription billed twice already, a credit note, a top-up and a coupon.
    a.call("PUT", "/v1/customers/acme-cust/billing", json={"tax_rate": "20"})
    a.call("POST", "/v1/subscriptions", json={"id": "acme-sub", "customer": "acme-cust",
                                              "plan": "acme-plan", "start_ms": now - 40 * DAY},
           expect=201)
    a.call("POST", "/v1/billing/run")
    first, second = (i["id"] for i in a.get("/v1/invoices")["invoices"][:2])
    invoice_id = first
    a.call("POST", f"/v1/invoices/{invoice_id}/finalize")
    payment = a.call("POST", f"/v1/invoices/{second}/payments", expect=201, json={
        "amount": "1", "method": "bank_transfer", "idempotency_key": "acme-pay",
        "reference": "acme-secret-payment"}).json()
    a.call("POST", f"/v1/payments/{payment['id']}/refunds", expect=201, json={
        "amount": "0.5", "idempotency_key": "acme-refund"})
    hook = a.call("POST", "/v1/webhooks", json={"url": "https://acme.example/hooks"},
                  expect=201).json()
    a.call("POST", f"/v1/invoices/{invoice_id}/credit-notes", expect=201, json={
        "amount": "1", "reason": "acme-secret-credit", "idempotency_key": "acme-cn"})
    a.call("POST", "/v1/customers/acme-cust/wallet/top-ups", expect=201, json={
        "amount": "50", "idempotency_key": "acme-topup", "note": "acme-secret-topup"})
    a.call("POST", "/v1/coupons", json={"id": "acme-coupon", "name": "acme-secret-coupon",
                                        "kind": "fixed", "amount": "5"}, expect=201)
    a.call("POST", "/v1/subscriptions/acme-sub/coupons", json={"coupon": "acme-coupon"})
    a.call("POST", "/v1/outcome-contracts", json=outcome("acme-secret-outcome"), expect=201)
    booking_id, session_id = seed_sharing(world, "acme-dev", "acme-cust")
    key = a.call("POST", "/v1/api-keys", json={"scope": "read", "name": "acme-secret-key"},
                 expect=201).json()
    return Seeded(key["id"], entry_id, made["credentials"]["password"], second, payment["id"],
                  hook["id"], hook["secret"], booking_id, session_id)


def route_cases(s: Seeded, now: int) -> list[Case]:
    """One case per route, in the order B tries them (reads before B creates look-alikes)."""
    window = f"start={iso(now - 10 * HOUR)}&end={iso(now)}"
    sub, inv = "/v1/subscriptions/acme-sub", f"/v1/invoices/{s.invoice_id}"
    return [
        Case("GET", "/v1/customers", "read", "/v1/customers", 200),
        Case("GET", "/v1/customers/{customer_id}", "read", "/v1/customers/acme-cust", 404),
        Case("GET", "/v1/devices", "read", "/v1/devices?customer=acme-cust", 200),
        Case("GET", "/v1/devices/{device_id}", "read", "/v1/devices/acme-dev", 404),
        Case("POST", "/v1/devices/{device_id}/credentials", "admin",
             "/v1/devices/acme-dev/credentials", 404),
        Case("POST", "/v1/devices/{device_id}/assignments", "admin",
             "/v1/devices/acme-dev/assignments", 404,
             {"customer": "acme-cust", "from": iso(now)}),
        Case("GET", "/v1/device-profiles", "read", "/v1/device-profiles", 200),
        Case("GET", "/v1/meters", "read", "/v1/meters", 200),
        Case("GET", "/v1/usage", "read", f"/v1/usage?meter=acme-kwh&{window}", 404),
        Case("GET", "/v1/events", "read", "/v1/events?device=acme-dev", 200),
        Case("POST", "/v1/events/{event_id}/void", "admin", "/v1/events/acme-ev-1/void", 404,
             {"reason": "not yours"}),
        Case("GET", "/v1/device-clocks", "read", "/v1/device-clocks", 200),
        Case("GET", "/v1/quarantine", "read", "/v1/quarantine?status=all", 200),
        Case("GET", "/v1/quarantine/{entry_id}", "read", f"/v1/quarantine/{s.entry_id}", 404),
        Case("POST", "/v1/quarantine/{entry_id}/replay", "admin",
             f"/v1/quarantine/{s.entry_id}/replay", 404),
        Case("POST", "/v1/quarantine/{entry_id}/discard", "admin",
             f"/v1/quarantine/{s.entry_id}/discard", 404),
        Case("GET", "/v1/api-keys", "admin", "/v1/api-keys", 200),
        Case("DELETE", "/v1/api-keys/{key_id}", "admin", f"/v1/api-keys/{s.key_id}", 404),
        # B sends events naming A's device and reusing A's event ids: not A's device for B.
        Case("POST", "/v1/events", "ingest", "/v1/events", 422,
             [event("acme-ev-1", now - 2 * HOUR, device="acme-dev", kwh="99")]),
        Case("GET", "/v1/plans", "read", "/v1/plans", 200),
        Case("GET", "/v1/plans/{plan_id}", "read", "/v1/plans/acme-plan", 404),
        Case("GET", "/v1/plans/{plan_id}/versions/{version}", "read",
             "/v1/plans/acme-plan/versions/1", 404),
        Case("POST", "/v1/plans/{plan_id}/preview", "read", "/v1/plans/acme-plan/preview", 404,
             {"period_index": 0, "usage": {}}),
        Case("GET", "/v1/subscriptions", "read", "/v1/subscriptions?customer=acme-cust", 200),
        Case("GET", "/v1/subscriptions/{sub_id}", "read", sub, 404),
        Case("POST", "/v1/subscriptions", "admin", "/v1/subscriptions", 404,
             {"customer": "acme-cust", "plan": "acme-plan"}),
        Case("POST", "/v1/subscriptions/{sub_id}/change", "admin", f"{sub}/change", 404,
             {"plan": "acme-plan", "when": "now"}),
        Case("POST", "/v1/subscriptions/{sub_id}/cancel", "admin", f"{sub}/cancel", 404,
             {"when": "now"}),
        Case("POST", "/v1/subscriptions/{sub_id}/pause", "admin", f"{sub}/pause", 404),
        Case("POST", "/v1/subscriptions/{sub_id}/resume", "admin", f"{sub}/resume", 404),
        Case("POST", "/v1/subscriptions/{sub_id}/coupons", "admin", f"{sub}/coupons", 404,
             {"coupon": "acme-coupon"}),
        Case("GET", "/v1/invoices", "read", "/v1/invoices?customer=acme-cust", 200),
        Case("GET", "/v1/invoices/{invoice_id}", "read", inv, 404),
        Case("POST", "/v1/invoices/{invoice_id}/finalize", "admin", f"{inv}/finalize", 404),
        Case("POST", "/v1/invoices/{invoice_id}/credit-notes", "admin", f"{inv}/credit-notes",
             404, {"amount": "1", "refund": True, "idempotency_key": "acme-cn"}),
        Case("GET", "/v1/credit-notes", "read", f"/v1/credit-notes?invoice={s.invoice_id}", 200),
        Case("PUT", "/v1/customers/{customer_id}/billing", "admin",
             "/v1/customers/acme-cust/billing", 404, {"tax_rate": "0"}),
        Case("POST", "/v1/customers/{customer_id}/charges", "admin",
             "/v1/customers/acme-cust/charges", 404,
             {"description": "acme-secret-charge", "amount": "1"}),
        Case("POST", "/v1/advisor", "read", "/v1/advisor", 422,
             {"assumptions": {"currency": "EUR", "prospects": 1, "churn": "0",
                              "meters": {"usage": "acme-kwh"},
                              "models": {"pay_per_use": {"unit_price": "0.1"}}}}),
        Case("GET", "/v1/customers/{customer_id}/charges", "read",
             "/v1/customers/acme-cust/charges", 404),
        Case("POST", "/v1/customers/{customer_id}/charges/invoice", "admin",
             "/v1/customers/acme-cust/charges/invoice", 404),
        Case("POST", "/v1/customers/{customer_id}/wallet/top-ups", "admin",
             "/v1/customers/acme-cust/wallet/top-ups", 404,
             {"amount": "1000", "idempotency_key": "acme-topup"}),
        Case("GET", "/v1/customers/{customer_id}/wallet", "read",
             "/v1/customers/acme-cust/wallet", 404),
        Case("GET", "/v1/entitlements", "read", "/v1/entitlements?customer=acme-cust", 404),
        Case("POST", "/v1/billing/run", "admin", "/v1/billing/run", 200),
        Case("GET", "/v1/invoices/overdue", "read", "/v1/invoices/overdue", 200),
        Case("POST", "/v1/invoices/{invoice_id}/payments", "admin", f"{inv}/payments", 404,
             {"amount": "1", "method": "bank_transfer", "idempotency_key": "acme-pay"}),
        Case("GET", "/v1/invoices/{invoice_id}/payments", "read", f"{inv}/payments", 404),
        Case("POST", "/v1/payments/{payment_id}/refunds", "admin",
             f"/v1/payments/{s.payment_id}/refunds", 404,
             {"amount": "0.5", "idempotency_key": "bolt-refund"}),
        Case("POST", "/v1/invoices/{invoice_id}/void", "admin", f"{inv}/void", 404),
        Case("GET", "/v1/invoices/{invoice_id}/pdf", "read", f"{inv}/pdf", 404),
        Case("GET", "/v1/exports/invoices.csv", "read",
             "/v1/exports/invoices.csv?customer=acme-cust", 200),
        Case("GET", "/v1/exports/invoice-lines.csv", "read", "/v1/exports/invoice-lines.csv",
             200),
        Case("GET", "/v1/webhooks", "admin", "/v1/webhooks", 200),
        Case("GET", "/v1/webhooks/{endpoint_id}/deliveries", "admin",
             f"/v1/webhooks/{s.webhook_id}/deliveries", 404),
        Case("DELETE", "/v1/webhooks/{endpoint_id}", "admin", f"/v1/webhooks/{s.webhook_id}",
             404),
        Case("POST", "/v1/webhooks/deliveries/{delivery_id}/retry", "admin",
             "/v1/webhooks/deliveries/dlv_none/retry", 404),
        Case("POST", "/v1/charges/preview", "read", "/v1/charges/preview", 200, CHARGE),
        Case("POST", "/v1/tariffs/preview", "read", "/v1/tariffs/preview", 200, TARIFF),
        Case("GET", "/v1/outcome-contracts", "read", "/v1/outcome-contracts?customer=acme-cust",
             200),
        Case("GET", "/v1/outcome-contracts/{contract_id}", "read",
             "/v1/outcome-contracts/acme-outcome", 404),
        Case("POST", "/v1/outcome-contracts/{contract_id}/settle", "admin",
             "/v1/outcome-contracts/acme-outcome/settle", 404,
             {"start": iso(now - 10 * HOUR), "end": iso(now)}),
        Case("POST", "/v1/outcome-contracts", "admin", "/v1/outcome-contracts", 404,
             outcome("bolt's contract for acme's customer")),
        Case("POST", "/v1/outcomes/preview", "read", "/v1/outcomes/preview", 200,
             outcome("bolt's preview", reporting=[{"start": iso(now - 10 * HOUR),
                                                   "end": iso(now), "availability": "99"}])),
        Case("GET", "/v1/owners", "read", "/v1/owners", 200),
        Case("GET", "/v1/owners/{owner_id}/statement", "read",
             f"/v1/owners/acme-owner/statement?{window}", 404),
        Case("GET", "/v1/assets", "read", "/v1/assets?owner=acme-owner", 200),
        Case("GET", "/v1/assets/{asset_id}", "read", "/v1/assets/acme-asset", 404),
        Case("POST", "/v1/assets", "admin", "/v1/assets", 404,
             {"id": "bolt-asset", "owner": "acme-owner", "device": "acme-dev",
              "tariff": TARIFF["tariff"]}),
        Case("GET", "/v1/members", "read", "/v1/members?customer=acme-cust", 200),
        Case("POST", "/v1/members", "admin", "/v1/members", 404,
             {"id": "bolt-member", "customer": "acme-cust"}),
        Case("GET", "/v1/bookings", "read", "/v1/bookings?asset=acme-asset", 200),
        Case("GET", "/v1/bookings/{booking_id}", "read", f"/v1/bookings/{s.booking_id}", 404),
        Case("POST", "/v1/bookings", "admin", "/v1/bookings", 404,
             {"asset": "acme-asset", "member": "acme-member", "start": iso(now + HOUR),
              "end": iso(now + 2 * HOUR)}),
        Case("POST", "/v1/bookings/{booking_id}/cancel", "admin",
             f"/v1/bookings/{s.booking_id}/cancel", 404),
        Case("POST", "/v1/assets/{asset_id}/sessions", "admin", "/v1/assets/acme-asset/sessions",
             404, {"member": "acme-member"}),
        Case("GET", "/v1/sessions", "read", "/v1/sessions?asset=acme-asset", 200),
        Case("GET", "/v1/sessions/{session_id}", "read", f"/v1/sessions/{s.session_id}", 404),
        Case("POST", "/v1/sessions/{session_id}/stop", "admin",
             f"/v1/sessions/{s.session_id}/stop", 404),
        Case("POST", "/v1/sharing/sweep", "admin", "/v1/sharing/sweep", 200),
        # B may reuse A's ids for its own objects; A's stay as they were.
        Case("POST", "/v1/customers", "admin", "/v1/customers", 201,
             {"id": "acme-cust", "name": "bolt's own"}),
        Case("PUT", "/v1/device-profiles/{profile_id}", "admin",
             "/v1/device-profiles/acme-prof", 200,
             {"type": "bolt.type", "time": "t", "measurements": {"x": "y"}}),
        Case("POST", "/v1/devices", "admin", "/v1/devices", 201, {"id": "acme-dev"}),
        Case("POST", "/v1/meters", "admin", "/v1/meters", 201,
             {"id": "acme-kwh", "event_type": "energy", "aggregation": "COUNT"}),
        Case("PUT", "/v1/plans/{plan_id}", "admin", "/v1/plans/acme-plan", 201,
             plan("acme-plan", "bolt's plan")),
        Case("POST", "/v1/coupons", "admin", "/v1/coupons", 201,
             {"id": "acme-coupon", "kind": "percentage", "percent": "100"}),
        Case("POST", "/v1/webhooks", "admin", "/v1/webhooks", 201,
             {"url": "https://bolt.example/hooks"}),
        Case("POST", "/v1/api-keys", "admin", "/v1/api-keys", 201, {"scope": "admin"}),
        Case("POST", "/v1/owners", "admin", "/v1/owners", 201, {"id": "acme-owner"}),
    ]


def app_routes(world: World) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute) or hasattr(route, "methods"):
                path = route.path if route.path.startswith(prefix) else prefix + route.path
                found.update((m, path) for m in route.methods if m != "HEAD")
            elif hasattr(route, "original_router"):  # an included router (newer FastAPI)
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "routes"):
                walk(route.routes, prefix + getattr(route, "path", ""))

    walk(world.client.app.routes, "")  # type: ignore[attr-defined]
    return found


def request(world: World, case: Case, headers: dict[str, str]) -> Any:
    if case.body is None:
        return world.client.request(case.method, case.url, headers=headers)
    from monetiot.domain.jsonexact import dumps

    return world.client.request(case.method, case.url, content=dumps(case.body).encode(),
                                headers={**headers, "Content-Type": "application/json"})


def snapshot(world: World, invoice_id: str) -> dict[str, Any]:
    """Everything tenant A can read about itself."""
    a, now = world.a, world.platform.clock.now_ms()
    window = {"start": iso(now - 10 * HOUR), "end": iso(now), "group_by": "customer,device"}
    return {
        "customers": a.get("/v1/customers"),
        "customer": a.get("/v1/customers/acme-cust"),
        "devices": a.get("/v1/devices"),
        "device": a.get("/v1/devices/acme-dev"),
        "profiles": a.get("/v1/device-profiles"),
        "meters": a.get("/v1/meters"),
        "usage": a.get("/v1/usage", params={"meter": "acme-kwh", **window}),
        "events": a.get("/v1/events"),
        "quarantine": a.get("/v1/quarantine", params={"status": "all"}),
        "keys": a.get("/v1/api-keys"),
        "plans": a.get("/v1/plans"),
        "plan": a.get("/v1/plans/acme-plan"),
        "subscriptions": a.get("/v1/subscriptions"),
        "subscription": a.get("/v1/subscriptions/acme-sub"),
        "invoices": a.get("/v1/invoices"),
        "credit_notes": a.get("/v1/credit-notes"),
        "wallet": a.get("/v1/customers/acme-cust/wallet"),
        "entitlements": a.get("/v1/entitlements", params={"customer": "acme-cust"}),
        "payments": a.get(f"/v1/invoices/{invoice_id}/payments"),
        "overdue": a.get("/v1/invoices/overdue"),
        "webhooks": a.get("/v1/webhooks"),
        "outcome_contract": a.get("/v1/outcome-contracts/acme-outcome"),
        "assets": a.get("/v1/assets"),
        "members": a.get("/v1/members"),
        "bookings": a.get("/v1/bookings"),
        "sessions": a.get("/v1/sessions"),
        "statement": a.get("/v1/owners/acme-owner/statement",
                           params={"start": iso(now - 10 * HOUR), "end": iso(now + HOUR)}),
        "invoices.csv": a.call("GET", "/v1/exports/invoices.csv").text,
        "lines.csv": a.call("GET", "/v1/exports/invoice-lines.csv").text,
        "pdf": len(a.call("GET", f"/v1/invoices/{invoice_id}/pdf").content) > 0,
    }


db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    yield db.world()


def test_every_route_has_an_isolation_case(sqlite_platform: Platform) -> None:
    world = World.build(sqlite_platform)
    cases = route_cases(Seeded("k", 1, "p"), 0)
    covered = {(c.method, c.path) for c in cases}
    assert len(covered) == len(cases), "one case per route"
    # the REST API; the console's and portal's HTML pages are tested in test_console_*
    api = {(method, path) for method, path in app_routes(world) if path.startswith("/v1/")}
    missing = api - covered - PUBLIC
    assert not missing, f"routes without a tenant-isolation case: {sorted(missing)}"
    assert not covered - app_routes(world), "cases for routes the app no longer has"


def test_another_tenant_can_neither_read_nor_change_anything(world: World) -> None:
    seeded = seed_a(world)
    before = snapshot(world, seeded.invoice_id)
    assert all(secret in str(before) for secret in SECRETS[:10])
    for case in route_cases(seeded, world.platform.clock.now_ms()):
        response = request(world, case, world.b.auth)
        assert response.status_code == case.cross, (case.method, case.url, response.text)
        for secret in SECRETS:
            assert secret not in response.text, (case.method, case.url, secret)
        if response.status_code < 300:  # a 404 may repeat the id B asked for, nothing more
            for own in seeded.ids():
                assert own not in response.text, (case.method, case.url, own)
    assert snapshot(world, seeded.invoice_id) == before
    # What B made is B's: A's key and device password still work, B's do not reach A.
    assert world.a.get("/v1/customers/acme-cust")["name"] == "acme-secret-customer"
    device_auth = basic(f"{world.a.id}/acme-dev", seeded.device_password)
    ok = world.a.send([event("acme-ev-3", world.platform.clock.now_ms() - HOUR,
                             device="acme-dev", kwh="1")], headers=device_auth)
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    assert world.b.get("/v1/customers/acme-cust")["name"] == "bolt's own"


def test_event_ids_are_unique_per_tenant_not_across_tenants(world: World) -> None:
    now = world.platform.clock.now_ms()
    for tenant in (world.a, world.b):
        tenant.customer("c1")
        tenant.device("d1", customer="c1", assigned_from=now - 10 * HOUR)
    first = world.a.send([event("same-id", now - HOUR, kwh="1")], expect=200).json()
    other = world.b.send([event("same-id", now - HOUR, kwh="2")], expect=200).json()
    assert first["accepted"] == 1
    assert other["accepted"] == 1  # not a duplicate, not a conflict: another tenant's id
    assert world.a.get("/v1/events")["events"][0]["data"] == {"kwh": "1"}
    assert world.b.get("/v1/events")["events"][0]["data"] == {"kwh": "2"}


def test_device_credentials_only_work_for_their_own_tenant(world: World) -> None:
    now = world.platform.clock.now_ms()
    world.a.customer("c1")
    _, a_password = world.a.device("d1", customer="c1", assigned_from=now - HOUR)
    _, b_password = world.b.device("d1")  # same device id in tenant B
    body = [event("x1", now - 1000, device=None, kwh="1")]
    a_id, b_id = world.a.id, world.b.id
    for username, password in [(f"{b_id}/d1", a_password), (f"{a_id}/d1", b_password),
                               ("d1", a_password), (f"{a_id}/", a_password),
                               (f"{a_id}/d1/extra", a_password), ("/d1", a_password),
                               (f"{a_id.upper()}/d1", a_password)]:
        response = world.a.send(body, headers=basic(username, password))
        assert response.status_code == 401, (username, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert world.stored_events(world.a.id) == 0
    assert world.stored_events(world.b.id) == 0
    accepted = world.b.send(body, headers=basic(f"{b_id}/d1", b_password), expect=200).json()
    assert accepted["accepted"] == 1
    assert world.stored_events(world.b.id) == 1 and world.stored_events(world.a.id) == 0


def allowed(scope: str, principal: str) -> bool:
    return {"admin": {"admin"}, "read": {"admin", "read"},
            "ingest": {"admin", "ingest", "device"}}[scope].__contains__(principal)


def test_scopes_are_enforced_on_every_route(world: World) -> None:
    seeded = seed_a(world)
    a = world.a
    principals = {
        "read": bearer(a.key("read")),
        "ingest": bearer(a.key("ingest")),
        "device": basic(f"{a.id}/acme-dev", seeded.device_password),
    }
    for case in route_cases(seeded, world.platform.clock.now_ms()):
        for name, headers in principals.items():
            if allowed(case.scope, name):
                continue  # what an allowed principal gets is tested elsewhere
            response = request(world, case, headers)
            assert response.status_code == 403, (name, case.method, case.url, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["status"] == 403
    # Allowed principals are let through (whatever the outcome of the request itself).
    read = world.client.get("/v1/customers", headers=principals["read"])
    assert read.status_code == 200 and "acme-secret-customer" in read.text
    ingest = world.a.send([event("i1", world.platform.clock.now_ms() - HOUR, device="acme-dev",
                                 kwh="1")], headers=principals["ingest"])
    assert ingest.status_code == 200 and ingest.json()["accepted"] == 1
    keys = a.get("/v1/api-keys")["api_keys"]
    assert len(keys) == 4  # admin, seeded read, read, ingest: none made by a refused request
    assert all(k["revoked_ms"] is None for k in keys)


def test_revoked_missing_and_garbage_credentials_get_401_everywhere(world: World) -> None:
    seeded = seed_a(world)
    a = world.a
    revoked = a.key("admin")
    key_id = revoked.split("_")[1]
    a.call("DELETE", f"/v1/api-keys/{key_id}")
    keys = {k["id"]: k for k in a.get("/v1/api-keys")["api_keys"]}
    assert keys[key_id]["revoked_ms"] == world.platform.clock.now_ms()
    a.call("DELETE", f"/v1/api-keys/{key_id}", expect=404)  # revoked once
    wrong_secret = a.admin_key[:-4] + ("AAAA" if not a.admin_key.endswith("AAAA") else "BBBB")
    credentials: dict[str, dict[str, str]] = {
        "revoked": bearer(revoked),
        "missing": {},
        "empty bearer": {"Authorization": "Bearer "},
        "garbage bearer": {"Authorization": "Bearer garbage"},
        "unknown key": bearer("mk_000000000000_nope"),
        "wrong secret": bearer(wrong_secret),
        "other scheme": {"Authorization": f"Token {a.admin_key}"},
        "garbage basic": {"Authorization": "Basic %%%not-base64"},
        "basic not utf-8": {"Authorization": "Basic /w=="},
        "wrong device password": basic(f"{a.id}/acme-dev", "nope"),
        "x-api-key revoked": {"X-Api-Key": revoked},
    }
    for case in route_cases(seeded, world.platform.clock.now_ms()):
        for name, headers in credentials.items():
            response = request(world, case, headers)
            assert response.status_code == 401, (name, case.method, case.url, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"].startswith("Bearer")
            problem = response.json()
            assert problem["status"] == 401 and problem["title"] == "unauthorized"
            assert problem["detail"]
    assert world.client.get("/v1/customers", headers={"X-Api-Key": a.admin_key}).status_code == 200
    assert world.client.get("/healthz").status_code == 200


def test_a_device_may_send_only_as_itself(world: World) -> None:
    now = world.platform.clock.now_ms()
    a = world.a
    a.customer("c1")
    a.customer("c2")
    user, password = a.device("d1", customer="c1", assigned_from=now - HOUR)
    a.device("d2", customer="c2", assigned_from=now - HOUR)
    auth = basic(user, password)
    response = a.send([event("own", now - 1000, device=None, kwh="1"),
                       event("named-own", now - 900, device="d1", kwh="1"),
                       event("other", now - 800, device="d2", kwh="1"),
                       {**event("cust", now - 700, device=None, kwh="1"), "customer": "c2"}],
                      headers=auth)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted", "rejected", "rejected"]
    assert "only as itself" in results[2]["reason"] and "d2" in results[2]["reason"]
    assert "c2" in results[3]["reason"]
    stored = {e["id"]: e for e in a.get("/v1/events")["events"]}
    assert set(stored) == {"own", "named-own"}
    assert stored["own"]["device"] == "d1" and stored["own"]["customer"] == "c1"
    # CloudEvents and SenML from a device are read as that device too.
    ce = {"specversion": "1.0", "id": "ce1", "source": "/gw/d2", "type": "energy",
          "time": iso(now - 600), "data": {"kwh": "1"}}
    assert a.send(ce, "application/cloudevents+json", headers=auth).json()["accepted"] == 1
    spoof = {**ce, "id": "ce2", "subject": "d2"}
    assert a.send(spoof, "application/cloudevents+json", headers=auth).json()["rejected"] == 1
    senml = [{"bn": "d2:", "n": "kwh", "v": 1, "t": Decimal(now - 500) / 1000}]
    assert a.send(senml, "application/senml+json", headers=auth).json()["accepted"] == 1
    devices = {e["id"]: e["device"] for e in a.get("/v1/events")["events"]}
    assert devices["ce1"] == "d1"
    assert set(devices.values()) == {"d1"}


def test_a_third_tenant_is_created_with_its_own_admin_key(world: World) -> None:
    third = new_tenant(world.platform, world.client, f"cargo-{world.a.id}")
    assert third.get("/v1/customers") == {"customers": []}
    assert world.client.get("/v1/customers", headers=third.auth).status_code == 200
