"""Quarantine: every record that could not be accepted, kept raw with its reason.

Rows are never deleted: an operator replays them (status `replayed`) or discards them (status
`discarded`), and both stay listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from monetiot.domain.pages import Page, PageRequest
from monetiot.store.pages import asc, fetch_page
from monetiot.store.schema import quarantine

Row = dict[str, Any]


def insert(conn: Connection, rows: Sequence[Row]) -> list[int]:
    ids: list[int] = []
    for row in rows:
        result = conn.execute(quarantine.insert().values(**row).returning(quarantine.c.id))
        ids.append(int(result.scalar_one()))
    return ids


def get(conn: Connection, tenant_id: str, entry_id: int) -> Row | None:
    row = conn.execute(select(quarantine).where(
        quarantine.c.tenant_id == tenant_id, quarantine.c.id == entry_id
    )).mappings().first()
    return dict(row) if row else None


def list_entries(conn: Connection, tenant_id: str, status: str | None = "open",
                 limit: int = 100, after_id: int = 0, cursor: str | None = None) -> Page[Row]:
    stmt = select(quarantine).where(quarantine.c.tenant_id == tenant_id,
                                    quarantine.c.id > after_id)
    if status is not None:
        stmt = stmt.where(quarantine.c.status == status)
    return fetch_page(conn, stmt, "quarantine", [asc(quarantine.c.id)],
                      PageRequest(limit=limit, cursor=cursor))


def count_by_status(conn: Connection, tenant_id: str) -> dict[str, int]:
    stmt = select(quarantine.c.status, func.count()).where(
        quarantine.c.tenant_id == tenant_id).group_by(quarantine.c.status)
    return {status: int(n) for status, n in conn.execute(stmt)}


def set_status(conn: Connection, tenant_id: str, entry_id: int, *, status: str,
               reason: str | None = None, at_ms: int | None = None) -> None:
    values: Row = {"status": status, "resolved_ms": at_ms}
    if reason is not None:
        values["reason"] = reason
    conn.execute(update(quarantine).where(
        quarantine.c.tenant_id == tenant_id, quarantine.c.id == entry_id
    ).values(**values))


def remove(conn: Connection, tenant_id: str, entry_ids: set[int]) -> None:
    """Delete entries made within the caller's transaction (a replay's own rejections)."""
    if entry_ids:
        conn.execute(delete(quarantine).where(quarantine.c.tenant_id == tenant_id,
                                              quarantine.c.id.in_(entry_ids)))
