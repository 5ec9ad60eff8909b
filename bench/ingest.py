"""Sustained ingest, measured end to end on the real path, beside the raw limit of the machine.

    bench/ingest.py [--quick] --json FILE [--only http_sqlite,http_postgresql,...]

Per scenario: a fresh database (SQLite file, or a PostgreSQL database of its own, dropped after),
a tenant with customers, devices and two meters (a SUM and a COUNT, so rollups are kept as in
production), then load through the real entry point:
- http_*: a uvicorn server process (the real app, `monetiot.web.asgi:app_factory`) on a free
  port of 127.0.0.1, fed by concurrent HTTP clients posting batches of monetiot JSON events;
- mqtt_postgresql: publisher processes at QoS 1 into Mosquitto, ONE `monetiot ingest-mqtt`
  worker process storing into PostgreSQL.
Each figure comes with a ceiling measured in the same run on the same rows or messages, the
receipt-to-visible-in-usage latency of sampled batches, and the RSS of the server (or worker)
sampled through the run. bench/README.md explains every figure. The fleet and the load are in
`ingest_load.py`; process sampling and the MQTT publishers in `ingest_harness.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform as host
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec
import psycopg
from ingest_harness import (
    MQTT_HOST,
    MQTT_PORT,
    CpuMeter,
    Publishers,
    RssSampler,
    app_env,
    bare_subscriber,
    forget_session,
    free_port,
    pids_named,
    process_tree,
    spawned,
)
from ingest_load import (
    COUNT_METER,
    ENCODER,
    SUM_METER,
    TENANT,
    Batch,
    Fleet,
    event_doc,
    kwh_of,
    make_batches,
    prepare,
    rows_of,
    with_probe,
)

from monetiot.bootstrap import Platform, bootstrap
from monetiot.services import metering
from monetiot.settings import Settings

PG_ADMIN = os.environ.get("MONETIOT_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROW_COLUMNS = ("tenant_id", "id", "type", "time_ms", "received_ms", "device_id", "customer_id",
               "data", "fingerprint")


# --- databases ---------------------------------------------------------------------------------

@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"monetiot_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def db_name(url: str) -> str:
    """The database a URL names (for SQLite: the file name, which no backend shows)."""
    return url.rsplit("/", 1)[-1]


def pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def usage_total(plat: Platform, meter: str, start_ms: int, device: str | None = None) -> Decimal:
    with plat.uow(readonly=True) as uow:
        rows = metering.usage(uow, TENANT, metering.UsageQuery(
            meter=meter, start_ms=start_ms, end_ms=start_ms + 30 * 86_400_000, device=device),
            plat.clock.now_ms())
    return sum((r["value"] or Decimal(0) for r in rows), Decimal(0))


# --- ceilings: the same rows or messages, without monetiot --------------------------------------

def ceiling_sqlite(workdir: Path, batches: list[list[tuple[Any, ...]]]) -> float:
    """Plain sqlite3 executemany of the same rows into a bare table, one commit per batch, with
    the pragmas monetiot uses (WAL, synchronous=NORMAL)."""
    path = workdir / f"ceiling-{uuid.uuid4().hex[:8]}.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"CREATE TABLE bare ({', '.join(ROW_COLUMNS)})")
    sql = f"INSERT INTO bare VALUES ({', '.join('?' * len(ROW_COLUMNS))})"
    t0 = time.perf_counter()
    for rows in batches:
        db.execute("BEGIN IMMEDIATE")
        db.executemany(sql, rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return sum(map(len, batches)) / elapsed


def ceiling_postgresql(url: str, batches: list[list[tuple[Any, ...]]]) -> dict[str, float]:
    """Plain COPY of the same rows, one commit per batch: into a bare table (the ceiling), and
    into a copy of `events` with its indexes (what the event store alone can take)."""
    out = {}
    with psycopg.connect(pg_dsn(url)) as db:
        db.execute("CREATE TABLE bare (tenant_id text, id text, type text, time_ms bigint, "
                   "received_ms bigint, device_id text, customer_id text, data text, "
                   "fingerprint text)")
        db.execute("CREATE TABLE events_copy (LIKE events INCLUDING ALL)")
        db.commit()
        for table, key in (("bare", "bare"), ("events_copy", "events_table")):
            t0 = time.perf_counter()
            for rows in batches:
                with db.cursor().copy(f"COPY {table} ({', '.join(ROW_COLUMNS)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
                db.commit()
            out[key] = sum(map(len, batches)) / (time.perf_counter() - t0)
        db.execute("DROP TABLE bare, events_copy")
        db.commit()
    return out


# --- HTTP ----------------------------------------------------------------------------------

@dataclass
class HttpRun:
    sent_events: int = 0
    accepted: int = 0
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0


async def _visible(client: httpx.AsyncClient, fleet: Fleet, probe: str, expected: int) -> None:
    params = {"meter": COUNT_METER, "start": str(fleet.start_ms),
              "end": str(fleet.start_ms + 30 * 86_400_000), "device": probe}
    headers = {"authorization": f"Bearer {fleet.read_key}"}
    for _ in range(10_000):
        r = await client.get("/v1/usage", params=params, headers=headers)
        r.raise_for_status()
        if Decimal(r.json()["usage"][0]["value"]) >= expected:
            return
        await asyncio.sleep(0.002)
    raise RuntimeError(f"{probe} never reached {expected}")


async def http_load(base: str, fleet: Fleet, batches: list[Batch], clients: int,
                    sample_every: int) -> HttpRun:
    """`clients` connections, each posting batches back to back; every `sample_every`-th batch
    of a client carries a probe event, and the client then waits until usage shows it."""
    run = HttpRun()
    queue: asyncio.Queue[Batch] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    headers = {"authorization": f"Bearer {fleet.ingest_key}", "content-type": "application/json"}
    decoder = msgspec.json.Decoder()

    async def client(index: int) -> None:
        probe, seen, sent = fleet.probes[index], 0, 0
        async with httpx.AsyncClient(base_url=base, timeout=120) as c:
            while not queue.empty():
                batch = queue.get_nowait()
                sampled = sent % sample_every == sample_every // 2
                if sampled:
                    batch = with_probe(batch, probe)
                sent += 1
                t0 = time.perf_counter()
                r = await c.post("/v1/events", content=batch.body, headers=headers)
                if r.status_code != 200:
                    run.errors.append(f"{r.status_code} {r.text[:200]}")
                    continue
                run.accepted += decoder.decode(r.content)["accepted"]
                run.sent_events += batch.size
                if sampled:
                    seen += 1
                    await _visible(c, fleet, probe, seen)
                    run.latencies_ms.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    run.elapsed_s = time.perf_counter() - t0
    return run


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)


def wait_http(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not answer /healthz")


def scenario_http(kind: str, cfg: Config, workdir: Path, per_batch: int = 0,
                  suffix: str = "") -> dict[str, Any]:
    name = f"http_{kind}{suffix}"
    log(f"{name}: preparing")
    # SQLite has one writer at a time: more processes or connections only queue on its lock
    workers, clients = (1, 2) if kind == "sqlite" else (cfg.workers, cfg.clients)
    with database(kind, workdir) as url:
        fleet = prepare(url, cfg.devices, cfg.customers, clients)
        run = uuid.uuid4().hex[:8]
        warm = make_batches(fleet, run, cfg.warmup_batches, cfg.batch, per_batch=per_batch)
        load = make_batches(fleet, run, cfg.batches, cfg.batch, first=cfg.warmup_batches,
                            per_batch=per_batch)
        ceiling_rows = [rows_of(fleet, b) for b in load[:cfg.ceiling_batches]]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        app = os.environ.get("MONETIOT_BENCH_APP", "monetiot.web.asgi:app_factory")
        cmd = [sys.executable, "-m", "uvicorn", app, "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-access-log"]
        with spawned(cmd, app_env(url), workdir / f"{name}.log") as server:
            wait_http(base, server)
            asyncio.run(http_load(base, fleet, warm, clients, 10**9))
            log(f"{name}: {len(load) * cfg.batch:,} events, {clients} clients")
            rss = RssSampler(server.pid).start()
            cpu = CpuMeter({"server": lambda: process_tree(server.pid),
                            "postgres": lambda: pids_named("postgres", cmdline_has=db_name(url))})
            result = asyncio.run(http_load(base, fleet, load, clients, cfg.sample_every))
            cores = cpu.stop()
            memory = rss.stop()
        log(f"{name}: ceiling")
        if kind == "sqlite":
            ceiling: dict[str, float] = {"bare": ceiling_sqlite(workdir, ceiling_rows)}
        else:
            ceiling = ceiling_postgresql(url, ceiling_rows)
        plat = bootstrap(Settings(database_url=url), migrate=False)
        try:
            counted = usage_total(plat, COUNT_METER, fleet.start_ms)
        finally:
            plat.close()
    expected = cfg.batch * (cfg.warmup_batches + cfg.batches)
    out = {
        "name": name,
        "events_per_s": round(result.accepted / result.elapsed_s),
        "ceiling_per_s": round(ceiling["bare"]),
        "p99_ms": percentile(result.latencies_ms, 99),
        "p50_ms": percentile(result.latencies_ms, 50),
        "latency_samples": len(result.latencies_ms),
        "events": result.accepted,
        "batch": cfg.batch, "clients": clients, "server_workers": workers,
        "devices": cfg.devices, "devices_per_batch": per_batch or cfg.devices,
        "elapsed_s": round(result.elapsed_s, 2),
        "usage_count_ok": counted == expected,
        "errors": result.errors[:5],
    } | cores
    if "events_table" in ceiling:
        out["copy_into_events_table_per_s"] = round(ceiling["events_table"])
    return out | {"memory": memory}


# --- MQTT --------------------------------------------------------------------------------

def ceiling_mqtt(cfg: Config, devices: list[str], run: str, total: int) -> float:
    """The same messages from the same publishers into a bare paho subscriber."""
    ctx = multiprocessing.get_context("spawn")
    prefix = f"benchbare{run}"
    received, last, ready = ctx.Value("q", 0), ctx.Value("d", 0.0), ctx.Event()
    sub = ctx.Process(target=bare_subscriber, args=(prefix, received, last, ready), daemon=True)
    sub.start()
    ready.wait(30)
    pubs = Publishers(cfg.mqtt_publishers, prefix, devices, run, total)
    try:
        time.sleep(1.0)  # publishers connected
        t0 = time.perf_counter()
        pubs.go.set()
        stall = Stall()
        while received.value < total:
            stall.check(received.value)
            pubs.allow(received.value + cfg.mqtt_window)
            time.sleep(0.005)
        return float(received.value / (last.value - t0))
    finally:
        pubs.allow(total)
        pubs.close()
        sub.kill()
        sub.join()


class Prober:
    """Probe messages, one at a time: publish at QoS 1, then poll usage until it counts it."""

    def __init__(self, plat: Platform, fleet: Fleet, prefix: str, run: str) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.plat, self.fleet, self.prefix, self.run = plat, fleet, prefix, run
        self.latencies_ms: list[float] = []
        self.sent = 0
        self._stop = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-probe-{run}",
                                   protocol=mqtt.MQTTv5)
        self._client.connect(MQTT_HOST, MQTT_PORT)
        self._client.loop_start()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> Prober:
        self._thread.start()
        return self

    def _loop(self) -> None:
        seen: dict[str, int] = {}
        while not self._stop.wait(0.1):
            probe = self.fleet.probes[self.sent % len(self.fleet.probes)]
            body = ENCODER.encode(event_doc(f"{self.run}-probe", self.sent, "") | {
                "device": probe})
            t0 = time.perf_counter()
            self._client.publish(f"{self.prefix}/{TENANT}/{probe}/events", body, qos=1)
            self.sent += 1
            seen[probe] = seen.get(probe, 0) + 1
            while usage_total(self.plat, COUNT_METER, self.fleet.start_ms, probe) < seen[probe]:
                if self._stop.wait(0.002):
                    return
            self.latencies_ms.append((time.perf_counter() - t0) * 1000)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._client.loop_stop()
        self._client.disconnect()


class Stall:
    """Fails a run whose count has not moved for `limit_s` (a lost message, a dead process)."""

    def __init__(self, limit_s: float = 30) -> None:
        self.limit_s, self.last, self.since = limit_s, -1, time.monotonic()

    def check(self, count: int) -> None:
        if count != self.last:
            self.last, self.since = count, time.monotonic()
        elif time.monotonic() - self.since > self.limit_s:
            raise RuntimeError(f"no progress for {self.limit_s:.0f} s at {count:,}")


def wait_for_line(log_path: Path, text: str, proc: subprocess.Popen[bytes],
                  timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited with {proc.returncode}: see {log_path}")
        if log_path.exists() and text in log_path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise RuntimeError(f"worker never logged {text!r}")


def scenario_mqtt(cfg: Config, workdir: Path) -> dict[str, Any]:
    name = "mqtt_postgresql"
    log(f"{name}: preparing")
    total = cfg.mqtt_events
    with database("postgresql", workdir) as url:
        fleet = prepare(url, cfg.devices, cfg.customers, 4)
        run = uuid.uuid4().hex[:8]
        prefix = f"bench{run}"
        group, client_id = f"bench-{run}", f"bench-worker-{run}"
        log(f"{name}: ceiling (bare paho subscriber), {total:,} messages")
        ceiling = ceiling_mqtt(cfg, fleet.devices, run + "c", total)
        plat = bootstrap(Settings(database_url=url), migrate=False)
        worker_log = workdir / f"{name}.log"
        cmd = [str(Path(sys.executable).parent / "monetiot"), "ingest-mqtt", "--group", group,
               "--client-id", client_id, "--batch-size", str(cfg.mqtt_batch)]
        try:
            with spawned(cmd, app_env(url, MONETIOT_MQTT_PREFIX=prefix,
                                      MONETIOT_MQTT_HOST=MQTT_HOST,
                                      MONETIOT_MQTT_PORT=str(MQTT_PORT)), worker_log) as worker:
                wait_for_line(worker_log, "subscribed to", worker)
                pubs = Publishers(cfg.mqtt_publishers, prefix, fleet.devices, run, total)
                time.sleep(1.0)
                log(f"{name}: {total:,} messages, {cfg.mqtt_publishers} publishers, 1 worker")
                rss = RssSampler(worker.pid).start()
                cpu = CpuMeter({"worker": lambda: [worker.pid],
                                "postgres": lambda: pids_named("postgres",
                                                               cmdline_has=db_name(url)),
                                "mosquitto": lambda: pids_named("mosquitto"),
                                "publishers": pubs.pids})
                prober = Prober(plat, fleet, prefix, run).start()
                t0 = time.perf_counter()
                pubs.go.set()
                timeline: list[tuple[float, int]] = []
                stall = Stall()
                while True:
                    visible = int(usage_total(plat, COUNT_METER, fleet.start_ms))
                    stall.check(visible)
                    timeline.append((time.perf_counter() - t0, visible))
                    if visible - prober.sent >= total:
                        break
                    pubs.allow(visible - prober.sent + cfg.mqtt_window)
                    time.sleep(0.02)
                elapsed = time.perf_counter() - t0
                prober.stop()
                cores = cpu.stop()
                memory = rss.stop()
                pubs.allow(total)
                pubs.close()
            counted = usage_total(plat, COUNT_METER, fleet.start_ms)
            kwh = usage_total(plat, SUM_METER, fleet.start_ms)
        finally:
            plat.close()
            forget_session(client_id)
    stored = visible - prober.sent
    expected_kwh = sum((kwh_of(n) for n in range(total)), Decimal(0)) + sum(
        (kwh_of(n) for n in range(prober.sent)), Decimal(0))
    return {
        "name": name,
        "events_per_s": round(stored / elapsed),
        "ceiling_per_s": round(ceiling),
        "p99_ms": percentile(prober.latencies_ms, 99),
        "p50_ms": percentile(prober.latencies_ms, 50),
        "latency_samples": len(prober.latencies_ms),
        "events": stored,
        "steady_per_s": steady_rate(timeline, total),
        "events_per_message": 1, "publishers": cfg.mqtt_publishers, "worker_processes": 1,
        "batch": cfg.mqtt_batch, "window_messages": cfg.mqtt_window, "devices": cfg.devices,
        "elapsed_s": round(elapsed, 2),
        "usage_count_ok": counted == total + prober.sent and kwh == expected_kwh,
    } | cores | {"memory": memory}


def steady_rate(timeline: list[tuple[float, int]], total: int) -> int | None:
    """Events per second between 10 % and 90 % of the run (no ramp-up, no drain)."""
    try:
        t10 = next(t for t, n in timeline if n >= total * 0.1)
        t90, n90 = next((t, n) for t, n in timeline if n >= total * 0.9)
        n10 = next(n for t, n in timeline if t >= t10)
    except StopIteration:
        return None
    return round((n90 - n10) / (t90 - t10)) if t90 > t10 else None


# --- driver --------------------------------------------------------------------------------

@dataclass
class Config:
    """One run's sizes (defaults: --quick's, except where main() says otherwise)."""

    batch: int = 1000
    batches: int = 60
    warmup_batches: int = 4
    ceiling_batches: int = 30
    clients: int = 4
    workers: int = 2
    devices: int = 1000
    customers: int = 50
    sample_every: int = 5
    mqtt_events: int = 60_000
    mqtt_publishers: int = 2
    mqtt_batch: int = 1000
    mqtt_window: int = 4000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


SCENARIOS: dict[str, Callable[[Config, Path], dict[str, Any]]] = {
    "http_sqlite": lambda cfg, w: scenario_http("sqlite", cfg, w),
    "http_postgresql": lambda cfg, w: scenario_http("postgresql", cfg, w),
    "mqtt_postgresql": scenario_mqtt,
    # The same load from gateways: each batch holds 10 events of each of 100 devices, so
    # concurrent batches rarely update the same rollup, presence and device rows.
    "http_postgresql_gateways": lambda cfg, w: scenario_http("postgresql", cfg, w, 100,
                                                             "_gateways"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few minutes in all")
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--workers", type=int, help="uvicorn worker processes (PostgreSQL)")
    parser.add_argument("--clients", type=int, help="concurrent HTTP connections (PostgreSQL)")
    parser.add_argument("--events", type=int, help="events per scenario")
    args = parser.parse_args(argv)
    if args.quick:
        cfg = Config(batches=100, sample_every=2, mqtt_events=100_000)
    else:
        cfg = Config(batches=1000, ceiling_batches=100, mqtt_events=1_000_000)
    if args.workers:
        cfg.workers = args.workers
    if args.clients:
        cfg.clients = args.clients
    if args.events:
        cfg.batches = max(1, args.events // cfg.batch)
        cfg.mqtt_events = args.events
    names = [n for n in args.only.split(",") if n] or list(SCENARIOS)
    results = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="monetiot-bench-") as tmp:
        for name in names:
            results.append(SCENARIOS[name](cfg, Path(tmp)))
            log(json.dumps(results[-1]))
    doc = {"results": results, "quick": args.quick, "elapsed_s": round(time.monotonic() - t0),
           "machine": {"cpus": os.cpu_count(), "python": host.python_version(),
                       "platform": host.platform()},
           "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
