"""Billing throughput: one billing run closing a month for many subscriptions with usage.

    bench/billing.py [--quick] --json FILE [--only billing_run_sqlite,billing_run_postgresql]
                     [--subscriptions N] [--events-per-device E] [--profile DIR]

Per scenario: a fresh database (a SQLite file, or a PostgreSQL database of its own on
127.0.0.1, dropped afterwards); one tenant; N customers, each with one device and one
subscription from January 1 (calendar months, UTC) to a plan with a platform fee paid in advance
and a graduated energy charge on a SUM meter; January's usage sent through `services.ingest`
(E events a device, 1,000 events a transaction); the opening run on January 1 (each
subscription's in-advance fee; timed on its own); then ONE timed `services.billing.run` on
February 1 that closes January for every subscription: one invoice each, with January's usage
and February's fee. `invoices_per_s` is that run's invoices over its wall time.

Checks: exactly one invoice per subscription per boundary, invoice numbers 1..2N with no gap,
and the usage on the closing invoices adds up to the kWh sent. `--profile DIR` also writes a
cProfile of the timed run (pstats) and prints its top functions (the profile slows the run).
Defaults: 10,000 subscriptions, 4 events a device; --quick: 2,000 subscriptions.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform as host
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select

from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import FixedClock, iso_from_ms
from monetiot.services import access, billing, catalog, fleet, ingest, metering, subscriptions
from monetiot.settings import Settings
from monetiot.store.billing_tables import invoice_lines, invoices

PG_ADMIN = os.environ.get("MONETIOT_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TENANT = "bench"
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


JAN, FEB = utc("2026-01-01"), utc("2026-02-01")

PLAN = {
    "id": "metered",
    "name": "Metered",
    "currency": "EUR",
    "billing_period": "monthly",
    "recurring": [{"id": "platform", "name": "Platform fee", "kind": "flat", "price": "19",
                   "timing": "in_advance"}],
    "usage": [{"id": "energy", "name": "Energy", "meter": "kwh", "charge": {
        "model": "graduated",
        "tiers": [{"up_to": "100", "unit_price": "0.20"},
                  {"up_to": "1000", "unit_price": "0.15"},
                  {"up_to": None, "unit_price": "0.10"}]}}],
}


@dataclass
class Config:
    subscriptions: int = 10_000
    events_per_device: int = 4
    ingest_batch: int = 1000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'billing-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"monetiot_bench_billing_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def kwh_of(n: int) -> Decimal:
    """Exact, varied readings: 0.000 to 99.999 kWh."""
    return Decimal((n * 7919) % 100_000) / 1000


def prepare(plat: Platform, cfg: Config) -> None:
    """Tenant, meter, plan; customers, each with a device and a subscription from January 1."""
    now = plat.clock.now_ms()
    with plat.uow() as uow:
        access.create_tenant(uow, now, TENANT, "billing bench")
    with plat.uow() as uow:
        metering.create_meter(uow, now, TENANT, {"id": "kwh", "event_type": "energy",
                                                 "aggregation": "SUM", "property": "kwh"})
    with plat.uow() as uow:
        catalog.apply_plan(uow, now, TENANT, PLAN)
    with plat.uow() as uow:  # every service call commits; the next statement begins again
        for i in range(cfg.subscriptions):
            customer = f"c{i:06d}"
            fleet.create_customer(uow, now, TENANT, {"id": customer, "timezone": "UTC"})
            fleet.create_device(uow, now, TENANT, {"id": f"d{i:06d}", "customer": customer,
                                                   "assigned_from": JAN - DAY_MS})
            subscriptions.create(uow, now, TENANT, {"id": f"s{i:06d}", "customer": customer,
                                                    "plan": "metered", "start_ms": JAN})


def send_usage(plat: Platform, cfg: Config) -> tuple[int, Decimal]:
    """January's readings, spread over the month, through the ingest service."""
    received = FEB - HOUR_MS
    step = (FEB - JAN - 2 * HOUR_MS) // max(1, cfg.events_per_device)
    docs: list[dict[str, Any]] = []
    sent, total = 0, Decimal(0)

    def flush() -> None:
        nonlocal docs
        if not docs:
            return
        body = json.dumps(docs).encode()
        with plat.uow() as uow:
            result = ingest.ingest(uow, plat.settings, [ingest.Payload(
                TENANT, "application/json", body, received)])[0]
        if result.count("accepted") != len(docs):
            raise RuntimeError(f"ingest refused events: {result.summary()}")
        docs = []

    for e in range(cfg.events_per_device):
        for i in range(cfg.subscriptions):
            n = e * cfg.subscriptions + i
            kwh = kwh_of(n)
            docs.append({"id": f"ev{n}", "device": f"d{i:06d}", "type": "energy",
                         "time": iso_from_ms(JAN + HOUR_MS + e * step + (i % 3600) * 1000),
                         "data": {"kwh": str(kwh)}})
            sent, total = sent + 1, total + kwh
            if len(docs) >= cfg.ingest_batch:
                flush()
    flush()
    return sent, total


def timed_run(plat: Platform, now_ms: int, profile: Path | None = None,
              ) -> tuple[billing.RunReport, float]:
    plat.clock.at_ms = now_ms  # type: ignore[attr-defined]
    profiler = cProfile.Profile() if profile is not None else None
    t0 = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    report = billing.run(plat.uow, now_ms)
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - t0
    if profiler is not None and profile is not None:
        profile.parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(profile))
        stats = pstats.Stats(str(profile), stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
    if report.errors:
        raise RuntimeError(f"billing errors: {report.errors[:3]}")
    return report, elapsed


def verify(plat: Platform, cfg: Config, kwh: Decimal) -> bool:
    with plat.uow(readonly=True) as uow:
        conn = uow.conn
        per_boundary = conn.execute(
            select(invoices.c.boundary_ms, func.count(), func.count(invoices.c.subscription_id
                                                                   .distinct()))
            .where(invoices.c.tenant_id == TENANT).group_by(invoices.c.boundary_ms)).all()
        numbers = sorted(int(n.removeprefix("INV-")) for (n,) in conn.execute(
            select(invoices.c.number).where(invoices.c.tenant_id == TENANT)))
        usage = [q for (q,) in conn.execute(
            select(invoice_lines.c.quantity).where(invoice_lines.c.tenant_id == TENANT,
                                                   invoice_lines.c.kind == "usage"))]
    n = cfg.subscriptions
    once = sorted((b, c, d) for b, c, d in per_boundary) == [(JAN, n, n), (FEB, n, n)]
    gap_free = numbers == list(range(1, 2 * n + 1))
    return once and gap_free and sum(usage, Decimal(0)) == kwh


def scenario(kind: str, cfg: Config, workdir: Path, profile_dir: Path | None) -> dict[str, Any]:
    name = f"billing_run_{kind}"
    with database(kind, workdir) as url:
        plat = bootstrap(Settings(database_url=url), clock=FixedClock(JAN - DAY_MS))
        try:
            log(f"{name}: {cfg.subscriptions:,} customers, devices and subscriptions")
            t0 = time.perf_counter()
            prepare(plat, cfg)
            setup_s = time.perf_counter() - t0
            log(f"{name}: ingesting {cfg.events_per_device} events a device")
            t0 = time.perf_counter()
            events, kwh = send_usage(plat, cfg)
            ingest_s = time.perf_counter() - t0
            log(f"{name}: opening run (January 1)")
            opening, opening_s = timed_run(plat, JAN)
            log(f"{name}: closing run (February 1), timed")
            profile = profile_dir / f"{name}.pstats" if profile_dir else None
            closing, closing_s = timed_run(plat, FEB, profile)
            ok = verify(plat, cfg, kwh)
        finally:
            plat.close()
    return {
        "name": name,
        "invoices_per_s": round(len(closing.invoices) / closing_s, 1),
        "subscriptions": cfg.subscriptions,
        "events": events,
        "invoices": len(closing.invoices),
        "run_s": round(closing_s, 2),
        "opening_invoices_per_s": round(len(opening.invoices) / opening_s, 1),
        "setup_s": round(setup_s, 1),
        "ingest_events_per_s": round(events / ingest_s),
        "checks_ok": ok,
        "profiled": profile is not None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 subscriptions")
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--subscriptions", type=int, help="subscriptions per scenario")
    parser.add_argument("--events-per-device", type=int, help="January readings per device")
    parser.add_argument("--profile", type=Path, help="write a cProfile of each timed run here")
    args = parser.parse_args(argv)
    cfg = Config(subscriptions=2_000) if args.quick else Config()
    if args.subscriptions:
        cfg.subscriptions = args.subscriptions
    if args.events_per_device is not None:
        cfg.events_per_device = args.events_per_device
    kinds = {"billing_run_sqlite": "sqlite", "billing_run_postgresql": "postgresql"}
    names = [n for n in args.only.split(",") if n] or list(kinds)
    results = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="monetiot-bench-billing-") as tmp:
        for name in names:
            results.append(scenario(kinds[name], cfg, Path(tmp), args.profile))
            log(json.dumps(results[-1]))
    doc = {"results": results, "quick": args.quick, "subscriptions": cfg.subscriptions,
           "events_per_device": cfg.events_per_device,
           "elapsed_s": round(time.monotonic() - t0),
           "machine": {"cpus": os.cpu_count(), "python": host.python_version(),
                       "platform": host.platform()},
           "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
