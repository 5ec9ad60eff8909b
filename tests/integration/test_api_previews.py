"""POST /v1/charges/preview and /v1/tariffs/preview agree with the conformance cases."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from monetiot.bootstrap import Platform
from monetiot.services import access
from monetiot.web.app import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "conformance"


@pytest.fixture
def client(sqlite_platform: Platform) -> tuple[TestClient, dict[str, str]]:
    with sqlite_platform.uow() as uow:
        key = access.create_tenant(uow, sqlite_platform.clock.now_ms(), "previewer", "")
    return TestClient(create_app(sqlite_platform)), {"Authorization": f"Bearer {key.key}"}


def _cases(name: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads((FIXTURES / name).read_text())["cases"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", _cases("pricing.json"), ids=lambda c: c["id"])
def test_charge_preview_matches_the_conformance_case(case: dict, client) -> None:  # type: ignore[no-untyped-def,type-arg]
    http, headers = client
    body = {"charge": case["charge"], **case["input"]}
    response = http.post("/v1/charges/preview", content=json.dumps(body),
                         headers=headers | {"content-type": "application/json"})
    expected = case.get("expected", {})
    if "error" in case or "expected_error" in case:
        assert response.status_code == 422
        return
    assert response.status_code == 200, response.text
    got = response.json()
    if "amount" in expected:
        assert Decimal(got["amount"]) == Decimal(str(expected["amount"]))
    if "amount_due" in expected:
        assert got["amount_due"] == expected["amount_due"]


def test_charge_preview_names_the_bad_field(client) -> None:  # type: ignore[no-untyped-def]
    http, headers = client
    response = http.post("/v1/charges/preview", json={"charge": {"model": "per_unit"},
                                                      "quantity": "3"}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "unit_price"


@pytest.mark.parametrize("case", _cases("tariffs.json"), ids=lambda c: c["id"])
def test_tariff_preview_matches_the_conformance_case(case: dict, client) -> None:  # type: ignore[no-untyped-def,type-arg]
    http, headers = client
    response = http.post("/v1/tariffs/preview",
                         content=json.dumps({"tariff": case["tariff"], "session": case["session"]}),
                         headers=headers | {"content-type": "application/json"})
    assert response.status_code == 200, response.text
    got = json.loads(response.text, parse_float=Decimal, parse_int=Decimal)
    for key, value in case["expected"]["total_cost"].items():
        assert Decimal(str(got["total_cost"][key])) == Decimal(value), key
