"""The plan catalog over REST, on SQLite and PostgreSQL: versions, previews, scopes, tenants.

Acme applies a plan, changes it, and previews a period; Bolt, another tenant, names Acme's plan
on every plan route and gets 404 (or its own plan when it writes one under the same id).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from monetiot.bootstrap import Platform
from monetiot.domain import jsonexact
from monetiot.services import access
from monetiot.web.app import create_app

PLAN: dict[str, Any] = {
    "name": "Pro",
    "currency": "EUR",
    "billing_period": "monthly",
    "trial_days": 14,
    "minimum_commitment": "100",
    "recurring": [{"id": "platform", "name": "Platform fee", "kind": "flat", "price": "49",
                   "timing": "in_advance"},
                  {"id": "devices", "kind": "per_active_device", "price": "1.50"}],
    "usage": [{"id": "energy", "name": "Energy", "meter": "energy_kwh", "included": "100",
               "charge": {"model": "graduated", "tiers": [
                   {"up_to": "1000", "unit_price": "0.15"},
                   {"up_to": None, "unit_price": Decimal("0.100000000000000001")}]}}],
    "entitlements": {"features": ["data.export"], "limits": {"devices": 50}},
}


class Api:
    def __init__(self, client: TestClient, key: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {key}"}

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        content = None if body is None else jsonexact.dumps(body).encode()
        response = self.client.request(method, path, content=content, headers={
            **self.headers, "Content-Type": "application/json"})
        assert response.status_code == expect, (method, path, response.text)
        return jsonexact.loads(response.text) if response.text else None


@pytest.fixture
def apis(platform: Platform) -> Iterator[tuple[Api, Api, Api]]:
    """Acme's admin key, Acme's read key, Bolt's admin key."""
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    with platform.uow() as uow:
        acme = access.create_tenant(uow, platform.clock.now_ms(), "acme", "")
    with platform.uow() as uow:
        bolt = access.create_tenant(uow, platform.clock.now_ms(), "bolt", "")
    with platform.uow() as uow:
        reader = access.create_api_key(uow, platform.clock.now_ms(), "acme", "read", "r")
    yield Api(client, acme.key), Api(client, reader.key), Api(client, bolt.key)


def test_applying_a_plan_creates_versions_only_when_it_changes(
        apis: tuple[Api, Api, Api]) -> None:
    acme, reader, _ = apis
    first = acme.call("PUT", "/v1/plans/pro", PLAN, expect=201)
    assert (first["plan"], first["version"], first["created"]) == ("pro", 1, True)
    again = acme.call("PUT", "/v1/plans/pro", {**PLAN, "id": "pro"}, expect=200)
    assert (again["version"], again["created"]) == (1, False)
    assert again["fingerprint"] == first["fingerprint"]
    changed = copy.deepcopy(PLAN)
    changed["recurring"][0]["price"] = "59"
    assert acme.call("PUT", "/v1/plans/pro", changed, expect=201)["version"] == 2

    latest = reader.call("GET", "/v1/plans/pro")
    assert (latest["version"], latest["latest_version"]) == (2, 2)
    assert latest["document"]["recurring"][0]["price"] == "59"
    assert [v["version"] for v in latest["versions"]] == [1, 2]
    signed = reader.call("GET", "/v1/plans/pro/versions/1")  # what subscriptions signed stays
    assert signed["document"]["recurring"][0]["price"] == "49"
    assert signed["document"]["usage"][0]["charge"]["tiers"][1]["unit_price"] \
        == "0.100000000000000001"
    assert reader.call("GET", "/v1/plans") == {"plans": [
        {"id": "pro", "name": "Pro", "latest_version": 2, "created_ms": signed["created_ms"]}]}
    reader.call("GET", "/v1/plans/pro/versions/3", expect=404)


def test_preview_prices_a_period_of_a_stored_version(apis: tuple[Api, Api, Api]) -> None:
    acme, reader, _ = apis
    acme.call("PUT", "/v1/plans/pro", PLAN, expect=201)
    usage = {"period_index": 1, "usage": {"energy_kwh": "1250"}, "active_devices": "2.5"}
    out = reader.call("POST", "/v1/plans/pro/preview", usage)
    assert out["version"] == 1 and out["currency"] == "EUR"
    assert [(line["charge_id"], line["amount_due"]) for line in out["lines"]] == [
        ("platform", "49.00"), ("devices", "3.75"),
        ("energy", "165.00")]
    assert out["lines"][2]["amount"] == "165.000000000000000150"
    assert out["total"] == "217.75"
    bad = reader.client.post("/v1/plans/pro/preview", json={"usage": {"energy": "1"}},
                             headers=reader.headers)
    assert bad.status_code == 422 and bad.json()["field"] == "usage.energy"


def test_a_bad_plan_is_refused_naming_the_field(apis: tuple[Api, Api, Api]) -> None:
    acme, _, _ = apis
    bad = copy.deepcopy(PLAN)
    bad["usage"][0]["charge"]["tiers"][0]["up_to"] = "-1"
    response = acme.client.put("/v1/plans/pro", content=jsonexact.dumps(bad),
                               headers=acme.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "usage[0].charge.tiers[0].up_to"
    mismatch = acme.client.put("/v1/plans/pro", content=jsonexact.dumps({**PLAN, "id": "x"}),
                               headers=acme.headers)
    assert mismatch.status_code == 422 and mismatch.json()["field"] == "id"
    not_json = acme.client.put("/v1/plans/pro", content=b"{", headers=acme.headers)
    assert not_json.status_code == 422 and not_json.json()["field"] == "body"
    acme.call("GET", "/v1/plans/pro", expect=404)


def test_a_read_key_cannot_write_plans(apis: tuple[Api, Api, Api]) -> None:
    _, reader, _ = apis
    reader.call("PUT", "/v1/plans/pro", PLAN, expect=403)


def test_another_tenant_sees_none_of_acmes_plans(apis: tuple[Api, Api, Api]) -> None:
    acme, _, bolt = apis
    acme.call("PUT", "/v1/plans/pro", PLAN, expect=201)
    assert bolt.call("GET", "/v1/plans") == {"plans": []}
    bolt.call("GET", "/v1/plans/pro", expect=404)
    bolt.call("GET", "/v1/plans/pro/versions/1", expect=404)
    bolt.call("POST", "/v1/plans/pro/preview", {"usage": {}}, expect=404)
    # Bolt's own plan under the same id is Bolt's; Acme's stays as it was
    own = {**PLAN, "name": "Bolt's own"}
    assert bolt.call("PUT", "/v1/plans/pro", own, expect=201)["version"] == 1
    assert acme.call("GET", "/v1/plans/pro")["name"] == "Pro"
    assert bolt.call("GET", "/v1/plans/pro")["name"] == "Bolt's own"


def test_no_credentials_get_401(apis: tuple[Api, Api, Api]) -> None:
    acme, _, _ = apis
    assert acme.client.get("/v1/plans").status_code == 401
