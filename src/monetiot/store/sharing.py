"""Rows of asset sharing: owners, assets, members, bookings, sessions, the revenue ledger.

Every function takes the tenant explicitly and filters by it; none commits. `insert_booking` is
the one place a booking is written: it checks for an overlapping booking in the same transaction
(exact on SQLite, where writers are serialised) and relies on the exclusion constraint on
PostgreSQL, where two transactions may both pass the check; either way a clash raises `Clash`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.exc import IntegrityError

from monetiot.domain.pages import Page, PageRequest
from monetiot.store.pages import asc, fetch_page
from monetiot.store.schema import events
from monetiot.store.sharing_tables import (
    sharing_assets,
    sharing_bookings,
    sharing_members,
    sharing_owners,
    sharing_revenue,
    sharing_sessions,
)

Row = dict[str, Any]
_HOLDING = ("booked", "started", "completed", "no_show")


class Clash(Exception):
    """A booking overlaps another one of the same asset (`other` is its row, when known)."""

    def __init__(self, other: Row | None) -> None:
        super().__init__("overlapping booking")
        self.other = other


def _one(conn: Connection, stmt: Any) -> Row | None:
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def _all(conn: Connection, stmt: Any) -> list[Row]:
    return [dict(r) for r in conn.execute(stmt).mappings()]


def _locked(conn: Connection, stmt: Any, lock: bool) -> Any:
    return stmt.with_for_update() if lock and conn.dialect.name == "postgresql" else stmt


# owners, assets, members ----------------------------------------------------------------------

def insert_owner(conn: Connection, row: Row) -> None:
    conn.execute(sharing_owners.insert().values(**row))


def get_owner(conn: Connection, tenant_id: str, owner_id: str) -> Row | None:
    return _one(conn, select(sharing_owners).where(sharing_owners.c.tenant_id == tenant_id,
                                                   sharing_owners.c.id == owner_id))


def list_owners(conn: Connection, tenant_id: str, page: PageRequest | None = None) -> Page[Row]:
    return fetch_page(conn, select(sharing_owners).where(sharing_owners.c.tenant_id == tenant_id),
                      "owners", [asc(sharing_owners.c.id)], page)


def insert_asset(conn: Connection, row: Row) -> None:
    conn.execute(sharing_assets.insert().values(**row))


def get_asset(conn: Connection, tenant_id: str, asset_id: str) -> Row | None:
    return _one(conn, select(sharing_assets).where(sharing_assets.c.tenant_id == tenant_id,
                                                   sharing_assets.c.id == asset_id))


def list_assets(conn: Connection, tenant_id: str, owner_id: str | None = None,
                page: PageRequest | None = None) -> Page[Row]:
    stmt = select(sharing_assets).where(sharing_assets.c.tenant_id == tenant_id)
    if owner_id is not None:
        stmt = stmt.where(sharing_assets.c.owner_id == owner_id)
    return fetch_page(conn, stmt, "assets", [asc(sharing_assets.c.id)], page)


def insert_member(conn: Connection, row: Row) -> None:
    conn.execute(sharing_members.insert().values(**row))


def get_member(conn: Connection, tenant_id: str, member_id: str) -> Row | None:
    return _one(conn, select(sharing_members).where(sharing_members.c.tenant_id == tenant_id,
                                                    sharing_members.c.id == member_id))


def list_members(conn: Connection, tenant_id: str, customer_id: str | None = None,
                 page: PageRequest | None = None) -> Page[Row]:
    stmt = select(sharing_members).where(sharing_members.c.tenant_id == tenant_id)
    if customer_id is not None:
        stmt = stmt.where(sharing_members.c.customer_id == customer_id)
    return fetch_page(conn, stmt, "members", [asc(sharing_members.c.id)], page)


# bookings -------------------------------------------------------------------------------------

def overlapping(conn: Connection, tenant_id: str, asset_id: str, start_ms: int,
                end_ms: int) -> list[Row]:
    """Bookings of the asset that hold a slot overlapping [start, end)."""
    return _all(conn, select(sharing_bookings).where(
        sharing_bookings.c.tenant_id == tenant_id, sharing_bookings.c.asset_id == asset_id,
        sharing_bookings.c.status.in_(_HOLDING),
        sharing_bookings.c.start_ms < end_ms, sharing_bookings.c.end_ms > start_ms,
    ).order_by(sharing_bookings.c.start_ms))


def insert_booking(conn: Connection, row: Row) -> None:
    """Insert a booking, or raise `Clash` when its slot overlaps a booking that holds one."""
    found = overlapping(conn, row["tenant_id"], row["asset_id"], row["start_ms"], row["end_ms"])
    if found:
        raise Clash(found[0])
    savepoint = conn.begin_nested()
    try:
        conn.execute(sharing_bookings.insert().values(**row))
    except IntegrityError as exc:
        savepoint.rollback()
        if _is_exclusion(exc):
            raise Clash(None) from None
        raise
    savepoint.commit()


def _is_exclusion(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "23P01" or "ex_sharing_bookings_slot" in str(exc.orig)


def get_booking(conn: Connection, tenant_id: str, booking_id: str,
                *, lock: bool = False) -> Row | None:
    return _one(conn, _locked(conn, select(sharing_bookings).where(
        sharing_bookings.c.tenant_id == tenant_id, sharing_bookings.c.id == booking_id), lock))


def list_bookings(conn: Connection, tenant_id: str, *, asset_id: str | None = None,
                  member_id: str | None = None, status: str | None = None,
                  start_ms: int | None = None, end_ms: int | None = None,
                  limit: int = 1000, cursor: str | None = None) -> Page[Row]:
    stmt = select(sharing_bookings).where(sharing_bookings.c.tenant_id == tenant_id)
    if asset_id is not None:
        stmt = stmt.where(sharing_bookings.c.asset_id == asset_id)
    if member_id is not None:
        stmt = stmt.where(sharing_bookings.c.member_id == member_id)
    if status is not None:
        stmt = stmt.where(sharing_bookings.c.status == status)
    if start_ms is not None:
        stmt = stmt.where(sharing_bookings.c.end_ms > start_ms)
    if end_ms is not None:
        stmt = stmt.where(sharing_bookings.c.start_ms < end_ms)
    return fetch_page(conn, stmt, "bookings",
                      [asc(sharing_bookings.c.start_ms), asc(sharing_bookings.c.id)],
                      PageRequest(limit=limit, cursor=cursor))


def due_no_shows(conn: Connection, tenant_id: str, before_ms: int) -> list[Row]:
    """Booked (never started) bookings that began before `before_ms`, oldest first."""
    return _all(conn, select(sharing_bookings).where(
        sharing_bookings.c.tenant_id == tenant_id, sharing_bookings.c.status == "booked",
        sharing_bookings.c.start_ms < before_ms,
    ).order_by(sharing_bookings.c.start_ms, sharing_bookings.c.id))


def update_booking(conn: Connection, tenant_id: str, booking_id: str, values: Row,
                   *, from_status: str | None = None) -> bool:
    """Change a booking; with `from_status`, only if it is still in that state."""
    stmt = update(sharing_bookings).where(sharing_bookings.c.tenant_id == tenant_id,
                                          sharing_bookings.c.id == booking_id)
    if from_status is not None:
        stmt = stmt.where(sharing_bookings.c.status == from_status)
    return conn.execute(stmt.values(**values)).rowcount > 0


# sessions -------------------------------------------------------------------------------------

def insert_session(conn: Connection, row: Row) -> None:
    conn.execute(sharing_sessions.insert().values(**row))


def get_session(conn: Connection, tenant_id: str, session_id: str,
                *, lock: bool = False) -> Row | None:
    return _one(conn, _locked(conn, select(sharing_sessions).where(
        sharing_sessions.c.tenant_id == tenant_id, sharing_sessions.c.id == session_id), lock))


def active_session(conn: Connection, tenant_id: str, asset_id: str) -> Row | None:
    return _one(conn, select(sharing_sessions).where(
        sharing_sessions.c.tenant_id == tenant_id, sharing_sessions.c.asset_id == asset_id,
        sharing_sessions.c.status == "active"))


def list_sessions(conn: Connection, tenant_id: str, *, asset_id: str | None = None,
                  member_id: str | None = None, status: str | None = None,
                  limit: int = 1000, cursor: str | None = None) -> Page[Row]:
    stmt = select(sharing_sessions).where(sharing_sessions.c.tenant_id == tenant_id)
    if asset_id is not None:
        stmt = stmt.where(sharing_sessions.c.asset_id == asset_id)
    if member_id is not None:
        stmt = stmt.where(sharing_sessions.c.member_id == member_id)
    if status is not None:
        stmt = stmt.where(sharing_sessions.c.status == status)
    return fetch_page(conn, stmt, "sessions",
                      [asc(sharing_sessions.c.start_ms), asc(sharing_sessions.c.id)],
                      PageRequest(limit=limit, cursor=cursor))


def update_session(conn: Connection, tenant_id: str, session_id: str, values: Row,
                   *, from_status: str | None = None) -> bool:
    stmt = update(sharing_sessions).where(sharing_sessions.c.tenant_id == tenant_id,
                                          sharing_sessions.c.id == session_id)
    if from_status is not None:
        stmt = stmt.where(sharing_sessions.c.status == from_status)
    return conn.execute(stmt.values(**values)).rowcount > 0


def device_events(conn: Connection, tenant_id: str, device_id: str, types: Sequence[str],
                  prefixes: Sequence[str], after_ms: int, until_ms: int) -> list[Row]:
    """The device's events of the given types (or type prefixes), after < time <= until."""
    kinds: list[Any] = [events.c.type.in_(list(types))] if types else []
    kinds += [events.c.type.startswith(p, autoescape=True) for p in prefixes]
    if not kinds:
        return []
    return _all(conn, select(events).where(
        events.c.tenant_id == tenant_id, events.c.device_id == device_id,
        events.c.time_ms > after_ms, events.c.time_ms <= until_ms, or_(*kinds),
    ).order_by(events.c.time_ms, events.c.id))


# revenue ledger -------------------------------------------------------------------------------

def insert_revenue(conn: Connection, row: Row) -> None:
    conn.execute(sharing_revenue.insert().values(**row))


def get_revenue(conn: Connection, tenant_id: str, item_id: str) -> Row | None:
    return _one(conn, select(sharing_revenue).where(sharing_revenue.c.tenant_id == tenant_id,
                                                    sharing_revenue.c.id == item_id))


def revenue_for_owner(conn: Connection, tenant_id: str, owner_id: str, start_ms: int,
                      end_ms: int) -> list[Row]:
    return _all(conn, select(sharing_revenue).where(
        sharing_revenue.c.tenant_id == tenant_id, sharing_revenue.c.owner_id == owner_id,
        sharing_revenue.c.at_ms >= start_ms, sharing_revenue.c.at_ms < end_ms,
    ).order_by(sharing_revenue.c.at_ms, sharing_revenue.c.id))


def revenue_items(conn: Connection, tenant_id: str) -> list[Row]:
    return _all(conn, select(sharing_revenue).where(sharing_revenue.c.tenant_id == tenant_id)
                .order_by(sharing_revenue.c.at_ms, sharing_revenue.c.id))
