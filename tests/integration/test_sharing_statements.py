"""Owner statements add up: every line and every total is collected = platform fee + payout.

Two owners share the network: GridShare (15 %) owns cp-1, cp-2 and cp-4, cp-4 with its own fee
of 12.5 %; a second owner, Ridgeway (no fee set: 0 %), owns cp-3. Members run sessions, cancel
late and miss a booking; each owner's statement of the period lists exactly their items.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from test_api_support import SharedDatabase, World, iso, shared_database
from test_sharing_support import HOUR, MINUTE, NOW, POLICY, TARIFF, energy, network

db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    yield db.world()


def test_owner_statements_add_up(world: World) -> None:
    net = network(world)
    a = net.a
    a.call("POST", "/v1/owners", expect=201, json={"id": "ridgeway", "name": "Ridgeway"})
    a.device("cp-3", customer="c-site", assigned_from=NOW - HOUR)
    a.call("POST", "/v1/assets", expect=201, json={
        "id": "cp-3", "owner": "ridgeway", "device": "cp-3", "tariff": TARIFF,
        "policy": POLICY, "energy_meter": "charger_kwh", "time_zone": "Europe/Amsterdam"})
    assert a.get("/v1/assets/cp-2")["platform_fee_percent"] == "15"  # the owner's
    a.device("cp-4", customer="c-site", assigned_from=NOW - HOUR)
    a.call("POST", "/v1/assets", expect=201, json={
        "id": "cp-4", "owner": "gridshare", "device": "cp-4", "tariff": TARIFF,
        "policy": POLICY, "energy_meter": "charger_kwh", "platform_fee_percent": "12.5"})
    kwh = {"cp-1": ["3.333", "0.667"], "cp-3": ["11.11"], "cp-4": ["0.07", "5.5"]}
    sessions = []
    for n, (asset, readings) in enumerate(kwh.items()):
        start = NOW + n * 2 * HOUR
        net.at(start - HOUR)
        net.book("ann" if n % 2 else "bob", start, start + HOUR, asset=asset)
        net.at(start)
        session = net.start("ann" if n % 2 else "bob", asset=asset).json()
        net.at(start + 50 * MINUTE)
        net.telemetry(*(energy(f"{asset}-{i}", start + (i + 1) * 10 * MINUTE, value,
                               device=asset) for i, value in enumerate(readings)))
        sessions.append(net.stop(session["id"]))
    net.at(NOW + 7 * HOUR)
    late = net.book("ann", NOW + 8 * HOUR, NOW + 9 * HOUR, asset="cp-4").json()
    a.call("POST", f"/v1/bookings/{late['id']}/cancel")
    net.book("bob", NOW + 7 * HOUR + 5 * MINUTE, NOW + 8 * HOUR, asset="cp-3")
    net.at(NOW + 7 * HOUR + 30 * MINUTE)
    a.call("POST", "/v1/sharing/sweep")

    window = {"start": iso(NOW - HOUR), "end": iso(NOW + 10 * HOUR)}
    statements = {o: a.get(f"/v1/owners/{o}/statement", params=window)
                  for o in ("gridshare", "ridgeway")}
    for found in statements.values():
        for item in [*found["items"], *found["totals"]]:
            assert Decimal(item["collected"]) == Decimal(item["platform_fee"]) + Decimal(
                item["owner_payout"]), item
        (total,) = found["totals"]
        for column in ("collected", "platform_fee", "owner_payout", "energy_kwh"):
            assert Decimal(total[column]) == sum(Decimal(i[column]) for i in found["items"])
    grid, ridge = statements["gridshare"], statements["ridgeway"]
    assert [(i["asset"], i["kind"]) for i in grid["items"]] == [
        ("cp-1", "session"), ("cp-4", "session"), ("cp-4", "cancellation")]
    assert [(i["asset"], i["kind"]) for i in ridge["items"]] == [
        ("cp-3", "session"), ("cp-3", "no_show")]
    # cp-1: 0.50 + 4 kWh x 0.30 = 1.70, 15 %: 0.255 -> 0.26 (largest remainder), 1.44 paid
    assert [(i["collected"], i["platform_fee"], i["owner_payout"]) for i in grid["items"]] == [
        ("1.70", "0.26", "1.44"),
        # cp-4: 0.50 + 5.57 x 0.30 = 2.171 -> 2.17 billed; 12.5 %: 0.27125 -> 0.27
        ("2.17", "0.27", "1.90"),
        # late cancellation: 50 % of the estimate 0.50 + 7 x 0.30 = 2.60 -> 1.30; 12.5 %
        ("1.30", "0.16", "1.14")]
    assert grid["totals"] == [{"currency": "EUR", "sessions": 2, "fees": 1,
                               "energy_kwh": "9.570", "collected": "5.17",
                               "platform_fee": "0.69", "owner_payout": "4.48"}]
    # Ridgeway set no fee: it is paid everything
    assert ridge["totals"][0]["collected"] == ridge["totals"][0]["owner_payout"] == "8.83"
    # the statement's collected is what the members were charged, line by line
    charged = sum(Decimal(c["amount"]) for customer in ("c-ann", "c-bob")
                  for c in a.get(f"/v1/customers/{customer}/charges")["charges"])
    assert charged == sum(Decimal(s["totals"][0]["collected"]) for s in statements.values())
    assert {s["id"] for s in sessions} == {i["source"] for s in statements.values()
                                           for i in s["items"] if i["kind"] == "session"}
