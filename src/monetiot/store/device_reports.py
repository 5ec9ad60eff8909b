"""Device reports: the newest event of one type per device, such as a device's `edge.clock`.

Reads only; scoped by tenant. "Newest" is by receipt (`received_ms`, then event time), not by
the event's own time: a report about a device's clock carries that clock's time, which is the
thing in doubt.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from monetiot.store.schema import events


def latest_per_device(conn: Connection, tenant_id: str, event_type: str,
                      since_ms: int) -> list[dict[str, Any]]:
    """Per device, its newest event of `event_type` received at or after `since_ms`."""
    stmt = (select(events.c.device_id, events.c.id, events.c.time_ms, events.c.received_ms,
                   events.c.data)
            .where(events.c.tenant_id == tenant_id, events.c.type == event_type,
                   events.c.device_id.is_not(None), events.c.received_ms >= since_ms)
            .order_by(events.c.device_id, events.c.received_ms, events.c.time_ms))
    newest: dict[str, dict[str, Any]] = {}
    for row in conn.execute(stmt).mappings():
        newest[row["device_id"]] = dict(row)  # ordered: the last one per device wins
    return [newest[d] for d in sorted(newest)]
