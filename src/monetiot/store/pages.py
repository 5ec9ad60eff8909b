"""Keyset pagination of a tenant-scoped SELECT: one page in the list's total order, and its cursor.

`fetch_page` orders the statement by the given keys (each ascending or descending; the last key
is the row's id, so the order is total), continues strictly after the cursor's item with
`(k1 > v1) OR (k1 = v1 AND k2 > v2) ...` (each comparison in its key's direction), and reads one
row more than the page to know whether another page follows. No OFFSET: a page costs the same at
the end of a list of millions as at its start, on SQLite and PostgreSQL alike. Sort keys must be
NOT NULL columns of the statement's result. The statement keeps its own WHERE (the tenant).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, or_
from sqlalchemy.sql.elements import ColumnElement

from monetiot.domain.pages import (
    EVERYTHING,
    Key,
    Page,
    PageRequest,
    bad_cursor,
    decode_cursor,
    encode_cursor,
)

Row = dict[str, Any]
SortKey = tuple[Any, bool]  # (column, descending)


def asc(column: Any) -> SortKey:
    return (column, False)


def desc(column: Any) -> SortKey:
    return (column, True)


def fetch_page(conn: Connection, stmt: Any, list_name: str, keys: Sequence[SortKey],
               page: PageRequest | None) -> Page[Row]:
    page = page or EVERYTHING
    if page.cursor:
        after = decode_cursor(list_name, page.cursor, len(keys))
        if any(type(v) is not _python_type(col) for (col, _), v in zip(keys, after, strict=True)):
            raise bad_cursor(list_name)  # well-formed but tampered with
        stmt = stmt.where(_after(keys, after))
    stmt = stmt.order_by(*(col.desc() if down else col.asc() for col, down in keys))
    if page.limit is not None:
        stmt = stmt.limit(page.limit + 1)
    result = conn.execute(stmt)
    names = list(result.keys())
    rows = [dict(zip(names, row, strict=True)) for row in result.all()]
    if page.limit is None or len(rows) <= page.limit:
        return Page(rows)
    rows = rows[:page.limit]
    last = rows[-1]
    return Page(rows, encode_cursor(list_name, [last[col.key] for col, _ in keys]))


def _python_type(col: Any) -> type:
    try:
        kind = col.type.python_type
    except NotImplementedError:
        return str
    return int if issubclass(kind, int) else str


def _after(keys: Sequence[SortKey], values: Sequence[Key]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys`."""
    branches = []
    for i, (col, down) in enumerate(keys):
        equal = [keys[j][0] == values[j] for j in range(i)]
        beyond = col < values[i] if down else col > values[i]
        branches.append(and_(*equal, beyond))
    return or_(*branches)
