"""The bulk write paths (one statement per batch) keep the store's semantics on both dialects:
rollups add up exactly, the latest reading wins, events are inserted once, devices' last-seen
only moves forward, presence is idempotent."""

from __future__ import annotations

import random
from decimal import Decimal

from monetiot.bootstrap import Platform
from monetiot.domain.money import EXACT
from monetiot.domain.rollups import BucketKey, Delta
from monetiot.store import eventlog, registry
from monetiot.store import metering as store
from monetiot.store.schema import rollups


def _random_delta(rng: random.Random) -> Delta:
    value = Decimal(rng.randint(-10**6, 10**6)).scaleb(-rng.randint(0, 30))
    delta = Delta()
    for _ in range(rng.randint(1, 3)):
        delta.add(value + rng.randint(0, 5), rng.choice([1000, 2000, 3000, 2000]))
    if rng.random() < 0.2:  # a COUNT-like delta: no readings, no extremes
        delta.min = delta.max = delta.latest_ms = delta.latest_value = None
    return delta


def _fold(old: dict[str, object] | None, d: Delta) -> dict[str, object]:
    """What the upsert must leave: the reference semantics, in Python."""
    if old is None:
        return {"count": d.count, "sum": d.sum, "min": d.min, "max": d.max,
                "latest_ms": d.latest_ms, "latest_value": d.latest_value}

    def pick(a: object, b: object, f: object) -> object:
        return a if b is None else b if a is None else f(a, b)  # type: ignore[operator]

    newer = (d.latest_ms is not None and old["latest_ms"] is not None
             and d.latest_ms >= old["latest_ms"])  # type: ignore[operator]
    return {"count": old["count"] + d.count,  # type: ignore[operator]
            "sum": EXACT.add(old["sum"], d.sum),  # type: ignore[arg-type]
            "min": pick(old["min"], d.min, min), "max": pick(old["max"], d.max, max),
            "latest_ms": d.latest_ms if newer else old["latest_ms"],
            "latest_value": d.latest_value if newer else old["latest_value"]}


def test_rollup_deltas_add_up_exactly(platform: Platform) -> None:
    rng = random.Random(7)
    keys: list[BucketKey] = [(m, c, d, g, b) for m in ("kwh", "n") for c in ("", "c1")
                             for d in ("d1", "d2") for g in ("", '["L1"]') for b in (0, 3600000)]
    expected: dict[BucketKey, dict[str, object]] = {}
    for _ in range(6):
        batch = {k: _random_delta(rng) for k in rng.sample(keys, 12)}
        with platform.uow() as uow:
            store.add_deltas(uow.conn, "t1", batch)
            uow.commit()
        for k, d in batch.items():
            expected[k] = _fold(expected.get(k), d)
    with platform.uow(readonly=True) as uow:
        stored = {
            (r.meter_id, r.customer_id, r.device_id, r.group_key, r.bucket_ms): {
                "count": r.count, "sum": r.sum, "min": r.min, "max": r.max,
                "latest_ms": r.latest_ms, "latest_value": r.latest_value}
            for r in uow.conn.execute(rollups.select().where(rollups.c.tenant_id == "t1"))
        }
    assert stored == expected


def test_events_are_inserted_once_and_reported_new_only_once(platform: Platform) -> None:
    def row(event_id: str, fp: str = "f" * 32) -> dict[str, object]:
        return {"tenant_id": "t1", "id": event_id, "type": "x", "time_ms": 1, "received_ms": 2,
                "device_id": "d1", "customer_id": None, "data": '{"a":1}', "fingerprint": fp}

    with platform.uow() as uow:
        assert eventlog.insert_new(uow.conn, [row("a"), row("b")]) == {"a", "b"}
        uow.commit()
    with platform.uow() as uow:
        # "a" is stored already (kept as it was), "c" twice in one batch is inserted once
        assert eventlog.insert_new(uow.conn, [row("a", "0" * 32), row("c"), row("c")]) == {"c"}
        assert eventlog.insert_new(uow.conn, [row("other-tenant") | {"tenant_id": "t2"}]) == {
            "other-tenant"}
        uow.commit()
    with platform.uow(readonly=True) as uow:
        assert eventlog.fingerprints(uow.conn, "t1", ["a", "b", "c"]) == {
            "a": "f" * 32, "b": "f" * 32, "c": "f" * 32}
        assert eventlog.count_events(uow.conn, "t1") == 3


def test_last_seen_only_moves_forward_and_presence_is_idempotent(platform: Platform) -> None:
    from monetiot.services import access, fleet

    with platform.uow() as uow:
        access.create_tenant(uow, 0, "t1", "t1")
    for device in ("d1", "d2", "d3"):
        with platform.uow() as uow:
            fleet.create_device(uow, 0, "t1", {"id": device})
    with platform.uow() as uow:
        registry.touch_devices(uow.conn, "t1", {"d1": 500, "d2": 700})
        registry.touch_devices(uow.conn, "t1", {"d1": 900, "d2": 600, "nosuch": 1})
        rows = [{"tenant_id": "t1", "device_id": "d1", "minute_ms": 60000, "customer_id": ""}]
        store.add_presence(uow.conn, rows)
        store.add_presence(uow.conn, rows * 2)
        uow.commit()
    with platform.uow(readonly=True) as uow:
        seen = {d: registry.get_device(uow.conn, "t1", d)["last_seen_ms"]  # type: ignore[index]
                for d in ("d1", "d2", "d3")}
        assert seen == {"d1": 900, "d2": 700, "d3": None}
        assert store.presence_counts(uow.conn, "t1", 0, 10**9, ["device_id"], None, None) == [
            {"device_id": "d1", "value": 1}]
        assert set(registry.get_devices(uow.conn, "t1", ["d3", "d1", "nosuch"])) == {"d1", "d3"}
