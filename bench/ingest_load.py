"""The bench fleet and its load: a tenant with customers, devices and two meters; events as
devices send them, in HTTP batches or one per MQTT message; the rows the event store keeps."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec

from monetiot.bootstrap import bootstrap
from monetiot.domain.events import Event, fingerprint
from monetiot.domain.jsonexact import dumps
from monetiot.services import access, fleet, metering
from monetiot.settings import Settings

TENANT = "bench"
EVENT_TYPE = "energy.reading"
SUM_METER, COUNT_METER = "kwh", "readings"
HOUR_MS = 3_600_000


@dataclass
class Fleet:
    url: str
    devices: list[str]
    probes: list[str]
    customer_of: dict[str, str]
    ingest_key: str
    read_key: str
    start_ms: int


def prepare(url: str, n_devices: int, n_customers: int, n_probes: int) -> Fleet:
    """Schema, tenant, customers, devices (with customers) and the two meters."""
    plat = bootstrap(Settings(database_url=url))
    try:
        now = plat.clock.now_ms()
        since = now - 2 * 86_400_000
        with plat.uow() as uow:
            access.create_tenant(uow, now, TENANT, "bench tenant")
        with plat.uow() as uow:
            ingest_key = access.create_api_key(uow, now, TENANT, "ingest", "bench ingest").key
        with plat.uow() as uow:
            read_key = access.create_api_key(uow, now, TENANT, "read", "bench read").key
        customers = [f"cust-{i:04d}" for i in range(n_customers)]
        for c in customers:
            with plat.uow() as uow:
                fleet.create_customer(uow, now, TENANT, {"id": c, "timezone": "Europe/Paris"})
        devices = [f"dev-{i:05d}" for i in range(n_devices)]
        probes = [f"probe-{i:03d}" for i in range(n_probes)]
        owner = {d: customers[i % n_customers] for i, d in enumerate(devices + probes)}
        for d, c in owner.items():
            with plat.uow() as uow:
                fleet.create_device(uow, now, TENANT, {"id": d, "customer": c,
                                                       "assigned_from": since})
        fillfactor = os.environ.get("MONETIOT_BENCH_FILLFACTOR")  # a what-if, see README
        if fillfactor and plat.engine.dialect.name == "postgresql":
            with plat.engine.begin() as conn:
                for table in ("rollups", "devices", "presence"):
                    conn.exec_driver_sql(f"ALTER TABLE {table} SET (fillfactor={int(fillfactor)})")
        for doc in ({"id": SUM_METER, "event_type": EVENT_TYPE, "aggregation": "SUM",
                     "property": "kwh"},
                    {"id": COUNT_METER, "event_type": EVENT_TYPE, "aggregation": "COUNT"}):
            with plat.uow() as uow:
                metering.create_meter(uow, now, TENANT, doc)
    finally:
        plat.close()
    return Fleet(url, devices, probes, owner, ingest_key, read_key, now - now % HOUR_MS)


def event_doc(run: str, n: int, device: str) -> dict[str, Any]:
    """One monetiot JSON event; `n` makes its id unique and picks its exact kWh value."""
    return {"id": f"{run}-{n}", "device": device, "type": EVENT_TYPE,
            "time": int(time.time() * 1000) - 2_000,
            "data": {"kwh": Decimal(f"0.{(n * 7919) % 1000:03d}"), "phase": "L1"}}


def kwh_of(n: int) -> Decimal:
    return Decimal(f"0.{(n * 7919) % 1000:03d}")


ENCODER = msgspec.json.Encoder(decimal_format="number")


@dataclass
class Batch:
    """A batch as sent: its JSON body, and what it is made of (to rebuild it with a probe)."""

    body: bytes
    run: str
    index: int
    size: int
    devices: list[str]
    per_batch: int  # devices a batch comes from (all of them, or a gateway's share)
    probe: str | None = None

    def docs(self) -> list[dict[str, Any]]:
        first, nd, group = self.index * self.size, len(self.devices), self.per_batch
        docs = [event_doc(self.run, first + j,
                          self.devices[(self.index * group + j % group) % nd])
                for j in range(self.size)]
        if self.probe is not None:
            docs[-1]["device"] = self.probe
        return docs


def make_batches(fleet: Fleet, run: str, n_batches: int, size: int, first: int = 0,
                 per_batch: int = 0) -> list[Batch]:
    """Batches of `size` events with distinct ids, JSON-encoded up front. Each batch comes from
    `per_batch` devices (0: all of them, one event each when size = devices; else a gateway's
    share, successive batches taking successive shares)."""
    batches = []
    for b in range(first, first + n_batches):
        batch = Batch(b"", run, b, size, fleet.devices, per_batch or len(fleet.devices))
        batch.body = ENCODER.encode(batch.docs())
        batches.append(batch)
    return batches


def with_probe(batch: Batch, probe: str) -> Batch:
    """The same batch whose last event comes from a probe device (whose usage we watch)."""
    probed = Batch(b"", batch.run, batch.index, batch.size, batch.devices, batch.per_batch,
                   probe)
    probed.body = ENCODER.encode(probed.docs())
    return probed


def rows_of(fleet: Fleet, batch: Batch) -> list[tuple[Any, ...]]:
    """The batch as the event store keeps it: the rows each ceiling writes."""
    rows = []
    received = int(time.time() * 1000)
    for d in batch.docs():
        event = Event(id=d["id"], type=d["type"], time_ms=d["time"], device=d["device"],
                      data=d["data"])
        rows.append((TENANT, d["id"], d["type"], d["time"], received, d["device"],
                     fleet.customer_of[d["device"]], dumps(d["data"]), fingerprint(event)))
    return rows


def mqtt_body(run: str, n: int) -> bytes:
    """Message `n`: one monetiot JSON event; the device is the topic's."""
    doc = event_doc(run, n, "")
    del doc["device"]
    return ENCODER.encode(doc)
