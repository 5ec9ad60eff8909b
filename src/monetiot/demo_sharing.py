"""The demo's shared-charger network: three chargers owned by a third party, used by members.

GridShare Partners (a third party, platform fee 15 %) owns three chargers. Four of the demo's
customers are members; they book a charger, unlock it with their booking, charge (the charger
reports its energy every quarter of an hour and goes idle when the car is full), and stop the
session through the API; now and then one cancels late or does not show up. Everything goes
through the real API and ingest path, with the demo's clock; unlock commands go to a recording
publisher (the demo runs without a broker). Deterministic for a given start.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from monetiot.domain.clock import FixedClock, iso_from_ms
from monetiot.services import revenue_split
from monetiot.services.asset_commands import RecordingPublisher

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
OWNER = "gridshare-partners"
CHARGERS = ("share-cp-1", "share-cp-2", "share-cp-3")
MEMBERS = {"sunfield-fleet": "sunfield-energy", "northmill-vans": "northmill-works",
           "harbor-tenants": "harbor-buildings", "zipzap-ops": "zipzap-mobility"}
TARIFF: dict[str, Any] = {
    "country_code": "NL", "party_id": "GSP", "id": "gridshare-standard", "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "FLAT", "price": "0.50", "vat": "21", "step_size": 1},
                              {"type": "ENERGY", "price": "0.29", "vat": "21",
                               "step_size": 1}]},
        {"price_components": [{"type": "PARKING_TIME", "price": "3.00", "vat": "21",
                               "step_size": 300}],
         "restrictions": {"start_time": "07:00", "end_time": "22:00"}}],
    "last_updated": "2026-01-01T00:00:00Z",
}
POLICY = {"free_cancellation_hours": 2, "cancellation_fee": {"kind": "percent", "value": "50"},
          "no_show_grace_minutes": 15, "no_show_fee": {"kind": "flat", "value": "5"},
          "estimated_kw": "7.4", "max_booking_hours": 4}


@dataclass
class Network:
    """What the demo's loop needs to drive the network."""

    client: Any  # a TestClient of the demo's app
    headers: dict[str, str]
    clock: FixedClock
    start_ms: int
    tenant: str
    commands: RecordingPublisher


def setup(client: Any, headers: dict[str, str], clock: FixedClock, tenant: str) -> Network:
    """The owner, the chargers (devices and assets), their energy meter and the members."""
    commands = RecordingPublisher()
    client.app.state.command_publisher = commands

    def post(path: str, doc: dict[str, Any]) -> None:
        response = client.post(path, json=doc, headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"demo: {path} answered {response.status_code}: {response.text}")

    post("/v1/meters", {"id": "shared_charger_kwh", "name": "Shared chargers (kWh)",
                        "event_type": "charger.meter", "property": "kwh", "aggregation": "SUM"})
    post("/v1/owners", {"id": OWNER, "name": "GridShare Partners",
                        "email": "payouts@gridshare.example", "platform_fee_percent": "15"})
    for number, charger in enumerate(CHARGERS, start=1):
        post("/v1/devices", {"id": charger, "name": f"GridShare charger {number}"})
        post("/v1/assets", {"id": charger, "name": f"GridShare charger {number}",
                            "kind": "charger", "owner": OWNER, "device": charger,
                            "time_zone": "Europe/Amsterdam", "tariff": TARIFF,
                            "policy": POLICY, "energy_meter": "shared_charger_kwh"})
    for member, customer in MEMBERS.items():
        post("/v1/members", {"id": member, "customer": customer})
    return Network(client, headers, clock, clock.now_ms(), tenant, commands)


def step(net: Network, block_start: int, block_end: int) -> None:
    """Bookings and sessions of the chargers in [block_start, block_end); then the sweep.

    Each charger gets at most one booking per block, inside it, so bookings never collide."""
    rng = random.Random(block_start)
    for charger in CHARGERS:
        if block_end - block_start < 4 * HOUR_MS or rng.random() < 0.45:
            continue
        start = block_start + rng.randrange(0, 8) * 15 * MINUTE_MS
        end = start + rng.choice((1, 2, 2, 3)) * HOUR_MS
        member = rng.choice(sorted(MEMBERS))
        fate = rng.random()
        net.clock.at_ms = max(net.start_ms, start - 3 * HOUR_MS)
        booking = _call(net, "POST", "/v1/bookings", {"asset": charger, "member": member,
                                                     "start": iso_from_ms(start),
                                                     "end": iso_from_ms(end)})
        if fate < 0.06:  # cancelled an hour before: late, so it costs half the estimate
            net.clock.at_ms = max(net.clock.at_ms, start - HOUR_MS)
            _call(net, "POST", f"/v1/bookings/{booking['id']}/cancel")
            continue
        if fate < 0.10:  # never turns up: the sweep marks the no-show
            continue
        _charge(net, rng, charger, member, start + rng.randrange(0, 10) * MINUTE_MS, end)
    net.clock.at_ms = block_end + 90_000
    _call(net, "POST", "/v1/sharing/sweep")


def _charge(net: Network, rng: random.Random, charger: str, member: str, start: int,
            end: int) -> None:
    net.clock.at_ms = start
    session = _call(net, "POST", f"/v1/assets/{charger}/sessions", {"member": member})
    power = Decimal(rng.choice(("7.4", "11", "11", "3.7")))
    full = start + rng.randrange(3, 9) * 15 * MINUTE_MS  # when the car is full
    stop = min(end, full + rng.randrange(0, 5) * 10 * MINUTE_MS)
    records: list[dict[str, Any]] = []
    at = start + 15 * MINUTE_MS
    while at <= min(full, stop):
        records.append({"id": f"{session['id']}-{at}", "device": charger,
                        "type": "charger.meter", "time": iso_from_ms(at),
                        "data": {"kwh": format(power / 4, "f")}})
        at += 15 * MINUTE_MS
    if full < stop:
        records.append({"id": f"{session['id']}-idle", "device": charger, "type": "asset.state",
                        "time": iso_from_ms(full), "data": {"state": "idle"}})
    net.clock.at_ms = stop + MINUTE_MS
    if records:
        _call(net, "POST", "/v1/events", records, expect=200)
    net.clock.at_ms = stop
    _call(net, "POST", f"/v1/sessions/{session['id']}/stop", expect=200)


def _call(net: Network, method: str, path: str, doc: Any = None, expect: int = 0) -> Any:
    response = net.client.request(method, path, json=doc, headers=net.headers)
    wanted = expect or (201 if method == "POST" and doc is not None else 200)
    if response.status_code != wanted:
        raise RuntimeError(f"demo: {method} {path} answered {response.status_code}: "
                           f"{response.text}")
    return response.json()


def summary(plat: Any, tenant: str, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """One row per month (UTC) of the owner's statement: sessions, energy, collected, payout."""
    with plat.uow(readonly=True) as uow:
        found = revenue_split.owner_statement(uow, tenant, OWNER, start_ms, end_ms + 1)
    rows: dict[str, dict[str, Any]] = {}
    for item in found["items"]:
        month = datetime.fromtimestamp(item["at_ms"] / 1000, tz=UTC).strftime("%Y-%m")
        row = rows.setdefault(month, {"month": month, "sessions": 0, "fees": 0,
                                      "energy_kwh": Decimal(0), "collected": Decimal(0),
                                      "platform_fee": Decimal(0), "owner_payout": Decimal(0)})
        row["sessions" if item["kind"] == "session" else "fees"] += 1
        for column in ("energy_kwh", "collected", "platform_fee", "owner_payout"):
            row[column] += item[column]
    return [rows[m] for m in sorted(rows)]
