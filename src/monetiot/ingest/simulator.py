"""A simulated fleet: realistic telemetry from energy meters, machines, chargers and scooters.

Deterministic for a seed. Each kind of device speaks the format such devices do in the field:
energy meters send SenML packs, industrial machines CloudEvents, chargers and scooters monetiot
JSON. `Fleet.window` yields what the fleet sent during [start, end), as (content type, body)
payloads, with the imperfections of real fleets when asked: resent messages, devices that were
offline and send their backlog late, and malformed messages.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

HOUR_MS = 3_600_000

KINDS = ("energy_meter", "machine", "charger", "scooter")


@dataclass(frozen=True)
class SimDevice:
    id: str
    kind: str
    customer: str


@dataclass
class Fleet:
    devices: list[SimDevice]
    seed: int = 7
    duplicate_rate: float = 0.02
    malformed_rate: float = 0.002
    offline_rate: float = 0.01
    rng: random.Random = field(init=False)
    _backlog: dict[str, list[dict[str, object]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def window(self, start_ms: int, end_ms: int) -> Iterator[tuple[str, bytes]]:
        """Payloads the fleet sends for the hours in [start, end)."""
        meters: list[dict[str, object]] = []
        machines: list[dict[str, object]] = []
        records: list[dict[str, object]] = []
        for hour in range(start_ms, end_ms, HOUR_MS):
            for device in self.devices:
                if device.id in self._backlog or self.rng.random() < self.offline_rate:
                    # offline: keep what it measured and send it when it reconnects
                    self._backlog.setdefault(device.id, []).extend(self._readings(device, hour))
                    if self.rng.random() < 0.15:
                        records += self._backlog.pop(device.id)
                    continue
                for reading in self._readings(device, hour):
                    if device.kind == "energy_meter":
                        meters.append(reading)
                    elif device.kind == "machine":
                        machines.append(reading)
                    else:
                        records.append(reading)
        if meters:
            yield "application/senml+json", json.dumps(_senml_pack(meters)).encode()
        if machines:
            yield "application/cloudevents-batch+json", json.dumps(
                [_cloudevent(m) for m in machines]).encode()
        if records:
            yield "application/json", json.dumps(records).encode()
        for _ in range(self._count(len(records), self.duplicate_rate)):
            yield "application/json", json.dumps([self.rng.choice(records)]).encode()
        for _ in range(self._count(len(meters) + len(records), self.malformed_rate)):
            yield self._malformed(start_ms)

    def _count(self, n: int, rate: float) -> int:
        expected = n * rate
        return int(expected) + (1 if self.rng.random() < expected - int(expected) else 0)

    def _readings(self, device: SimDevice, hour: int) -> list[dict[str, object]]:
        rng = self.rng
        local_hour = (hour // HOUR_MS) % 24
        daylight = max(0.0, math.sin((local_hour - 6) / 12 * math.pi))
        t = hour + rng.randrange(0, HOUR_MS // 2)
        base = {"id": f"{device.id}-{hour // HOUR_MS}", "device": device.id, "time": t}
        if device.kind == "energy_meter":
            kwh = Decimal(str(round(0.2 + 1.6 * daylight + rng.random() * 0.3, 3)))
            return [base | {"type": "energy.reading", "data": {"kwh": str(kwh)}}]
        if device.kind == "machine":
            running = rng.random() < 0.35 + 0.5 * daylight
            temp = Decimal(str(round(41 + (22 if running else 0) * rng.random(), 1)))
            return [base | {"type": "machine.telemetry", "data": {
                "operating_hours": "1" if running else "0", "temperature_c": str(temp),
                "power_kw": str(Decimal(str(round(11.5 if running else 0.4, 1))))}}]
        if device.kind == "charger":
            if rng.random() > 0.18 + 0.4 * daylight:
                return []
            kwh = Decimal(str(round(6 + rng.random() * 40, 2)))
            return [base | {"type": "charging.session", "data": {
                "kwh": str(kwh), "connector": rng.choice(["1", "2"]),
                "user": f"driver-{rng.randrange(60)}"}}]
        if rng.random() > 0.1 + 0.5 * daylight:
            return []
        return [base | {"type": "scooter.trip", "data": {
            "minutes": str(rng.randrange(4, 35)), "km": str(Decimal(rng.randrange(5, 90)) / 10),
            "rider": f"rider-{rng.randrange(400)}"}}]

    def _malformed(self, at_ms: int) -> tuple[str, bytes]:
        device = self.rng.choice(self.devices).id
        choice = self.rng.randrange(4)
        if choice == 0:
            return "application/json", b'[{"id": "broken", "device": "' + device.encode() + b'"'
        if choice == 1:
            return "application/json", json.dumps([{"device": device, "type": "energy.reading",
                                                    "time": at_ms, "data": {}}]).encode()
        if choice == 2:
            return "application/json", json.dumps([{
                "id": f"future-{at_ms}", "device": device, "type": "energy.reading",
                "time": at_ms + 40 * 86_400_000, "data": {"kwh": "1"}}]).encode()
        return "application/json", json.dumps([{
            "id": f"ghost-{at_ms}", "device": "unregistered-7", "type": "energy.reading",
            "time": at_ms, "data": {"kwh": "1"}}]).encode()


def _senml_pack(readings: list[dict[str, object]]) -> list[dict[str, object]]:
    pack: list[dict[str, object]] = []
    for r in sorted(readings, key=lambda r: str(r["device"])):
        data = r["data"]
        assert isinstance(data, dict)
        pack.append({"bn": f"{r['device']}:", "bt": int(r["time"]) / 1000,  # type: ignore[call-overload]
                     "n": "energy", "u": "kWh", "v": float(data["kwh"])})
    return pack


def _cloudevent(reading: dict[str, object]) -> dict[str, object]:
    return {"specversion": "1.0", "id": reading["id"], "source": f"/machines/{reading['device']}",
            "type": reading["type"], "subject": reading["device"],
            "time": _rfc3339(int(reading["time"])),  # type: ignore[call-overload]
            "datacontenttype": "application/json", "data": reading["data"]}


def _rfc3339(ms: int) -> str:
    from monetiot.domain.clock import iso_from_ms

    return iso_from_ms(ms)


def make_fleet(owners: dict[str, list[str]], per_kind: int = 5, seed: int = 7) -> Fleet:
    """`owners` maps each kind of device to the customers that run such devices."""
    devices = []
    for kind in KINDS:
        customers = owners[kind]
        for i in range(per_kind):
            devices.append(SimDevice(f"{kind.replace('_', '-')}-{i:03d}", kind,
                                     customers[i % len(customers)]))
    return Fleet(devices, seed=seed)
