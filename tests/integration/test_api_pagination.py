"""Every list of the API is paged by one cursor scheme, and a walk sees every item exactly once.

`limit` (1..1000, default 100) and `cursor` (a previous page's `next_cursor`, present only when
another page follows) are the two parameters of every list endpoint. A walk of 10,000 events,
many sharing a timestamp (so the order's tie-breaker matters), in pages of a size that does not
divide it, sees each event once and in the list's order, on SQLite and PostgreSQL. Every other
list of a seeded tenant walked one item at a time gives what one large page gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_api_isolation import seed_a
from test_api_support import HOUR, SharedDatabase, World, event, iso, shared_database

TOTAL = 10_000
db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    yield db.world()


def walk(world: World, url: str, key: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = world.a.get(url, params=query)
        assert len(body[key]) <= limit
        items += body[key]
        pages += 1
        cursor = body.get("next_cursor")
        if cursor is None:
            return items
        assert len(body[key]) == limit, "only the last page may be short"
        assert pages <= TOTAL, "the walk does not end"


def test_a_walk_of_ten_thousand_events_has_no_gap_and_no_repeat(world: World) -> None:
    a, now = world.a, world.platform.clock.now_ms()
    a.customer("c1")
    a.device("d1", customer="c1", assigned_from=now - 30 * HOUR)
    # 10,000 events over 250 distinct times: 40 share each timestamp.
    sent = [event(f"ev-{i:05d}", now - HOUR - (i % 250) * 60_000, kwh="1") for i in
            range(TOTAL)]
    for start in range(0, TOTAL, 2_000):
        a.send(sent[start:start + 2_000], expect=200)
    seen = walk(world, "/v1/events", "events", limit=997)
    ids = [e["id"] for e in seen]
    assert len(ids) == TOTAL and set(ids) == {e["id"] for e in sent}
    assert [(-e["time_ms"], e["id"]) for e in seen] == sorted((-e["time_ms"], e["id"])
                                                              for e in seen)
    assert seen[0]["time"] == iso(seen[0]["time_ms"])
    # A filter is kept by the caller across pages: the newest 40 only.
    newest = walk(world, "/v1/events", "events", limit=7, start=iso(now - HOUR))
    assert len(newest) == 40 and {e["time_ms"] for e in newest} == {now - HOUR}


def test_every_list_walked_one_by_one_gives_what_one_page_gives(world: World) -> None:
    seeded = seed_a(world)
    a = world.a
    for n in (1, 2):  # more of each, so that every walk crosses pages
        a.customer(f"more-{n}")
        a.device(f"more-{n}")
        a.meter(f"more-{n}", "energy", "COUNT")
        a.call("PUT", f"/v1/device-profiles/more-{n}", json={
            "type": "x", "time": "t", "measurements": {"x": "y"}})
        a.call("POST", "/v1/webhooks", json={"url": f"https://more-{n}.example/"}, expect=201)
        a.call("POST", "/v1/owners", json={"id": f"more-{n}"}, expect=201)
        a.call("POST", "/v1/members", json={"id": f"more-{n}", "customer": "acme-cust"},
               expect=201)
    lists = [("/v1/customers", "customers", {}), ("/v1/devices", "devices", {}),
             ("/v1/meters", "meters", {}), ("/v1/api-keys", "api_keys", {}),
             ("/v1/device-profiles", "device_profiles", {}), ("/v1/plans", "plans", {}),
             ("/v1/subscriptions", "subscriptions", {}), ("/v1/invoices", "invoices", {}),
             ("/v1/invoices/overdue", "invoices", {}), ("/v1/credit-notes", "credit_notes", {}),
             ("/v1/customers/acme-cust/charges", "charges", {}),
             ("/v1/webhooks", "webhooks", {}), ("/v1/quarantine", "entries", {"status": "all"}),
             ("/v1/events", "events", {}), ("/v1/outcome-contracts", "outcome_contracts", {}),
             ("/v1/owners", "owners", {}), ("/v1/assets", "assets", {}),
             ("/v1/members", "members", {}), ("/v1/bookings", "bookings", {}),
             ("/v1/sessions", "sessions", {}),
             (f"/v1/webhooks/{seeded.webhook_id}/deliveries", "deliveries", {})]
    several = 0
    for url, key, params in lists:
        whole = world.a.get(url, params={**params, "limit": 1000})
        assert "next_cursor" not in whole, url
        assert walk(world, url, key, limit=1, **params) == whole[key], url
        several += len(whole[key]) > 1
    assert several >= 9  # most walks crossed pages


def test_page_size_and_cursor_are_checked(world: World) -> None:
    a = world.a
    for size in ("0", "1001", "many"):
        refused = a.call("GET", "/v1/invoices", params={"limit": size}, expect=422).json()
        assert refused["field"] == "limit"
    assert "1000" in a.call("GET", "/v1/customers", params={"limit": 1001},
                            expect=422).json()["detail"]
    a.customer("c1")
    a.customer("c2")
    cursor = a.get("/v1/customers", params={"limit": 1})["next_cursor"]
    for wrong in ("not-a-cursor", cursor[:-2], cursor + "x"):
        refused = a.call("GET", "/v1/customers", params={"cursor": wrong}, expect=422).json()
        assert refused["field"] == "cursor", wrong
    # A cursor is bound to its list: another list refuses it.
    assert a.call("GET", "/v1/meters", params={"cursor": cursor},
                  expect=422).json()["field"] == "cursor"
    assert [c["id"] for c in a.get("/v1/customers", params={"cursor": cursor})[
        "customers"]] == ["c2"]
