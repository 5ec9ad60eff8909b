"""Engines and the unit of work.

SQLite (the embedded default) runs in WAL mode; write transactions start with BEGIN IMMEDIATE so
two writers queue instead of failing half-way. Exact decimal arithmetic on SQLite's TEXT decimals
goes through `dec_add`, `dec_min`, `dec_max` and the aggregates `dec_sum`, `dec_minagg`,
`dec_maxagg`, computed with Python's Decimal. PostgreSQL uses NUMERIC and its own operators.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

# Sums of what is stored are exact whatever their size: a value stored before the limits of
# docs/limits.md existed (1E+999) must not make an aggregate fail, and so break a page, for good.
STORED = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _dec(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def _combine(op: Callable[[Decimal, Decimal], Decimal]) -> Callable[[Any, Any], str | None]:
    """A two-argument SQLite function on decimal text; NULL stands aside (x op NULL = x)."""

    def apply(a: Any, b: Any) -> str | None:
        x, y = _dec(a), _dec(b)
        if x is None or y is None:
            return None if x is None and y is None else format(x if y is None else y, "f")
        return format(op(x, y), "f")

    return apply


_dec_add = _combine(STORED.add)
_dec_min = _combine(min)
_dec_max = _combine(max)


class _DecSum:
    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: Any) -> None:
        if value is not None:
            self.total = STORED.add(Decimal(str(value)), self.total or Decimal(0))

    def finalize(self) -> str | None:
        return None if self.total is None else format(self.total, "f")


class _DecExtreme:
    pick = staticmethod(min)

    def __init__(self) -> None:
        self.best: Decimal | None = None

    def step(self, value: Any) -> None:
        if value is not None:
            d = Decimal(str(value))
            self.best = d if self.best is None else self.pick(self.best, d)

    def finalize(self) -> str | None:
        return None if self.best is None else format(self.best, "f")


class _DecMaxAgg(_DecExtreme):
    pick = staticmethod(max)


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.execute("PRAGMA journal_mode=WAL")
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")
    dbapi_conn.execute("PRAGMA foreign_keys=ON")
    dbapi_conn.create_function("dec_add", 2, _dec_add, deterministic=True)
    dbapi_conn.create_function("dec_min", 2, _dec_min, deterministic=True)
    dbapi_conn.create_function("dec_max", 2, _dec_max, deterministic=True)
    dbapi_conn.create_aggregate("dec_sum", 1, _DecSum)  # type: ignore[arg-type]
    dbapi_conn.create_aggregate("dec_minagg", 1, _DecExtreme)  # type: ignore[arg-type]
    dbapi_conn.create_aggregate("dec_maxagg", 1, _DecMaxAgg)  # type: ignore[arg-type]


def _sqlite_on_begin(conn: Connection) -> None:
    readonly = conn.get_execution_options().get("monetiot_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


class UnitOfWork:
    """One transaction for one use case: `with UnitOfWork(engine) as uow: ...; uow.commit()`.

    Leaving the block without `commit()` rolls everything back.
    """

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly
        self._conn: Connection | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._conn

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __enter__(self) -> UnitOfWork:
        conn = self.engine.connect()
        if self.readonly:
            conn = conn.execution_options(monetiot_readonly=True)
        conn.begin()
        self._conn = conn
        return self

    def commit(self) -> None:
        self.conn.commit()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.rollback()
            conn.close()
