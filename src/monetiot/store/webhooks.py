"""Rows of webhooks: endpoints, their deliveries, and the outbox rows deliveries come from.

Endpoint and delivery reads and writes are tenant-scoped; the fan-out and claim queries serve
every tenant at once and belong to the webhook worker. Never commits. A delivery is unique per
(endpoint, outbox row), so fanning out the same rows twice inserts nothing the second time.
Claiming locks due rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent workers
claim disjoint rows; SQLite's write transactions are serial (BEGIN IMMEDIATE), which does the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from monetiot.domain.pages import Page, PageRequest
from monetiot.store.billing_tables import outbox, webhook_deliveries, webhook_endpoints
from monetiot.store.pages import asc, desc, fetch_page
from monetiot.store.sql import insert_for

Row = dict[str, Any]
_d, _e, _o = webhook_deliveries, webhook_endpoints, outbox


def _all(conn: Connection, stmt: Any) -> list[Row]:
    return [dict(r) for r in conn.execute(stmt).mappings()]


# endpoints ------------------------------------------------------------------------------------

def insert_endpoint(conn: Connection, row: Row) -> None:
    conn.execute(_e.insert().values(**row))


def get_endpoint(conn: Connection, tenant_id: str, endpoint_id: str) -> Row | None:
    row = conn.execute(select(_e).where(_e.c.tenant_id == tenant_id, _e.c.id == endpoint_id)
                       ).mappings().first()
    return dict(row) if row is not None else None


def list_endpoints(conn: Connection, tenant_id: str, page: PageRequest | None = None) -> Page[Row]:
    return fetch_page(conn, select(_e).where(_e.c.tenant_id == tenant_id), "webhooks",
                      [asc(_e.c.created_ms), asc(_e.c.id)], page)


def active_endpoints(conn: Connection) -> list[Row]:
    """Every tenant's active endpoints (the fan-out needs them all; the table is small)."""
    return _all(conn, select(_e).where(_e.c.active == 1))


def deactivate_endpoint(conn: Connection, tenant_id: str, endpoint_id: str) -> None:
    conn.execute(update(_e).where(_e.c.tenant_id == tenant_id, _e.c.id == endpoint_id)
                 .values(active=0))


def last_fanned_out(conn: Connection, tenant_id: str, endpoint_id: str) -> int | None:
    """The highest outbox id the endpoint has a delivery for (an index-only look-up)."""
    value = conn.execute(select(func.max(_d.c.outbox_id)).where(
        _d.c.tenant_id == tenant_id, _d.c.endpoint_id == endpoint_id)).scalar()
    return None if value is None else int(value)


# outbox ---------------------------------------------------------------------------------------

_OUTBOX_COLUMNS = (_o.c.id, _o.c.tenant_id, _o.c.type, _o.c.created_ms)


def outbox_after(conn: Connection, after_id: int, limit: int) -> list[Row]:
    """Outbox rows (without payloads) with ids above `after_id`, in id order."""
    return _all(conn, select(*_OUTBOX_COLUMNS).where(_o.c.id > after_id)
                .order_by(_o.c.id).limit(limit))


def max_outbox_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(_o.c.id), 0))).scalar_one())


def outbox_by_ids(conn: Connection, ids: Sequence[int]) -> list[Row]:
    return _all(conn, select(*_OUTBOX_COLUMNS).where(_o.c.id.in_(list(ids)))) if ids else []


# deliveries -----------------------------------------------------------------------------------

def insert_deliveries(conn: Connection, rows: Sequence[Row]) -> int:
    """Insert deliveries, skipping any (endpoint, outbox row) that already has one; returns
    how many were new."""
    if not rows:
        return 0
    stmt = insert_for(conn, _d).on_conflict_do_nothing().returning(_d.c.id)
    return len(conn.execute(stmt, list(rows)).all())


def claim_due(conn: Connection, now_ms: int, limit: int, lease_until_ms: int) -> list[Row]:
    """Take up to `limit` due pending deliveries: count the attempt and lease them until
    `lease_until_ms`, so no other worker takes them while this one sends. Returns each with its
    endpoint (url, secret, active) and event (type, payload, created_ms); `attempts` is the
    attempt being made, the fence for `finish_attempt`."""
    due = (select(_d.c.tenant_id, _d.c.id)
           .where(_d.c.status == "pending", _d.c.next_attempt_ms <= now_ms)
           .order_by(_d.c.next_attempt_ms).limit(limit))
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    keys = [(r[0], r[1]) for r in conn.execute(due)]
    if not keys:
        return []
    conn.execute(
        update(_d).where(_d.c.tenant_id == bindparam("t"), _d.c.id == bindparam("i"))
        .values(attempts=_d.c.attempts + 1, next_attempt_ms=lease_until_ms),
        [{"t": t, "i": i} for t, i in keys],
    )
    claimed: list[Row] = []
    for tenant_id in {t for t, _ in keys}:
        ids = [i for t, i in keys if t == tenant_id]
        claimed += _all(conn, select(
            _d.c.tenant_id, _d.c.id, _d.c.endpoint_id, _d.c.attempts,
            _e.c.url, _e.c.secret, _e.c.active,
            _o.c.type, _o.c.payload, _o.c.created_ms,
        ).join(_e, (_e.c.tenant_id == _d.c.tenant_id) & (_e.c.id == _d.c.endpoint_id))
          .join(_o, _o.c.id == _d.c.outbox_id)
          .where(_d.c.tenant_id == tenant_id, _d.c.id.in_(ids)))
    return claimed


def finish_attempt(conn: Connection, tenant_id: str, delivery_id: str, attempt: int,
                   values: Row) -> bool:
    """Record an attempt's outcome unless the delivery moved on meanwhile (lease expired and
    another worker took it, a retry, a removed endpoint): then nothing is written."""
    result = conn.execute(update(_d).where(
        _d.c.tenant_id == tenant_id, _d.c.id == delivery_id, _d.c.attempts == attempt,
        _d.c.status == "pending").values(**values))
    return bool(result.rowcount)


def get_delivery(conn: Connection, tenant_id: str, delivery_id: str) -> Row | None:
    rows = _deliveries(tenant_id).where(_d.c.id == delivery_id)
    found = _all(conn, rows)
    return found[0] if found else None


def list_deliveries(conn: Connection, tenant_id: str, endpoint_id: str, *,
                    status: str | None = None, limit: int = 100,
                    cursor: str | None = None) -> Page[Row]:
    """Newest first."""
    stmt = _deliveries(tenant_id).where(_d.c.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(_d.c.status == status)
    return fetch_page(conn, stmt, "deliveries", [desc(_d.c.outbox_id), asc(_d.c.id)],
                      PageRequest(limit=limit, cursor=cursor))


def _deliveries(tenant_id: str) -> Any:
    return (select(_d, _o.c.event_id, _o.c.type, _o.c.created_ms)
            .join(_o, _o.c.id == _d.c.outbox_id).where(_d.c.tenant_id == tenant_id))


def update_delivery(conn: Connection, tenant_id: str, delivery_id: str, values: Row) -> None:
    conn.execute(update(_d).where(_d.c.tenant_id == tenant_id, _d.c.id == delivery_id)
                 .values(**values))


def fail_pending(conn: Connection, tenant_id: str, endpoint_id: str, error: str) -> None:
    conn.execute(update(_d).where(
        _d.c.tenant_id == tenant_id, _d.c.endpoint_id == endpoint_id, _d.c.status == "pending"
    ).values(status="failed", last_error=error))
