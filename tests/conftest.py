"""Shared fixtures: real SQLite files and real PostgreSQL databases, one per test.

PostgreSQL runs on 127.0.0.1:5432 (MONETIOT_TEST_PG_URL overrides). Each test gets a database of
its own with a unique name, dropped afterwards. When the server is missing a test skips, except
on CI (CI=true), where it fails: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import FixedClock
from monetiot.settings import Settings

PG_ADMIN_URL = os.environ.get("MONETIOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ON_CI = os.environ.get("CI", "").lower() == "true"

NOW = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp() * 1000)


def pytest_configure(config: pytest.Config) -> None:
    """Pure domain tests round money too: give the domain its ISO 4217 table, as bootstrap,
    the CLI and the web app do."""
    from monetiot.currency_table import install

    install()


def service_missing(what: str) -> None:
    if ON_CI:
        pytest.fail(f"{what} is not reachable, and CI must not skip", pytrace=False)
    pytest.skip(f"{what} is not reachable")


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        service_missing("PostgreSQL on 127.0.0.1:5432")
        raise


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"monetiot_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monetiot.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def platform(database_url: str, clock: FixedClock) -> Iterator[Platform]:
    plat = bootstrap(Settings(database_url=database_url), clock=clock)
    try:
        yield plat
    finally:
        plat.close()


@pytest.fixture
def sqlite_platform(sqlite_url: str, clock: FixedClock) -> Iterator[Platform]:
    plat = bootstrap(Settings(database_url=sqlite_url), clock=clock)
    try:
        yield plat
    finally:
        plat.close()
