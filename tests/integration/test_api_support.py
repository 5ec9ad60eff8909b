"""What the REST API tests share: a tenant seen through the API, and one database per module.

`World` gives a test two tenants (A and B) of its own, each with an admin key, so that every test
can check that B sees nothing of A. Creating a PostgreSQL database and migrating it costs about a
second, so each test module gets one database per dialect (`shared_database`) and each test gets
fresh tenants in it: tenants are the product's own isolation, and the clock is reset to NOW for
every test. Helpers talk to the API only (tenants are created through the service, as the API has
no route for it); they assert nothing but the status they are told to expect.
"""

from __future__ import annotations

import base64
import itertools
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import FixedClock, iso_from_ms
from monetiot.services import access
from monetiot.settings import Settings
from monetiot.store.schema import events, quarantine
from monetiot.web.app import create_app

NOW = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp() * 1000)  # as in conftest
PG_ADMIN_URL = os.environ.get("MONETIOT_TEST_PG_URL",
                              "postgresql://postgres@127.0.0.1:5432/postgres")
HOUR = 3_600_000
MINUTE = 60_000


def ms(text: str) -> int:
    """`2026-11-24T10:00Z` -> epoch ms (UTC)."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
               .timestamp() * 1000)


def iso(time_ms: int) -> str:
    return iso_from_ms(time_ms)


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Tenant:
    client: TestClient
    id: str
    admin_key: str
    devices: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (user, password)

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.admin_key)

    def call(self, method: str, path: str, *, expect: int | None = 200,
             headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=headers or self.auth, **kwargs)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code,
                                                     response.text)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs).json()

    def key(self, scope: str) -> str:
        return str(self.call("POST", "/v1/api-keys", json={"scope": scope, "name": scope},
                             expect=201).json()["key"])

    def customer(self, customer_id: str, timezone: str = "UTC") -> None:
        self.call("POST", "/v1/customers", json={"id": customer_id, "timezone": timezone},
                  expect=201)

    def device(self, device_id: str, customer: str | None = None,
               assigned_from: int | None = None) -> tuple[str, str]:
        doc: dict[str, Any] = {"id": device_id}
        if customer is not None:
            doc["customer"] = customer
        if assigned_from is not None:
            doc["assigned_from"] = assigned_from
        made = self.call("POST", "/v1/devices", json=doc, expect=201).json()
        creds = (made["credentials"]["username"], made["credentials"]["password"])
        self.devices[device_id] = creds
        return creds

    def assign(self, device_id: str, customer: str | None, start_ms: int,
               expect: int = 201) -> Any:
        return self.call("POST", f"/v1/devices/{device_id}/assignments",
                         json={"customer": customer, "from": iso(start_ms)}, expect=expect)

    def meter(self, meter_id: str, event_type: str, aggregation: str,
              prop: str | None = None, **extra: Any) -> None:
        doc: dict[str, Any] = {"id": meter_id, "event_type": event_type,
                               "aggregation": aggregation, **extra}
        if prop is not None:
            doc["property"] = prop
        self.call("POST", "/v1/meters", json=doc, expect=201)

    def send(self, body: Any, content_type: str = "application/json",
             headers: dict[str, str] | None = None, expect: int | None = None) -> Any:
        """POST /v1/events; `body` is bytes as sent, or text, or a JSON-able value."""
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode()
        else:
            from monetiot.domain.jsonexact import dumps

            raw = dumps(body).encode()
        response = self.client.post("/v1/events", content=raw,
                                    headers={**(headers or self.auth),
                                             "Content-Type": content_type})
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def usage(self, meter: str, start: int, end: int, **params: Any) -> list[dict[str, Any]]:
        query = {"meter": meter, "start": iso(start), "end": iso(end), **params}
        return list(self.get("/v1/usage", params=query)["usage"])

    def total(self, meter: str, start: int, end: int, **params: Any) -> Decimal | None:
        (row,) = self.usage(meter, start, end, **params)
        return None if row["value"] is None else Decimal(row["value"])

    def quarantine(self, status: str = "all") -> list[dict[str, Any]]:
        return list(self.get("/v1/quarantine", params={"status": status,
                                                       "limit": 1000})["entries"])


def event(event_id: str, time_ms: int, device: str | None = "d1", type: str = "energy",
          **data: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": event_id, "type": type, "time": iso(time_ms), "data": data}
    if device is not None:
        doc["device"] = device
    return doc


@dataclass
class World:
    platform: Platform
    client: TestClient
    a: Tenant
    b: Tenant

    @classmethod
    def build(cls, platform: Platform, suffix: str = "") -> World:
        client = TestClient(create_app(platform), raise_server_exceptions=False)
        return cls(platform, client, new_tenant(platform, client, f"acme{suffix}"),
                   new_tenant(platform, client, f"bolt{suffix}"))

    def count_rows(self, table: Any, tenant: str) -> int:
        with self.platform.uow(readonly=True) as uow:
            return int(uow.conn.execute(select(func.count()).select_from(table)
                                        .where(table.c.tenant_id == tenant)).scalar_one())

    def stored_events(self, tenant: str) -> int:
        return self.count_rows(events, tenant)

    def quarantined(self, tenant: str) -> int:
        return self.count_rows(quarantine, tenant)


def new_tenant(platform: Platform, client: TestClient, tenant_id: str) -> Tenant:
    with platform.uow() as uow:
        key = access.create_tenant(uow, platform.clock.now_ms(), tenant_id, tenant_id.title())
    return Tenant(client, tenant_id, key.key)


class SharedDatabase:
    """One migrated database for a test module; `world()` gives each test fresh tenants."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._count = itertools.count(1)

    def world(self) -> World:
        self.platform.clock.at_ms = NOW  # type: ignore[attr-defined]
        return World.build(self.platform, f"-{next(self._count)}")


def shared_database() -> Callable[..., Iterator[SharedDatabase]]:
    """A module-scoped fixture running the module's tests on SQLite and on PostgreSQL."""

    @pytest.fixture(scope="module", params=["sqlite", "postgresql"])
    def fixture(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedDatabase]:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'monetiot.db'}"
            yield from _serve(url)
            return
        name = f"monetiot_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield from _serve(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return fixture


def _serve(url: str) -> Iterator[SharedDatabase]:
    platform = bootstrap(Settings(database_url=url), clock=FixedClock(NOW))
    try:
        yield SharedDatabase(platform)
    finally:
        platform.close()


def _pg_admin(statement: str) -> None:
    import psycopg

    from conftest import service_missing

    try:
        with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True, connect_timeout=3) as admin:
            admin.execute(statement)  # type: ignore[arg-type]
    except psycopg.OperationalError:
        service_missing("PostgreSQL on 127.0.0.1:5432")


def statuses(response: Any) -> list[str]:
    return [r["status"] for r in response.json()["results"]]


def values(rows: Iterable[dict[str, Any]], *dims: str) -> dict[Any, str | None]:
    """Usage rows as {dims (or from_ms): value text} for compact expectations."""
    out: dict[Any, str | None] = {}
    for row in rows:
        key = tuple(row[d] for d in dims) if dims else row["from_ms"]
        if len(dims) == 1:
            key = key[0]
        out[key] = None if row["value"] is None else _norm(row["value"])
    return out


def _norm(text: str) -> str:
    """Exact value text without trailing zeros (`2.50` and `2.5` are one quantity)."""
    d = Decimal(text)
    return format(d.normalize(), "f") if d != d.to_integral_value() else format(
        d.to_integral_value(), "f")


shared = shared_database()


def test_each_world_has_tenants_of_its_own(shared: SharedDatabase) -> None:
    first, second = shared.world(), shared.world()
    assert len({first.a.id, first.b.id, second.a.id, second.b.id}) == 4
    first.a.customer("c1")
    assert second.a.get("/v1/customers")["customers"] == []
    assert first.platform.clock.now_ms() == NOW
