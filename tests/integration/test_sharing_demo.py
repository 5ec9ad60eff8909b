"""The demo's shared-charger network runs through the real API for a few simulated days, and its
summary adds up."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from monetiot import demo_sharing
from monetiot.bootstrap import Platform
from monetiot.services import access, fleet, sessions

HOUR = 3_600_000


def test_the_demo_network_books_charges_and_pays_its_owner(sqlite_platform: Platform) -> None:
    from monetiot.web.app import create_app

    plat = sqlite_platform
    clock = plat.clock
    start = clock.now_ms() - clock.now_ms() % (24 * HOUR)
    clock.at_ms = start  # type: ignore[attr-defined]
    with plat.uow() as uow:
        key = access.create_tenant(uow, start, "demo", "Demo").key
    for customer in sorted(set(demo_sharing.MEMBERS.values())):
        with plat.uow() as uow:
            fleet.create_customer(uow, start, "demo", {"id": customer})
    client = TestClient(create_app(plat))
    headers = {"Authorization": f"Bearer {key}"}
    net = demo_sharing.setup(client, headers, clock, "demo")  # type: ignore[arg-type]
    for block in range(start, start + 4 * 24 * HOUR, 6 * HOUR):
        demo_sharing.step(net, block, block + 6 * HOUR)
    rows = demo_sharing.summary(plat, "demo", start, start + 4 * 24 * HOUR)
    assert sum(r["sessions"] for r in rows) > 10
    for row in rows:
        assert row["collected"] == row["platform_fee"] + row["owner_payout"]
        assert row["energy_kwh"] > 0
    with plat.uow(readonly=True) as uow:
        found = sessions.list_sessions(uow, "demo", status="stopped")
    assert len(found) == sum(r["sessions"] for r in rows)
    assert sum((s["amount"] for s in found), Decimal(0)) <= sum(r["collected"] for r in rows)
    unlocks = [c for c in net.commands.sent if c[2]["command"] == "unlock"]
    assert len(unlocks) == len(found)
