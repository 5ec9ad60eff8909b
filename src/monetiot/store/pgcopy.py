"""The PostgreSQL COPY fast path: a batch COPYed into a staging table, then one set-based statement.

Sending a thousand rows as one COPY costs the client and the server a fraction of what a thousand
bound rows cost (no per-row parameter adaptation, no huge statement text to parse). Invariants:
- staging tables are session-local (`TEMP ... ON COMMIT DELETE ROWS`): nothing leaks between
  connections or transactions, and a rolled-back transaction leaves nothing behind;
- the statement that reads a staging table empties it (`WITH staged AS (DELETE ... RETURNING)`),
  so one transaction can use a staging table several times (one call per tenant);
- every statement here runs inside the caller's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def stage(conn: Connection, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> None:
    """COPY `rows` into the staging table `table` (created on first use) whose columns are
    `columns`, a DDL list such as `"id text, seen bigint"`."""
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(c.split()[0] for c in columns.split(","))
    with raw.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns}) ON COMMIT DELETE ROWS")
        with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def run(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """One statement with %s parameters on the same connection; the rows it returns, if any."""
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        # Never a prepared (generic) plan: the staging tables have no statistics, and a plan
        # chosen for no particular tenant once was three times slower than a fresh one.
        cur.execute(sql, params, prepare=False)
        return cur.fetchall() if cur.description is not None else []
