"""The advisor on the web: the public example page, and POST /v1/advisor for a read key (in the
Authorization header only), with posted usage or the key's own tenant's meters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_billing_support import Book, utc

from monetiot.bootstrap import Platform
from monetiot.domain import jsonexact
from monetiot.services import access
from monetiot.userfiles import read_document
from monetiot.web.app import create_app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "advisor"
ASSUMPTIONS: dict[str, Any] = {
    "currency": "EUR", "horizon_months": 6, "prospects": 10, "churn": "0.02",
    "meters": {"usage": "kwh"},
    "costs": {"hardware_per_device": "50", "acquisition_per_customer": "20"},
    "models": {"subscription": {"monthly_fee": "9"}, "pay_per_use": {"unit_price": "0.1"}},
}


@pytest.fixture
def web(platform: Platform) -> Iterator[tuple[TestClient, str, str]]:
    """A client, a read key of acme (which has usage) and a read key of bolt (which has none)."""
    platform.clock.at_ms = utc("2026-01-01")  # type: ignore[attr-defined]
    book = Book(platform, tenant="acme")
    book.customer("c1", devices=1)
    book.usage("c1-d1", (utc("2026-01-05"), "120"), (utc("2026-02-05"), "80"))
    book.at(utc("2026-03-15"))
    with platform.uow() as uow:
        access.create_tenant(uow, book.now, "bolt", "")
    keys = []
    for tenant in ("acme", "bolt"):
        with platform.uow() as uow:
            keys.append(access.create_api_key(uow, book.now, tenant, "read", "advisor").key)
    yield TestClient(create_app(platform), raise_server_exceptions=False), keys[0], keys[1]


def post(client: TestClient, body: Any, key: str | None, query: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.post(f"/v1/advisor{query}", content=jsonexact.dumps(body).encode(),
                       headers=headers)


def test_the_example_page_is_public(web: tuple[TestClient, str, str]) -> None:
    client, _, _ = web
    page = client.get("/advisor/example")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Recommended: Starter" in page.text and page.text.count("<svg") == 2
    assert "<script" not in page.text
    index = client.get("/advisor")
    assert index.status_code == 200 and 'href="/advisor/example"' in index.text


def test_the_api_needs_a_key_in_the_authorization_header(
        web: tuple[TestClient, str, str]) -> None:
    client, acme, _ = web
    body = {"assumptions": ASSUMPTIONS, "usage": "device,month,meter,quantity\nd,2026-01,kwh,5\n"}
    assert post(client, body, None).status_code == 401
    assert post(client, body, None, f"?key={acme}").status_code == 401


def test_advice_for_posted_usage(web: tuple[TestClient, str, str]) -> None:
    client, acme, _ = web
    usage = (EXAMPLE / "usage.csv").read_text()
    body = {"assumptions": read_document(EXAMPLE / "assumptions.yaml"), "usage": usage}
    response = post(client, body, acme)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["recommendation"]["id"] == "starter"
    subscription = next(m for m in doc["models"] if m["model"] == "subscription")
    assert subscription["ltv"] == "94.05"  # exact text, as everywhere in the API
    html = post(client, body, acme, "?format=html")
    assert html.status_code == 200 and html.text.startswith("<!DOCTYPE html>")


def test_advice_for_the_key_s_own_tenant(web: tuple[TestClient, str, str]) -> None:
    """Acme's device used 120 kWh in January and 80 in February: pay per use bills 12 and 8."""
    client, acme, bolt = web
    body = {"assumptions": ASSUMPTIONS, "from": "2026-01", "to": "2026-02"}
    response = post(client, body, acme)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["history"]["profiles"] == 1
    ppu = next(m for m in doc["models"] if m["id"] == "pay_per_use")
    # 10 customers x 12, then 9.8 (2 % churn) x 8
    assert [m["revenue"] for m in ppu["months"][:2]] == ["120.00", "78.40"]
    other = post(client, body, bolt)  # bolt sees its own (empty) store, never acme's
    assert other.status_code == 422
    assert other.json()["detail"] == "meters.usage: the tenant has no meter 'kwh'"


def test_bad_assumptions_name_the_field(web: tuple[TestClient, str, str]) -> None:
    client, acme, _ = web
    bad = {**ASSUMPTIONS, "models": {"subscription": {"monthly_fee": "-9"}}}
    response = post(client, {"assumptions": bad, "usage": "device,month,meter,quantity\n"},
                    acme)
    assert response.status_code == 422
    assert response.json()["field"] == "assumptions.models.subscription.monthly_fee"
    assert post(client, {"usage": ""}, acme).json()["field"] == "assumptions"
    assert post(client, {"assumptions": ASSUMPTIONS, "csv": ""}, acme).json()["field"] == "csv"
