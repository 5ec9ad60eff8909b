"""Data stored before monetiot limited numbers (an event with 1E+999) never breaks a page.

Such an event cannot be sent any more (ingest quarantines it), so the tests store it the way an
older version did: straight into the event store and the rollups. /v1/usage then answers a
named 409 that says what to void, console pages render with the chart replaced by that reason,
and after the event is voided everything reads normally again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from test_api_support import HOUR, NOW, SharedDatabase, World, event, iso, shared_database

from monetiot.domain.events import Event
from monetiot.domain.rollups import Attributed
from monetiot.services import canonical, metering
from monetiot.store import eventlog

db = shared_database()
PAGES = ["/console", "/console/usage", "/console/usage?meter=kmax", "/console/customers/c1",
         "/console/devices/d1", "/console/customers"]


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    w = db.world()
    a = w.a
    a.customer("c1")
    a.device("d1", "c1", NOW - 100 * HOUR)
    a.meter("kwh", "energy", "SUM", "kwh")
    a.meter("kmax", "energy", "MAX", "kwh")
    a.send([event("ok1", NOW - 2 * HOUR, kwh="0.125")], expect=200)
    legacy = Event(id="legacy", type="energy", time_ms=NOW - 2 * HOUR, device="d1",
                   data={"kwh": Decimal("1E+999")})
    with w.platform.uow() as uow:
        eventlog.insert_new(uow.conn, [{
            "tenant_id": a.id, "id": legacy.id, "type": legacy.type, "time_ms": legacy.time_ms,
            "received_ms": NOW, "device_id": "d1", "customer_id": "c1",
            "data": canonical.data_text(legacy), "fingerprint": canonical.fingerprint(legacy)}])
        metering.record(uow, a.id, [Attributed(legacy, "c1")])
        uow.commit()
    yield w


def sign_in(w: World) -> None:
    form = w.client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    w.client.post("/login/key", data={"key": w.a.admin_key, "csrf_token": token.group(1)},
                  follow_redirects=False)


def test_usage_of_stored_junk_is_a_named_error_then_voiding_mends_it(world: World) -> None:
    a = world.a
    query = {"meter": "kwh", "start": iso(NOW - 5 * HOUR), "end": iso(NOW)}
    answer = a.client.get("/v1/usage", params=query, headers=a.auth)
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert "void" in answer.json()["detail"] and len(answer.text) < 1000
    a.call("POST", "/v1/events/legacy/void", json={"reason": "stored before the limits"})
    assert a.total("kwh", NOW - 5 * HOUR, NOW) == Decimal("0.125")
    assert a.total("kmax", NOW - 5 * HOUR, NOW) == Decimal("0.125")


def test_no_console_page_fails_because_of_stored_data(world: World) -> None:
    sign_in(world)
    for path in PAGES:
        page = world.client.get(path, follow_redirects=False)
        assert page.status_code == 200, (path, page.status_code)
    home = world.client.get("/console").text
    assert "no chart" in home and "void" in home
    world.a.call("POST", "/v1/events/legacy/void", json={"reason": "stored before the limits"})
    for path in PAGES:
        page = world.client.get(path, follow_redirects=False)
        assert page.status_code == 200 and "no chart" not in page.text, path
