"""Charges priced outside a plan reach exactly one invoice: the next one, or one of their own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from monetiot.bootstrap import Platform
from monetiot.services import access
from monetiot.web.app import create_app

DAY = 86_400_000
PLAN = {"id": "basic", "name": "Basic", "currency": "EUR", "billing_period": "monthly",
        "recurring": [{"id": "fee", "name": "Fee", "kind": "flat", "price": "10",
                       "timing": "in_arrears"}]}


def _client(platform: Platform) -> tuple[TestClient, dict[str, str]]:
    with platform.uow() as uow:
        key = access.create_tenant(uow, platform.clock.now_ms(), "t1", "")
    return TestClient(create_app(platform)), {"Authorization": f"Bearer {key.key}"}


def test_a_charge_lands_once_on_the_next_invoice(platform: Platform, clock) -> None:  # type: ignore[no-untyped-def]
    http, auth = _client(platform)
    start = clock.now_ms() - clock.now_ms() % DAY
    http.post("/v1/customers", json={"id": "c1"}, headers=auth).raise_for_status()
    http.put("/v1/plans/basic", json=PLAN, headers=auth).raise_for_status()
    http.post("/v1/subscriptions", json={"id": "s1", "customer": "c1", "plan": "basic",
                                         "start_ms": start}, headers=auth).raise_for_status()
    body = {"id": "session:42", "kind": "session", "description": "Charging session 42",
            "amount": "7.125", "quantity": "28.5", "unit_price": "0.25"}
    first = http.post("/v1/customers/c1/charges", json=body, headers=auth)
    again = http.post("/v1/customers/c1/charges", json=body, headers=auth)
    assert first.status_code == again.status_code == 201
    conflict = http.post("/v1/customers/c1/charges", json=body | {"amount": "8"}, headers=auth)
    assert conflict.status_code == 409 and conflict.json()["field"] == "id"

    clock.advance(45 * DAY)
    run = http.post("/v1/billing/run", headers=auth).json()
    http.post("/v1/billing/run", headers=auth).raise_for_status()  # a re-run changes nothing
    invoices = http.get("/v1/invoices", headers=auth).json()["invoices"]
    lines = [line for inv in invoices
             for line in http.get(f"/v1/invoices/{inv['id']}", headers=auth).json()["lines"]]
    sessions = [line for line in lines if line["kind"] == "session"]
    assert len(sessions) == 1, run
    assert sessions[0]["amount_due"] == "7.13"  # rounded once, half-up
    pending = http.get("/v1/customers/c1/charges", headers=auth).json()["charges"]
    assert [c["invoice_id"] for c in pending] == [invoices[0]["id"]]


def test_a_customer_without_subscription_is_billed_on_request(platform: Platform) -> None:
    http, auth = _client(platform)
    http.post("/v1/customers", json={"id": "c2"}, headers=auth).raise_for_status()
    http.post("/v1/customers/c2/charges", headers=auth, json={
        "id": "fix-1", "description": "Site visit", "amount": "120"}).raise_for_status()
    made = http.post("/v1/customers/c2/charges/invoice", headers=auth).json()["invoice"]
    assert made["total"] == "120.00" and made["number"] == "INV-000001"
    assert http.post("/v1/customers/c2/charges/invoice", headers=auth).json() == {"invoice": None}
    other = http.post("/v1/customers/nobody/charges", headers=auth, json={
        "description": "x", "amount": "1"})
    assert other.status_code == 404 and other.json()["field"] == "customer"
