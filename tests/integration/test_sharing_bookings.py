"""Bookings: no double booking (the database decides, also under concurrency on PostgreSQL),
cancellation fees and no-shows.

Policy of the network's chargers (test_sharing_support.py): free cancellation until 2 hours
before the start, then 50 % of the estimated price; a no-show after 15 minutes pays 5.00 flat.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from test_api_support import SharedDatabase, World, iso, shared_database
from test_sharing_support import HOUR, MINUTE, NOW, POLICY, TARIFF, money, network

from conftest import NOW as CONFTEST_NOW
from monetiot.bootstrap import Platform
from monetiot.services import access, fleet, sharing
from monetiot.store import sharing as store

db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    yield db.world()


def test_a_slot_is_booked_once_and_freed_by_cancelling(world: World) -> None:
    net = network(world)
    start = NOW + 5 * HOUR
    first = net.book("ann", start, start + HOUR).json()
    assert first["status"] == "booked" and first["estimated_price"] == "2.60"
    for overlap in ((start - 30 * MINUTE, start + MINUTE), (start + 59 * MINUTE, start + 2 * HOUR),
                    (start - HOUR, start + 2 * HOUR), (start + MINUTE, start + 2 * MINUTE)):
        clash = net.book("bob", *overlap, expect=409).json()
        assert clash["field"] == "start" and "already booked" in clash["detail"]
    net.book("bob", start + HOUR, start + 2 * HOUR)  # back to back is fine: [start, end)
    net.book("bob", start, start + HOUR, asset="cp-2")  # so is another asset
    assert net.a.call("POST", f"/v1/bookings/{first['id']}/cancel").json()["fee"] == "0"
    assert net.book("bob", start, start + HOUR).json()["member"] == "bob"


def test_bad_slots_name_the_field(world: World) -> None:
    net = network(world)
    assert net.book("ann", NOW + HOUR, NOW + HOUR, expect=422).json()["field"] == "end"
    assert net.book("ann", NOW - HOUR, NOW, expect=422).json()["field"] == "start"
    assert net.book("ann", NOW, NOW + 25 * HOUR, expect=422).json()["field"] == "end"
    assert net.book("zed", NOW, NOW + HOUR, expect=404).json()["field"] == "member"
    assert net.book("ann", NOW, NOW + HOUR, asset="cp-9", expect=404).json()["field"] == "asset"


def test_a_retried_booking_with_its_id_is_one_booking(world: World) -> None:
    net = network(world)
    first = net.book("ann", NOW + HOUR, NOW + 2 * HOUR, id="ann-1").json()
    again = net.book("ann", NOW + HOUR, NOW + 2 * HOUR, id="ann-1").json()
    assert again == first
    other = net.book("ann", NOW + 3 * HOUR, NOW + 4 * HOUR, id="ann-1", expect=409).json()
    assert other["field"] == "id"
    assert len(net.a.get("/v1/bookings")["bookings"]) == 1


def test_late_cancellation_costs_the_fee_and_it_is_split(world: World) -> None:
    net = network(world)
    early = net.book("ann", NOW + 3 * HOUR, NOW + 4 * HOUR).json()
    late = net.book("ann", NOW + HOUR, NOW + 3 * HOUR).json()  # estimated 0.50 + 14 x 0.30
    assert late["estimated_price"] == "4.70"
    assert net.a.call("POST", f"/v1/bookings/{early['id']}/cancel").json()["fee"] == "0"
    cancelled = net.a.call("POST", f"/v1/bookings/{late['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["fee"] == "2.35"
    again = net.a.call("POST", f"/v1/bookings/{late['id']}/cancel").json()
    assert again == cancelled
    (charge,) = net.a.get("/v1/customers/c-ann/charges")["charges"]
    assert (charge["id"], charge["amount"]) == (f"booking:{late['id']}:cancellation", "2.35")
    statement = net.a.get("/v1/owners/gridshare/statement",
                          params={"start": iso(NOW - HOUR), "end": iso(NOW + HOUR)})
    (item,) = statement["items"]
    # 15 % of 2.35 is 0.3525: the platform keeps 0.35, the owner 2.00
    assert (item["kind"], item["collected"], item["platform_fee"], item["owner_payout"]) == (
        "cancellation", "2.35", "0.35", "2.00")


def test_the_sweep_marks_no_shows_once_and_charges_their_fee(world: World) -> None:
    net = network(world)
    missed = net.book("bob", NOW + HOUR, NOW + 2 * HOUR).json()
    net.book("ann", NOW + 2 * HOUR, NOW + 3 * HOUR)
    net.at(NOW + HOUR + 14 * MINUTE)
    assert net.a.call("POST", "/v1/sharing/sweep").json()["no_shows"] == []
    net.at(NOW + HOUR + 15 * MINUTE)
    assert net.a.call("POST", "/v1/sharing/sweep").json()["no_shows"] == [missed["id"]]
    assert net.a.call("POST", "/v1/sharing/sweep").json()["no_shows"] == []
    marked = net.a.get(f"/v1/bookings/{missed['id']}")
    assert (marked["status"], marked["fee"]) == ("no_show", "5.00")
    (charge,) = net.a.get("/v1/customers/c-bob/charges")["charges"]
    assert money(charge["amount"]) == 5
    # a no-show keeps its slot: the member cannot start on it, nobody else may book it
    assert net.start("bob", booking=missed["id"], expect=403).json()["field"] == "booking"
    assert net.book("ann", NOW + HOUR + 20 * MINUTE, NOW + 2 * HOUR, expect=409)


# concurrency: the database decides --------------------------------------------------------------

def _seed_direct(plat: Platform, tenant: str) -> None:
    now = plat.clock.now_ms()
    with plat.uow() as uow:
        access.create_tenant(uow, now, tenant, tenant)
    with plat.uow() as uow:
        fleet.create_customer(uow, now, tenant, {"id": "c1"})
    with plat.uow() as uow:
        fleet.create_device(uow, now, tenant, {"id": "cp-1"})
    with plat.uow() as uow:
        sharing.create_owner(uow, now, tenant, {"id": "o1", "platform_fee_percent": "10"})
    with plat.uow() as uow:
        sharing.create_asset(uow, now, tenant, {"id": "cp-1", "owner": "o1", "device": "cp-1",
                                                "tariff": TARIFF, "policy": POLICY})
    for n in range(12):
        with plat.uow() as uow:
            sharing.create_member(uow, now, tenant, {"id": f"m{n}", "customer": "c1"})


def test_concurrent_bookings_of_one_slot_exactly_one_wins(pg_url: str) -> None:
    """Twelve threads book the same slot through the API at once on PostgreSQL: one 201, the
    other eleven 409 naming `start`, and one booking stored."""
    from fastapi.testclient import TestClient

    from monetiot.bootstrap import bootstrap
    from monetiot.domain.clock import FixedClock
    from monetiot.services.access import create_api_key
    from monetiot.settings import Settings
    from monetiot.web.app import create_app

    plat = bootstrap(Settings(database_url=pg_url), clock=FixedClock(CONFTEST_NOW))
    try:
        _seed_direct(plat, "race")
        with plat.uow() as uow:
            key = create_api_key(uow, CONFTEST_NOW, "race", "admin", "race").key
        client = TestClient(create_app(plat))
        barrier = threading.Barrier(12)
        results: list[tuple[int, dict[str, object]]] = []
        lock = threading.Lock()

        def book(n: int) -> None:
            barrier.wait()
            response = client.post("/v1/bookings", headers={"Authorization": f"Bearer {key}"},
                                   json={"asset": "cp-1", "member": f"m{n}",
                                         "start": iso(CONFTEST_NOW + HOUR),
                                         "end": iso(CONFTEST_NOW + 2 * HOUR)})
            with lock:
                results.append((response.status_code, response.json()))

        threads = [threading.Thread(target=book, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        codes = sorted(code for code, _ in results)
        assert codes == [201] + [409] * 11, results
        assert all(body["field"] == "start" for code, body in results if code == 409)
        with plat.uow(readonly=True) as uow:
            assert len(store.list_bookings(uow.conn, "race")) == 1
    finally:
        plat.close()


def test_the_exclusion_constraint_refuses_an_overlap_the_check_could_not_see(
        pg_url: str) -> None:
    """Two transactions both pass the overlap check; the second insert waits for the first to
    commit, then the exclusion constraint refuses it."""
    from monetiot.bootstrap import bootstrap
    from monetiot.domain.clock import FixedClock
    from monetiot.settings import Settings

    plat = bootstrap(Settings(database_url=pg_url), clock=FixedClock(CONFTEST_NOW))
    try:
        _seed_direct(plat, "race")

        def row(booking_id: str, member: str, start: int, end: int) -> dict[str, object]:
            return {"tenant_id": "race", "id": booking_id, "asset_id": "cp-1",
                    "member_id": member, "customer_id": "c1", "start_ms": start,
                    "end_ms": end, "status": "booked", "estimated_price": 0,
                    "currency": "EUR", "fee": None, "session_id": None,
                    "created_ms": CONFTEST_NOW, "closed_ms": None}

        outcome: list[str] = []
        with plat.uow() as first:
            store.insert_booking(first.conn, row("b1", "m1", CONFTEST_NOW, CONFTEST_NOW + HOUR))

            def second() -> None:
                with plat.uow() as uow:
                    assert store.overlapping(uow.conn, "race", "cp-1", CONFTEST_NOW,
                                             CONFTEST_NOW + HOUR) == []  # b1 is not visible
                    try:
                        store.insert_booking(uow.conn, row("b2", "m2", CONFTEST_NOW + 1,
                                                           CONFTEST_NOW + 2))
                    except store.Clash:
                        outcome.append("clash")
                        return
                    uow.commit()
                    outcome.append("inserted")

            thread = threading.Thread(target=second)
            thread.start()
            thread.join(1.0)
            assert thread.is_alive(), "the second insert should wait for the first transaction"
            first.commit()
        thread.join(30)
        assert outcome == ["clash"]
    finally:
        plat.close()
