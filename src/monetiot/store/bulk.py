"""Bulk writes: a batch of rows in one statement (PostgreSQL) or one executemany (SQLite).

The ingest hot path writes a thousand events, two thousand rollup rows and a thousand device
rows per batch; through SQLAlchemy's per-row parameter handling that costs more than the
database's own work. Here:
- PostgreSQL gets the whole batch as ONE parameter, a JSON array the server unpacks with
  `json_to_recordset`: one round trip, one statement to plan, no per-row adaptation on the
  client, no session state (COPY into a staging table needs a temporary table and two more round
  trips, and was no faster);
- SQLite gets a plain `executemany` on its own connection (in-process, no round trips).
Invariants: numbers keep their exact digits (decimals travel as text and are read by `numeric`'s
own input function, never through a float); statements run inside the caller's transaction and
never commit; callers order the rows they lock, so concurrent writers never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import Connection

_ENCODER = msgspec.json.Encoder()


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def rows_from(columns: str) -> str:
    """A PostgreSQL FROM item reading a JSON parameter as rows (`"id text, n bigint"`)."""
    return f"json_to_recordset(%s::json) AS staged({columns})"


def as_json(rows: Iterable[dict[str, Any]]) -> str:
    return _ENCODER.encode(list(rows)).decode()


def run(conn: Connection, sql: str, params: Sequence[Any] = (), *,
        rows: bool = False) -> list[tuple[Any, ...]]:
    """One PostgreSQL statement with %s parameters; its rows when `rows`. Errors arrive as
    SQLAlchemy's (callers tell a lost connection from a bad statement the usual way)."""
    result = conn.exec_driver_sql(sql, tuple(params))
    return [tuple(r) for r in result.all()] if rows else []


def executemany(conn: Connection, sql: str, rows: Iterable[Sequence[Any]]) -> int:
    """A SQLite statement with ? parameters, once per row; how many rows it changed."""
    raw = conn.connection.driver_connection
    assert raw is not None
    before = raw.total_changes
    raw.executemany(sql, rows)
    return int(raw.total_changes - before)


def exact_text(value: Decimal | None) -> str | None:
    """A decimal as SQLite keeps it (`ExactDecimal`): plain digits, never a float."""
    return None if value is None else format(Decimal(value), "f")
