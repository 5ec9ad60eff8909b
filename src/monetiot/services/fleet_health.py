"""Fleet health as the console shows it: devices by connectivity, the ingest rate, quarantine.

A device is online, offline or never seen as `domain.connectivity` decides (silence longer than
the offline threshold, or its own last status report). The ingest rate counts events accepted
per hour of arrival over the last 24 hours; the quarantine count is what is still open there.
"""

from __future__ import annotations

from dataclasses import dataclass

from monetiot.services import fleet, quarantine
from monetiot.store import activity
from monetiot.store.engine import UnitOfWork

HOUR_MS = activity.HOUR_MS
STATES = ("online", "offline", "never_seen")


@dataclass(frozen=True)
class FleetHealth:
    devices: int
    states: dict[str, int]  # online | offline | never_seen -> devices
    hours: tuple[int, ...]  # the last 24 hour starts (UTC epoch ms), oldest first
    received: tuple[int, ...]  # events received in each of those hours
    quarantine: dict[str, int]  # status -> entries

    @property
    def last_hour(self) -> int:
        return self.received[-1] if self.received else 0

    @property
    def per_hour_24h(self) -> int:
        """The average number of events per hour over the last 24 hours, rounded down."""
        return sum(self.received) // 24


def fleet_health(uow: UnitOfWork, tenant: str, now_ms: int, offline_after_ms: int) -> FleetHealth:
    devices = fleet.list_devices(uow, tenant, now_ms, offline_after_ms)
    states = dict.fromkeys(STATES, 0)
    for d in devices:
        states[d["state"]] = states.get(d["state"], 0) + 1
    current = now_ms - now_ms % HOUR_MS
    hours = tuple(current - HOUR_MS * k for k in range(23, -1, -1))
    counts = activity.received_per_hour(uow.conn, tenant, hours[0], now_ms + 1)
    return FleetHealth(devices=len(devices), states=states, hours=hours,
                       received=tuple(counts.get(h, 0) for h in hours),
                       quarantine=quarantine.counts(uow, tenant))
