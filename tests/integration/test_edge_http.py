"""The SDK over HTTP against the real API (uvicorn on a socket, SQLite and PostgreSQL).

- Basic device credentials: readings stored exactly; one the server rejects is deleted from the
  outbox, counted, named in `rejections`, and kept in the server's quarantine; the device's clock,
  two minutes ahead, is measured from the `Date` header and reported as `edge.clock`;
- https:// with the server's CA, SenML CBOR through it, metered exactly;
- a gateway over HTTP with an ingest key; a device's own password cannot speak for another;
- wrong credentials: nothing is deleted, the error says why.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from test_edge_support import (
    api_server,
    certificates,
    count,
    platform,
    quarantine_reasons,
    stored,
)
from test_mqtt_support import seed, unique, usage_total, wait_until

from monetiot.bootstrap import Platform
from monetiot.edge import Device, Reading
from monetiot.services import access


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as s:
        yield s


def open_device(stack: ExitStack, **kwargs: object) -> Device:
    dev = Device(**{"backoff": (0.05, 0.5), "ack_timeout": 5.0, **kwargs})  # type: ignore[arg-type]
    stack.callback(dev.close)
    return dev


def seeded(stack: ExitStack, database_url: str, devices: tuple[str, ...]) -> tuple[
        Platform, dict[str, str]]:
    plat = platform(database_url, unique("edge"))
    stack.callback(plat.close)
    return plat, seed(plat, "acme", devices).passwords


@pytest.mark.integration
def test_readings_rejections_and_clock_over_http(stack: ExitStack, database_url: str,
                                                 tmp_path: Path) -> None:
    plat, passwords = seeded(stack, database_url, ("meter-1",))
    server = stack.enter_context(api_server(plat))
    ahead_ns = 120 * 10**9
    dev = open_device(stack, url=server.url, tenant="acme", device="meter-1",
                      password=passwords["meter-1"], outbox=tmp_path / "outbox.db",
                      batch_size=20, clock=lambda: time.time_ns() + ahead_ns)
    began = time.time_ns() // 10**6
    expected = Decimal(0)
    for n in range(50):
        kwh = Decimal(n * 37 % 1000).scaleb(-3)
        expected += kwh
        dev.record("energy.reading", {"kwh": kwh if n % 2 else str(kwh), "n": n})
    future = dev.record("energy.reading", {"kwh": "9"}, time=began + 3_600_000)
    assert dev.flush(timeout=20) == 0

    stats = dev.stats()
    assert (stats.recorded, stats.sent, stats.rejected, stats.pending) == (51, 51, 1, 0)
    ((rejected_id, reason),) = dev.rejections
    assert rejected_id == future and "in the future" in reason
    assert any("in the future" in r for r in quarantine_reasons(plat, "acme"))
    readings = stored(plat, "acme", "energy.reading")
    assert sorted(int(r["data"]["n"]) for r in readings) == list(range(50))
    assert usage_total(plat, "acme", "kwh", began) == expected

    wait_until(lambda: dev.stats().clock is not None, "a clock sample")
    assert dev.flush(timeout=10) == 0
    (report,) = stored(plat, "acme", "edge.clock")
    assert report["device"] == "meter-1" and report["data"]["method"] == "http-date"
    assert abs(report["data"]["skew_ms"] - 120_000) <= report["data"]["uncertainty_ms"] + 1000

    # the server flags the device: two minutes is beyond the default limit of ten seconds
    with plat.uow() as uow:
        key = access.create_api_key(uow, plat.clock.now_ms(), "acme", "read", "ops").key
    ask = lambda **params: httpx.get(f"{server.url}/v1/device-clocks", params=params,  # noqa: E731
                                     headers={"Authorization": f"Bearer {key}"}).json()
    (clock,) = ask()["devices"]
    assert clock["device"] == "meter-1" and clock["flagged"] is True
    assert clock["skew_ms"] == report["data"]["skew_ms"] and clock["method"] == "http-date"
    assert ask(flagged="true", limit_ms=200_000) == {"limit_ms": 200_000, "devices": []}
    seed(plat, "bolt", ("meter-1",))  # same device id, another tenant: sees nothing of acme's
    with plat.uow() as uow:
        key = access.create_api_key(uow, plat.clock.now_ms(), "bolt", "read", "ops").key
    assert ask()["devices"] == []


@pytest.mark.integration
def test_senml_cbor_over_https(stack: ExitStack, sqlite_url: str, tmp_path: Path) -> None:
    certs = certificates(tmp_path / "certs")
    plat, passwords = seeded(stack, sqlite_url, ("meter-1",))
    server = stack.enter_context(api_server(plat, certfile=certs.cert, keyfile=certs.key))
    assert server.url.startswith("https://")
    dev = open_device(stack, url=server.url, tenant="acme", device="meter-1",
                      password=passwords["meter-1"], outbox=tmp_path / "outbox.db",
                      encoding="senml+cbor", ca_file=str(certs.ca))
    began = time.time_ns() // 10**6
    values = [Decimal("0.001") * n for n in range(1, 41)]
    dev.record_many([Reading("senml", {"kwh": v, "on": n % 2 == 0})
                     for n, v in enumerate(values)])
    assert dev.flush(timeout=20) == 0
    assert dev.stats().rejected == 0
    assert count(plat, "acme", "senml.kwh") == 40 and count(plat, "acme", "senml.on") == 40
    assert usage_total(plat, "acme", "senml_kwh", began) == sum(values, start=Decimal(0))
    assert {r["device"] for r in stored(plat, "acme", "senml.kwh")} == {"meter-1"}

    untrusted = open_device(stack, url=server.url, tenant="acme", device="meter-1",
                            password=passwords["meter-1"], outbox=tmp_path / "untrusted.db")
    untrusted.record("energy.reading", {"kwh": "1"})
    assert untrusted.flush(timeout=1) == 1
    assert "CERTIFICATE_VERIFY_FAILED" in (untrusted.stats().last_error or "")


@pytest.mark.integration
def test_a_gateway_over_http_needs_an_ingest_key(stack: ExitStack, sqlite_url: str,
                                                 tmp_path: Path) -> None:
    plat, passwords = seeded(stack, sqlite_url, ("gw-1", "child-1", "child-2"))
    with plat.uow() as uow:
        key = access.create_api_key(uow, plat.clock.now_ms(), "acme", "ingest", "gw-1").key
    server = stack.enter_context(api_server(plat))
    gw = open_device(stack, url=server.url, tenant="acme", device="gw-1", api_key=key,
                     outbox=tmp_path / "gw.db")
    gw.record("energy.reading", {"kwh": "1.5"}, device="child-1")
    gw.record("energy.reading", {"kwh": "2.5"}, device="child-2")
    gw.record("gateway.heartbeat", {})
    assert gw.flush(timeout=20) == 0 and gw.stats().rejected == 0
    assert {(r["device"], r["data"]["kwh"]) for r in stored(plat, "acme", "energy.reading")} \
        == {("child-1", "1.5"), ("child-2", "2.5")}
    assert [r["device"] for r in stored(plat, "acme", "gateway.heartbeat")] == ["gw-1"]

    # a device's own password speaks only for itself: the child's reading is quarantined
    own = open_device(stack, url=server.url, tenant="acme", device="gw-1",
                      password=passwords["gw-1"], outbox=tmp_path / "own.db")
    own.record("energy.reading", {"kwh": "3.5"}, device="child-1")
    assert own.flush(timeout=20) == 0
    assert own.stats().rejected == 1
    assert "may publish only as itself" in own.rejections[0][1]


@pytest.mark.integration
def test_wrong_credentials_keep_everything(stack: ExitStack, sqlite_url: str,
                                           tmp_path: Path) -> None:
    plat, _ = seeded(stack, sqlite_url, ("meter-1",))
    server = stack.enter_context(api_server(plat))
    dev = open_device(stack, url=server.url, tenant="acme", device="meter-1",
                      password="not-the-password", outbox=tmp_path / "outbox.db")
    dev.record("energy.reading", {"kwh": "1"})
    assert dev.flush(timeout=1) == 2  # the reading, and the clock report from the 401's Date
    assert dev.stats().pending == 1
    assert "answered 401" in (dev.stats().last_error or "")
    assert count(plat, "acme") == 0
