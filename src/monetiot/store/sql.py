"""The few dialect differences, kept in one place: upserts and exact-decimal SQL functions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Numeric, Table, func, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement


def insert_for(conn: Connection, table: Table) -> Any:
    """An INSERT that supports `on_conflict_do_nothing/_do_update` on both dialects."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def dec_add(conn: Connection, a: Any, b: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        # ExactDecimal's Python-side impl is String, whose `+` would compile to `||`.
        return type_coerce(a, Numeric()) + type_coerce(b, Numeric())
    return func.dec_add(a, b)


def dec_least(conn: Connection, a: Any, b: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return func.least(a, b)
    return func.dec_min(a, b)


def dec_greatest(conn: Connection, a: Any, b: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return func.greatest(a, b)
    return func.dec_max(a, b)


def dec_sum(conn: Connection, col: Any) -> ColumnElement[Any]:
    return func.sum(col) if conn.dialect.name == "postgresql" else func.dec_sum(col)


def dec_min(conn: Connection, col: Any) -> ColumnElement[Any]:
    return func.min(col) if conn.dialect.name == "postgresql" else func.dec_minagg(col)


def dec_max(conn: Connection, col: Any) -> ColumnElement[Any]:
    return func.max(col) if conn.dialect.name == "postgresql" else func.dec_maxagg(col)
