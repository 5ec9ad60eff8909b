"""Rows of console users and browser sessions.

User reads and writes take the tenant and filter by it. A session is found by its token's hash
alone (the cookie carries no tenant); what it grants is read from the row. Never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update

from monetiot.store.user_tables import console_sessions, users

Row = dict[str, Any]


def _one(conn: Connection, stmt: Any) -> Row | None:
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


# users ----------------------------------------------------------------------------------------

def insert_user(conn: Connection, row: Row) -> None:
    conn.execute(users.insert().values(**row))


def get_user(conn: Connection, tenant_id: str, user_id: str) -> Row | None:
    return _one(conn, select(users).where(users.c.tenant_id == tenant_id, users.c.id == user_id))


def user_by_email(conn: Connection, tenant_id: str, email: str) -> Row | None:
    return _one(conn, select(users).where(users.c.tenant_id == tenant_id,
                                          users.c.email == email))


def list_users(conn: Connection, tenant_id: str) -> list[Row]:
    stmt = select(users).where(users.c.tenant_id == tenant_id).order_by(users.c.email)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def update_user(conn: Connection, tenant_id: str, user_id: str, values: Row) -> bool:
    result = conn.execute(update(users).where(users.c.tenant_id == tenant_id,
                                              users.c.id == user_id).values(**values))
    return bool(result.rowcount)


# sessions -------------------------------------------------------------------------------------

def insert_session(conn: Connection, row: Row) -> None:
    conn.execute(console_sessions.insert().values(**row))


def get_session(conn: Connection, session_id: str) -> Row | None:
    return _one(conn, select(console_sessions).where(console_sessions.c.id == session_id))


def delete_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(console_sessions).where(console_sessions.c.id == session_id))


def delete_user_sessions(conn: Connection, tenant_id: str, user_id: str) -> int:
    result = conn.execute(delete(console_sessions).where(
        console_sessions.c.tenant_id == tenant_id, console_sessions.c.user_id == user_id))
    return int(result.rowcount)


def delete_expired_sessions(conn: Connection, now_ms: int) -> int:
    result = conn.execute(delete(console_sessions).where(console_sessions.c.expires_ms <= now_ms))
    return int(result.rowcount)
