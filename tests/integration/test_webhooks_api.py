"""The /v1/webhooks routes and the `monetiot webhooks-worker` command.

Endpoints are admin-only and tenant-scoped: another tenant's key gets 404 for every id, and sees
none of them. The signing secret is shown once, at creation. A URL must be http(s).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_api_support import World, bearer
from test_webhooks_support import (
    Receiver,
    dispatch,
    emit,
    receiver,  # noqa: F401 - fixture
)
from typer.testing import CliRunner

from monetiot.bootstrap import Platform
from monetiot.cli import _register, app, context
from monetiot.domain.clock import FixedClock
from monetiot.services import webhooks


@pytest.fixture
def world(platform: Platform) -> World:
    return World.build(platform)


def test_an_endpoint_is_created_listed_and_removed(world: World, clock: FixedClock,
                                                   receiver: Receiver) -> None:  # noqa: F811
    a = world.a
    made = a.call("POST", "/v1/webhooks", json={"url": receiver.url("/in"),
                                                "types": ["invoice.paid", "subscription.*"]},
                  expect=201).json()
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 40
    assert made["types"] == ["invoice.paid", "subscription.*"] and made["active"] is True
    listed = a.get("/v1/webhooks")["webhooks"]
    assert listed == [{k: v for k, v in made.items() if k != "secret"}]
    assert made["secret"] not in json.dumps(listed)  # shown once

    emit(world.platform, "acme", "e1", "invoice.paid", {"invoice": "i1"})
    receiver.answer("/in", 500)
    dispatch(world.platform)
    (row,) = a.get(f"/v1/webhooks/{made['id']}/deliveries")["deliveries"]
    assert (row["status"], row["attempts"], row["type"], row["event_id"]) == (
        "pending", 1, "invoice.paid", "e1")
    assert a.get(f"/v1/webhooks/{made['id']}/deliveries",
                 params={"status": "delivered"})["deliveries"] == []

    retried = a.call("POST", f"/v1/webhooks/deliveries/{row['id']}/retry").json()
    assert retried["next_attempt_ms"] == clock.now_ms()
    assert dispatch(world.platform).delivered == 1
    assert a.get(f"/v1/webhooks/{made['id']}/deliveries")["deliveries"][0]["status"] == (
        "delivered")
    again = a.call("POST", f"/v1/webhooks/deliveries/{row['id']}/retry", expect=409).json()
    assert again["field"] == "delivery"

    removed = a.call("DELETE", f"/v1/webhooks/{made['id']}").json()
    assert removed["active"] is False
    assert a.get("/v1/webhooks")["webhooks"][0]["active"] is False


@pytest.mark.parametrize(("doc", "field"), [
    ({"url": "ftp://example.com/x"}, "url"),
    ({"url": "file:///etc/passwd"}, "url"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "https://"}, "url"),
    ({"url": "http://exa mple.com/"}, "url"),
    ({"url": "http://example.com:99999/"}, "url"),
    ({"url": 42}, "url"),
    ({}, "url"),
    ({"url": "https://example.com/h", "types": "invoice.paid"}, "types"),
    ({"url": "https://example.com/h", "types": ["invoice.paid", "invoice.lost"]}, "types[1]"),
    ({"url": "https://example.com/h", "types": ["*"]}, "types[0]"),
    ({"url": "https://example.com/h", "secret": "mine"}, "secret"),
])
def test_bad_endpoints_are_refused_naming_the_field(sqlite_platform: Platform,
                                                    doc: dict[str, Any], field: str) -> None:
    world = World.build(sqlite_platform)
    problem = world.a.call("POST", "/v1/webhooks", json=doc, expect=422).json()
    assert problem["field"] == field, problem
    assert world.a.get("/v1/webhooks")["webhooks"] == []


def test_another_tenant_gets_404_for_every_id_and_sees_nothing(
        world: World, receiver: Receiver) -> None:  # noqa: F811
    a, b = world.a, world.b
    made = a.call("POST", "/v1/webhooks", json={"url": receiver.url("/acme")},
                  expect=201).json()
    emit(world.platform, "acme", "e1", "invoice.paid", {})
    receiver.answer("/acme", *([500] * webhooks.MAX_ATTEMPTS))
    dispatch(world.platform)
    (delivery,) = a.get(f"/v1/webhooks/{made['id']}/deliveries")["deliveries"]

    assert b.get("/v1/webhooks")["webhooks"] == []
    for method, path in [("GET", f"/v1/webhooks/{made['id']}/deliveries"),
                         ("DELETE", f"/v1/webhooks/{made['id']}"),
                         ("POST", f"/v1/webhooks/deliveries/{delivery['id']}/retry")]:
        response = b.call(method, path, expect=404)
        assert made["secret"] not in response.text and receiver.url("") not in response.text
    assert a.get("/v1/webhooks")["webhooks"][0]["active"] is True

    read = bearer(a.key("read"))
    for method, path in [("GET", "/v1/webhooks"), ("POST", "/v1/webhooks"),
                         ("GET", f"/v1/webhooks/{made['id']}/deliveries"),
                         ("DELETE", f"/v1/webhooks/{made['id']}"),
                         ("POST", f"/v1/webhooks/deliveries/{delivery['id']}/retry")]:
        a.call(method, path, headers=read, expect=403, json={"url": "https://x.example"})


def test_the_worker_command_delivers_what_is_due(platform: Platform, clock: FixedClock,
                                                 receiver: Receiver,  # noqa: F811
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    world = World.build(platform)
    made = world.a.call("POST", "/v1/webhooks", json={"url": receiver.url("/cli")},
                        expect=201).json()
    for i in range(3):
        emit(platform, "acme", f"e{i}", "subscription.paused", {"i": i})
    monkeypatch.setattr(context, "_platform", platform)
    _register()
    result = CliRunner().invoke(app, ["webhooks-worker", "--once", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"fanned_out": 3, "claimed": 3, "delivered": 3,
                                         "retrying": 0, "failed": 0}
    assert sorted(r.json()["data"]["i"] for r in receiver.received("/cli")) == [0, 1, 2]
    assert all(webhooks.verify_signature(made["secret"], r.headers["monetiot-signature"],
                                         r.body, clock.now_ms() // 1000)
               for r in receiver.received())
