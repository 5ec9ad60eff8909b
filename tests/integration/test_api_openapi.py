"""/openapi.json describes the whole /v1 API: a typed body and answer for every operation, and
errors as problem+json.

Every /v1 operation that answers JSON names a component schema for its 2xx answer; every JSON
body is a component schema; every operation documents 401, 403, 404, 409 and 422 as
`application/problem+json` with the Problem schema; money in answers is a decimal string
(never a JSON number); times carry `format: date-time`. List answers share one envelope (the
items, and `next_cursor`) and take `limit` (at most 1000) and `cursor`.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from monetiot.bootstrap import Platform
from monetiot.web.app import create_app

FILES = {"application/pdf", "text/csv"}
DURATIONS = {"in_use_ms", "idle_ms", "skew_ms", "uncertainty_ms", "limit_ms"}  # not times
# Answers that hold a list but are one object, each bounded by what it describes (docs/api.md).
NOT_LISTS = {
    "/v1/usage",  # windows of the range asked for
    "/v1/owners/{owner_id}/statement",  # a statement of the range asked for, with totals
    "/v1/invoices/{invoice_id}/payments",  # an invoice's few payments and refunds
    "/v1/customers/{customer_id}/wallet",  # a wallet: its balance and transactions
    "/v1/entitlements",  # the features a customer's plans grant
}


def spec(platform: Platform) -> dict[str, Any]:
    return TestClient(create_app(platform)).get("/openapi.json").json()  # type: ignore[no-any-return]


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in doc["paths"].items()
            if path.startswith("/v1") for method, op in ops.items()]


def test_every_operation_has_typed_answers_and_problem_errors(sqlite_platform: Platform) -> None:
    doc = spec(sqlite_platform)
    wrong = []
    for method, path, op in operations(doc):
        where = f"{method} {path}"
        answers = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        if not answers:
            wrong.append(f"{where}: no 2xx answer")
        for code, answer in answers.items():
            for media, content in answer.get("content", {}).items():
                schema = content.get("schema", {})
                if media in FILES or media == "text/html":
                    continue
                if "$ref" not in schema:
                    wrong.append(f"{where} {code} {media}: not a component schema: {schema}")
        for code in ("401", "403", "404", "409", "422"):
            problem = op["responses"].get(code, {}).get("content", {}).get(
                "application/problem+json", {})
            if problem.get("schema") != {"$ref": "#/components/schemas/Problem"}:
                wrong.append(f"{where}: {code} is not problem+json")
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and "$ref" not in str(body["schema"]):
            wrong.append(f"{where}: untyped JSON body")
    assert not wrong, "\n".join(wrong)
    assert len(doc["components"]["schemas"]) > 100


def test_money_is_text_and_times_are_rfc3339_in_every_answer_schema(
        sqlite_platform: Platform) -> None:
    schemas = spec(sqlite_platform)["components"]["schemas"]
    invoice = schemas["Invoice"]["properties"]
    assert invoice["total"] == {"type": "string", "format": "decimal",
                                "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "title": "Total",
                                "description": invoice["total"]["description"]}
    assert invoice["period_start"]["format"] == "date-time"
    numbers = [f"{name}.{field}" for name, schema in schemas.items()
               for field, prop in schema.get("properties", {}).items()
               if prop.get("type") == "number" and name not in ("SenMLRecord",)]
    assert not numbers, numbers  # no JSON number anywhere in what the API answers
    untimed = [f"{name}.{field}" for name, schema in schemas.items()
               for field in schema.get("properties", {})
               if field.endswith("_ms") and field not in DURATIONS
               and field[:-3] not in schema["properties"] and not (
                   field == "paid_ms" and "paid_at" in schema["properties"])]
    assert not untimed, untimed  # every epoch-ms time has its RFC 3339 twin


def test_every_list_takes_limit_and_cursor_and_answers_next_cursor(
        sqlite_platform: Platform) -> None:
    doc = spec(sqlite_platform)
    lists = 0
    for method, path, op in operations(doc):
        ref = op["responses"].get("200", {}).get("content", {}).get(
            "application/json", {}).get("schema", {}).get("$ref", "")
        props = doc["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get(
            "properties", {})
        if method != "GET" or not any(p.get("type") == "array" for p in props.values()) \
                or path in NOT_LISTS or path.endswith("}"):
            continue  # an object (an invoice with its lines, a plan with its versions)
        lists += 1
        params = {p["name"]: p for p in op.get("parameters", [])}
        assert "next_cursor" in props, path
        assert params["limit"]["schema"]["maximum"] == 1000, path
        assert "cursor" in params, path
    assert lists >= 20


def test_the_ingest_answer_is_what_its_schema_says(sqlite_platform: Platform) -> None:
    """POST /v1/events answers its plain dict (the hot path skips validation): check it."""
    from monetiot.services.access import create_tenant
    from monetiot.web.schemas.events import IngestResult

    with sqlite_platform.uow() as uow:
        key = create_tenant(uow, sqlite_platform.clock.now_ms(), "acme", "Acme").key
    client = TestClient(create_app(sqlite_platform))
    answer = client.post("/v1/events", headers={"Authorization": f"Bearer {key}"}, json=[
        {"id": "e1", "type": "x", "time": "2026-11-24T11:00:00Z", "device": "ghost"}])
    assert answer.status_code == 422
    assert IngestResult.model_validate(answer.json()).results[0].quarantine_id
