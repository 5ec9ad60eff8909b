"""What the asset-sharing tests share: a small shared-charger network seen through the API.

`network(world)` gives tenant A an owner (a third party, platform fee 15 %), a charger asset on
device `cp-1` with the OCPI tariff below, a SUM meter on its energy readings, and two members
(`ann` of customer `c-ann`, `bob` of `c-bob`). Commands go to a `RecordingPublisher`, so these
tests need no broker (test_sharing_mqtt.py uses the real one). Times are around NOW.

The tariff, excluding VAT: 0.50 per session, 0.30 per kWh, 2.00 per hour parked (idle).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from test_api_support import HOUR, MINUTE, NOW, Tenant, World, event, iso, shared_database

from monetiot.services.asset_commands import RecordingPublisher

TARIFF: dict[str, Any] = {
    "country_code": "NL", "party_id": "GSP", "id": "share-1", "currency": "EUR",
    "elements": [{"price_components": [
        {"type": "FLAT", "price": "0.50", "vat": "21", "step_size": 1},
        {"type": "ENERGY", "price": "0.30", "vat": "21", "step_size": 1},
        {"type": "PARKING_TIME", "price": "2.00", "vat": "21", "step_size": 60}]}],
    "last_updated": "2026-01-01T00:00:00Z",
}
POLICY = {"free_cancellation_hours": 2, "cancellation_fee": {"kind": "percent", "value": "50"},
          "no_show_grace_minutes": 15, "no_show_fee": {"kind": "flat", "value": "5"},
          "estimated_kw": "7"}


@dataclass
class Network:
    world: World
    a: Tenant
    commands: RecordingPublisher

    def book(self, member: str, start: int, end: int, expect: int | None = 201,
             asset: str = "cp-1", **extra: Any) -> Any:
        return self.a.call("POST", "/v1/bookings", expect=expect, json={
            "asset": asset, "member": member, "start": iso(start), "end": iso(end), **extra})

    def start(self, member: str, expect: int | None = 201, asset: str = "cp-1",
              **extra: Any) -> Any:
        return self.a.call("POST", f"/v1/assets/{asset}/sessions", expect=expect,
                           json={"member": member, **extra})

    def stop(self, session: str, expect: int = 200) -> Any:
        return self.a.call("POST", f"/v1/sessions/{session}/stop", expect=expect).json()

    def telemetry(self, *records: dict[str, Any]) -> None:
        response = self.a.send(list(records), expect=200)
        assert response.json()["rejected"] == 0, response.text

    def at(self, ms: int) -> None:
        self.world.platform.clock.at_ms = ms  # type: ignore[attr-defined]


def energy(event_id: str, time_ms: int, kwh: str, device: str = "cp-1") -> dict[str, Any]:
    return event(event_id, time_ms, device=device, type="charger.meter", kwh=kwh)


def state(event_id: str, time_ms: int, value: str, device: str = "cp-1") -> dict[str, Any]:
    return event(event_id, time_ms, device=device, type="asset.state", state=value)


def network(world: World) -> Network:
    a = world.a
    commands = RecordingPublisher()
    world.client.app.state.command_publisher = commands  # type: ignore[attr-defined]
    since = NOW - 30 * 24 * HOUR
    for customer in ("c-ann", "c-bob"):
        a.customer(customer, "Europe/Amsterdam")
    a.customer("c-site")
    a.device("cp-1", customer="c-site", assigned_from=since)
    a.device("cp-2", customer="c-site", assigned_from=since)
    a.meter("charger_kwh", "charger.meter", "SUM", "kwh")
    a.call("POST", "/v1/owners", expect=201, json={
        "id": "gridshare", "name": "GridShare Partners", "platform_fee_percent": "15"})
    for asset_id in ("cp-1", "cp-2"):
        a.call("POST", "/v1/assets", expect=201, json={
            "id": asset_id, "name": f"Charger {asset_id}", "kind": "charger",
            "owner": "gridshare", "device": asset_id, "time_zone": "Europe/Amsterdam",
            "tariff": TARIFF, "policy": POLICY, "energy_meter": "charger_kwh"})
    a.call("POST", "/v1/members", expect=201, json={"id": "ann", "customer": "c-ann"})
    a.call("POST", "/v1/members", expect=201, json={"id": "bob", "customer": "c-bob"})
    return Network(world, a, commands)


def seed_isolation(world: World, device: str, customer: str) -> tuple[str, str]:
    """Tenant A's sharing objects for test_api_isolation: an owner, an asset on `device`, a
    member of `customer`, a booking and an active session; returns (booking id, session id)."""
    a, now = world.a, world.platform.clock.now_ms()
    world.client.app.state.command_publisher = RecordingPublisher()  # type: ignore[attr-defined]
    a.call("POST", "/v1/owners", expect=201, json={
        "id": "acme-owner", "name": "acme-secret-owner", "platform_fee_percent": "10"})
    a.call("POST", "/v1/assets", expect=201, json={
        "id": "acme-asset", "name": "acme-secret-asset", "owner": "acme-owner",
        "device": device, "tariff": TARIFF, "policy": POLICY})
    a.call("POST", "/v1/members", expect=201, json={
        "id": "acme-member", "customer": customer, "name": "acme-secret-member"})
    booking = a.call("POST", "/v1/bookings", expect=201, json={
        "asset": "acme-asset", "member": "acme-member", "start": iso(now),
        "end": iso(now + HOUR)}).json()
    session = a.call("POST", "/v1/assets/acme-asset/sessions", expect=201,
                     json={"member": "acme-member"}).json()
    return booking["id"], session["id"]


def money(value: Any) -> Decimal:
    return Decimal(str(value))


__all__ = ["HOUR", "MINUTE", "NOW", "Network", "energy", "money", "network",
           "shared_database", "state"]
