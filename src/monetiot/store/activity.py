"""Ingest activity: how many events a tenant's devices sent, hour by hour of arrival.

Reads only; scoped by tenant. Counts come from the event store (`received_ms`), so they are
what was accepted: rejected records are in quarantine, not here.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from monetiot.store.schema import events

HOUR_MS = 3_600_000


def received_per_hour(conn: Connection, tenant_id: str, start_ms: int,
                      end_ms: int) -> dict[int, int]:
    """Hour start (UTC epoch ms) -> events received in [start, end) during that hour."""
    hour = (events.c.received_ms - events.c.received_ms % HOUR_MS).label("hour")
    stmt = (select(hour, func.count().label("n"))
            .where(events.c.tenant_id == tenant_id, events.c.received_ms >= start_ms,
                   events.c.received_ms < end_ms)
            .group_by(hour))
    return {int(r.hour): int(r.n) for r in conn.execute(stmt)}
