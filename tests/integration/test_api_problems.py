"""Errors are RFC 9457 problem+json naming the field at fault; bad input is never a 500.

Each case is (method, path, body or query, expected status, expected field). The test sends every
case and reports every mismatch at once, so one run shows all that is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_api_support import HOUR, SharedDatabase, World, shared_database

LONG = "x" * 300  # longer than any name column (200)
HUGE = "99999999999999999999"  # beyond a 64-bit integer

CASES: list[tuple[str, str, Any, int, str]] = [
    # customers
    ("POST", "/v1/customers", {}, 422, "id"),
    ("POST", "/v1/customers", {"id": "has space"}, 422, "id"),
    ("POST", "/v1/customers", {"id": "c9", "timezone": "Nowhere/Land"}, 422, "timezone"),
    ("POST", "/v1/customers", {"id": "c9", "timezone": 5}, 422, "timezone"),
    ("POST", "/v1/customers", {"id": "c1"}, 409, "id"),
    ("POST", "/v1/customers", {"id": "c10", "name": LONG}, 422, "name"),
    ("POST", "/v1/customers", b"[1, 2]", 422, "body"),
    ("POST", "/v1/customers", b"{not json", 422, "body"),
    ("GET", "/v1/customers/nobody", None, 404, "customer"),
    # devices and assignments
    ("POST", "/v1/devices", {"id": "a/b"}, 422, "id"),
    ("POST", "/v1/devices", {}, 422, "id"),
    ("POST", "/v1/devices", {"id": "d1"}, 409, "id"),
    ("POST", "/v1/devices", {"id": "d9", "customer": "nobody"}, 404, "customer"),
    ("POST", "/v1/devices", {"id": "d9", "profile": "nope"}, 404, "profile"),
    ("POST", "/v1/devices", {"id": "d9", "customer": "c1", "assigned_from": "yesterday"}, 422,
     "assigned_from"),
    ("GET", "/v1/devices/nope", None, 404, "device"),
    ("POST", "/v1/devices/nope/credentials", None, 404, "device"),
    ("POST", "/v1/devices/nope/assignments", {"customer": "c1"}, 404, "device"),
    ("POST", "/v1/devices/d1/assignments", {"customer": "c1", "from": "noon"}, 422, "from"),
    ("POST", "/v1/devices/d1/assignments", {"customer": "nobody"}, 404, "customer"),
    ("POST", "/v1/devices/d1/assignments", {"customer": "c1"}, 409, "customer"),
    ("POST", "/v1/devices/d1/assignments", {"customer": "c1", "from": 0}, 409, "from"),
    # device profiles
    ("PUT", "/v1/device-profiles/p1", {"type": "x"}, 422, "profile.measurements"),
    ("PUT", "/v1/device-profiles/p1", {"type": "x", "time": "t", "measurements": {"a": "b"},
                                       "wat": 1}, 422, "profile.wat"),
    ("PUT", "/v1/device-profiles/bad%20id", {"type": "x", "time": "t",
                                             "measurements": {"a": "b"}}, 422, "id"),
    # keys
    ("POST", "/v1/api-keys", {"scope": "root"}, 422, "scope"),
    ("POST", "/v1/api-keys", {"scope": "read", "name": LONG}, 422, "name"),
    ("DELETE", "/v1/api-keys/nope", None, 404, "key_id"),
    # meters
    ("POST", "/v1/meters", {"id": "m"}, 422, "event_type"),
    ("POST", "/v1/meters", {"id": "m", "event_type": "x", "aggregation": "SUM"}, 422,
     "property"),
    ("POST", "/v1/meters", {"id": "m", "event_type": "x", "aggregation": "P99",
                            "property": "v"}, 422, "aggregation"),
    ("POST", "/v1/meters", {"id": "kwh", "event_type": "x", "aggregation": "COUNT"}, 409, "id"),
    # events and quarantine
    ("GET", "/v1/events", {"start": "last week"}, 422, "start"),
    ("GET", "/v1/events", {"end": "2026-02-30T00:00:00Z"}, 422, "end"),
    ("GET", "/v1/events", {"start": HUGE}, 422, "start"),
    ("GET", "/v1/events", {"limit": "-1"}, 422, "limit"),
    ("GET", "/v1/events", {"limit": "many"}, 422, "limit"),
    ("GET", "/v1/quarantine", {"limit": "-1"}, 422, "limit"),
    ("GET", "/v1/quarantine", {"after": HUGE}, 422, "after"),
    ("GET", "/v1/quarantine/abc", None, 422, "entry_id"),
    ("GET", f"/v1/quarantine/{HUGE}", None, 422, "entry_id"),  # no id can be that large
    ("GET", "/v1/quarantine/424242", None, 404, "id"),
    ("POST", "/v1/quarantine/424242/replay", None, 404, "id"),
    ("POST", "/v1/quarantine/424242/discard", None, 404, "id"),
    # previews
    ("POST", "/v1/charges/preview", b"[1]", 422, "body"),
    ("POST", "/v1/charges/preview", {"quantity": "1"}, 422, "charge"),
    ("POST", "/v1/charges/preview", {"charge": {"model": "per_unit", "unit_price": "x"},
                                     "quantity": "1"}, 422, "unit_price"),
    ("POST", "/v1/tariffs/preview", {"tariff": {}}, 422, "session"),
]


db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    w = db.world()
    w.a.customer("c1")
    w.a.device("d1", customer="c1", assigned_from=w.platform.clock.now_ms() - HOUR)
    w.a.meter("kwh", "energy", "SUM", "kwh")
    yield w


def send(world: World, method: str, path: str, body: Any) -> Any:
    headers = world.a.auth
    if method == "GET":
        return world.client.get(path, params=body, headers=headers)
    if isinstance(body, bytes):
        return world.client.request(method, path, content=body,
                                    headers={**headers, "Content-Type": "application/json"})
    return world.client.request(method, path, json=body, headers=headers)


def test_every_error_is_problem_json_naming_the_field(world: World) -> None:
    wrong: list[str] = []
    for method, path, body, status, field in CASES:
        response = send(world, method, path, body)
        where = f"{method} {path} {body!r:.80}"
        if response.status_code != status:
            wrong.append(f"{where}: status {response.status_code}, expected {status}: "
                         f"{response.text[:200]}")
            continue
        if response.headers.get("content-type") != "application/problem+json":
            wrong.append(f"{where}: content-type {response.headers.get('content-type')}")
            continue
        problem = response.json()
        if problem.get("field") != field:
            wrong.append(f"{where}: field {problem.get('field')!r}, expected {field!r}: "
                         f"{problem.get('detail')}")
        if problem.get("status") != status or not problem.get("title") or not problem.get(
                "detail"):
            wrong.append(f"{where}: incomplete problem {problem}")
    assert not wrong, "\n" + "\n".join(wrong)


def test_nothing_a_refused_request_sent_was_half_written(world: World) -> None:
    for method, path, body, _, _ in CASES:
        send(world, method, path, body)
    a = world.a
    assert [c["id"] for c in a.get("/v1/customers")["customers"]] == ["c1"]
    assert [d["id"] for d in a.get("/v1/devices")["devices"]] == ["d1"]
    assert [m["id"] for m in a.get("/v1/meters")["meters"]] == ["kwh"]
    assert a.get("/v1/device-profiles")["device_profiles"] == []
    assert len(a.get("/v1/api-keys")["api_keys"]) == 1
    assert len(a.get("/v1/devices/d1")["assignments"]) == 1
