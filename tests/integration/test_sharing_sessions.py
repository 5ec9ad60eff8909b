"""Access sessions through the API: who may unlock, what a session measured, what it cost.

Uses the network of test_sharing_support.py (tariff: 0.50 per session, 0.30 per kWh, 2.00 per
hour idle, excl. VAT; platform fee 15 %).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_api_support import SharedDatabase, World, shared_database
from test_sharing_support import HOUR, MINUTE, NOW, Network, energy, money, network, state

from monetiot.domain.events import Event
from monetiot.services import sessions

db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    yield db.world()


def test_an_unlock_without_a_valid_booking_is_refused(world: World) -> None:
    net = network(world)
    refused = net.start("ann", expect=403).json()
    assert refused["field"] == "booking" and "no booking" in refused["detail"]
    # a booking of someone else, or a booking that has not begun, does not count either
    net.book("bob", NOW, NOW + HOUR)
    net.at(NOW + MINUTE)
    later = net.book("ann", NOW + 2 * HOUR, NOW + 3 * HOUR).json()
    assert net.start("ann", expect=403).json()["field"] == "booking"
    assert net.start("ann", booking=later["id"], expect=403).json()["field"] == "booking"
    assert net.commands.sent == []
    assert net.a.get("/v1/sessions")["sessions"] == []


def test_a_booked_member_is_unlocked_and_the_session_is_measured_priced_and_billed(
        world: World) -> None:
    net = network(world)
    start = NOW + HOUR
    booking = net.book("ann", start, start + 2 * HOUR).json()
    assert booking["estimated_price"] == "4.70"  # 0.50 + 2 h x 7 kW x 0.30
    net.at(start)
    session = net.start("ann").json()
    assert session["booking"] == booking["id"] and session["access"] == "booking"
    assert net.commands.sent == [(net.a.id, "cp-1", {"command": "unlock",
                                                    "session": session["id"]})]
    # the charger delivers 7.5 kWh in readings, then sits idle for 30 minutes
    net.at(start + 121 * MINUTE)
    net.telemetry(energy("e0", start, "9"),  # at the start: the previous user's
                  energy("e1", start + 20 * MINUTE, "2.5"),
                  energy("e2", start + 40 * MINUTE, "2.75"),
                  energy("e3", start + 60 * MINUTE, "2.25"),
                  state("s1", start + 60 * MINUTE, "idle"),
                  energy("e4", start + 120 * MINUTE, "1"))  # after the stop: not this one
    net.at(start + 90 * MINUTE)
    stopped = net.stop(session["id"])
    assert stopped["status"] == "stopped" and stopped["stopped_by"] == "api"
    assert money(stopped["energy_kwh"]) == money("7.5")
    assert (stopped["in_use_ms"], stopped["idle_ms"]) == (60 * MINUTE, 30 * MINUTE)
    # 0.50 + 7.5 x 0.30 + 0.5 h x 2.00
    assert stopped["amount"] == "3.75" and stopped["cost"]["total_cost"]["excl_vat"] == "3.75"
    assert stopped["cost"]["total_cost"]["incl_vat"] == "4.5375"
    assert stopped["lock_sent"] is True
    assert net.commands.sent[-1][2] == {"command": "lock", "session": session["id"]}
    assert net.a.get(f"/v1/bookings/{booking['id']}")["status"] == "completed"
    charges = net.a.get("/v1/customers/c-ann/charges")["charges"]
    assert [(c["id"], c["kind"], c["amount"]) for c in charges] == [
        (f"session:{session['id']}", "session", "3.75")]
    invoice = net.a.call("POST", "/v1/customers/c-ann/charges/invoice").json()["invoice"]
    assert money(invoice["total"]) == money("3.75")
    # stopping again changes nothing and bills nothing twice
    assert net.stop(session["id"])["amount"] == "3.75"
    assert len(net.a.get("/v1/customers/c-ann/charges")["charges"]) == 1


def test_a_plan_with_sharing_unlimited_lets_a_member_walk_in_when_nobody_holds_the_asset(
        world: World) -> None:
    net = network(world)
    unlimited(net, "c-ann")
    net.book("bob", NOW + HOUR, NOW + 2 * HOUR)
    walk_in = net.start("ann", asset="cp-2").json()
    assert walk_in["access"] == "plan" and walk_in["booking"] is None
    net.at(NOW + HOUR + MINUTE)
    held = net.start("ann", expect=409).json()  # bob holds cp-1 now
    assert held["field"] == "asset" and "booked by another member" in held["detail"]
    assert net.start("bob").json()["access"] == "booking"


def test_an_asset_has_one_session_at_a_time_and_a_retry_unlocks_once(world: World) -> None:
    net = network(world)
    net.book("ann", NOW, NOW + HOUR)
    first = net.start("ann", id="ses-ann-1").json()
    again = net.start("ann", id="ses-ann-1").json()
    assert again["id"] == first["id"] and len(net.commands.sent) == 1
    unlimited(net, "c-bob")
    busy = net.start("bob", expect=409).json()
    assert busy["field"] == "asset" and "in use" in busy["detail"]
    assert len(net.commands.sent) == 1


def unlimited(net: Network, customer: str) -> None:
    """Subscribe `customer` to a plan granting sharing.unlimited."""
    plan = {"id": "share-all", "name": "Share all", "currency": "EUR",
            "billing_period": "monthly", "entitlements": {"features": ["sharing.unlimited"]},
            "recurring": [{"id": "fee", "name": "Membership", "kind": "flat", "price": "9",
                           "timing": "in_advance"}]}
    net.a.call("PUT", "/v1/plans/share-all", json=plan, expect=None)
    net.a.call("POST", "/v1/subscriptions", expect=201, json={
        "id": f"{customer}-sub", "customer": customer, "plan": "share-all",
        "start_ms": NOW - HOUR})


def test_an_unreachable_device_leaves_a_failed_session_and_the_booking_usable(
        world: World) -> None:
    net = network(world)
    booking = net.book("ann", NOW, NOW + HOUR).json()
    net.commands.fail = True
    failed = net.start("ann", expect=409).json()
    assert failed["field"] == "asset" and "unreachable" in failed["detail"]
    (recorded,) = net.a.get("/v1/sessions")["sessions"]
    assert recorded["status"] == "failed" and recorded["amount"] is None
    assert net.a.get(f"/v1/bookings/{booking['id']}")["status"] == "booked"
    net.commands.fail = False
    assert net.start("ann").json()["booking"] == booking["id"]


def test_a_device_reports_the_stop_through_ingest_which_applies_it(world: World) -> None:
    net = network(world)
    net.book("ann", NOW, NOW + 2 * HOUR)
    session = net.start("ann").json()
    net.at(NOW + 50 * MINUTE)
    net.telemetry(energy("e1", NOW + 30 * MINUTE, "4"),
                  {"id": "stop-1", "device": "cp-1", "type": "session.stopped",
                   "time": _iso(NOW + 45 * MINUTE), "data": {"session": session["id"]}},
                  energy("e2", NOW + 48 * MINUTE, "1"))
    stopped = net.a.get(f"/v1/sessions/{session['id']}")  # stopped by the ingest itself
    assert stopped["stopped_by"] == "device" and stopped["stop_ms"] == NOW + 45 * MINUTE
    assert money(stopped["energy_kwh"]) == 4 and stopped["amount"] == "1.70"
    assert net.a.call("POST", "/v1/sharing/sweep").json()["stopped"] == []


def test_the_ingest_hook_stops_a_session_in_the_ingest_transaction(world: World) -> None:
    net = network(world)
    net.book("bob", NOW, NOW + 2 * HOUR)
    session = net.start("bob").json()
    net.at(NOW + HOUR)
    net.telemetry(energy("e1", NOW + 10 * MINUTE, "10"))
    plat = world.platform
    stop = Event(id="x", type="session.stopped", time_ms=NOW + 20 * MINUTE, device="cp-1")
    other = Event(id="y", type="session.stopped", time_ms=NOW + 20 * MINUTE, device="cp-2")
    with plat.uow() as uow:
        assert sessions.on_device_events(uow, NOW + HOUR, net.a.id, [stop, other]) == [
            session["id"]]
        uow.commit()
    stopped = net.a.get(f"/v1/sessions/{session['id']}")
    assert stopped["stopped_by"] == "device" and stopped["amount"] == "3.50"


def _iso(ms: int) -> str:
    from test_api_support import iso

    return iso(ms)
