"""Device connectivity: online or offline, from when it was last heard and what it last said.

A device is online when it was heard from within `offline_after_ms`, unless its last explicit
status report (an MQTT last-will or a `device.status` event), newer than anything else it sent,
says offline. Connected minutes are the distinct UTC minutes in which the device sent anything.
"""

from __future__ import annotations

MINUTE_MS = 60_000
STATUS_EVENT = "device.status"


def minute_of(time_ms: int) -> int:
    return time_ms - time_ms % MINUTE_MS


def state(
    last_seen_ms: int | None,
    reported_state: str | None,
    reported_ms: int | None,
    now_ms: int,
    offline_after_ms: int,
) -> str:
    if reported_state == "offline" and reported_ms is not None and (
        last_seen_ms is None or reported_ms >= last_seen_ms
    ):
        return "offline"
    if last_seen_ms is None:
        return "never_seen"
    return "online" if now_ms - last_seen_ms <= offline_after_ms else "offline"
