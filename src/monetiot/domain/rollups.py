"""Hourly rollups: what a batch of accepted events adds to each meter's buckets.

A rollup bucket holds, per (meter, customer, device, group, hour): count, exact sum, min, max and
the latest reading. Buckets add up: merging two deltas for the same key gives the delta of both
batches, which is what lets the store keep them incrementally (an upsert per key per batch)
instead of rescanning events. UNIQUE_COUNT keeps the distinct values per hour instead, and
TIME_WEIGHTED_SUM buckets hold integrals (value x ms) that `integrate` computes per series.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from monetiot.domain.events import Event
from monetiot.domain.meters import HOUR_MS, Aggregation, Meter
from monetiot.domain.money import EXACT

BucketKey = tuple[str, str, str, str, int]
"""(meter_id, customer_id, device_id, group_key, bucket_ms); '' where there is none."""


@dataclass(slots=True)
class Delta:
    count: int = 0
    sum: Decimal = Decimal(0)
    min: Decimal | None = None
    max: Decimal | None = None
    latest_ms: int | None = None
    latest_value: Decimal | None = None

    def add(self, value: Decimal, time_ms: int) -> None:
        self.count += 1
        self.sum = EXACT.add(self.sum, value)
        self.min = value if self.min is None else min(self.min, value)
        self.max = value if self.max is None else max(self.max, value)
        if self.latest_ms is None or time_ms >= self.latest_ms:
            self.latest_ms, self.latest_value = time_ms, value


@dataclass(frozen=True, slots=True)
class Attributed:
    """An accepted event with the customer it was resolved to (None when unassigned)."""

    event: Event
    customer: str | None


def bucket_of(time_ms: int) -> int:
    return time_ms - time_ms % HOUR_MS


def compute_deltas(
    meters: Sequence[Meter], events: Iterable[Attributed]
) -> tuple[dict[BucketKey, Delta], set[tuple[BucketKey, str]]]:
    """Deltas for additive aggregations, and (key, value) pairs for UNIQUE_COUNT meters.

    TIME_WEIGHTED_SUM meters are left out: their buckets depend on neighbouring readings.
    """
    deltas: dict[BucketKey, Delta] = {}
    uniques: set[tuple[BucketKey, str]] = set()
    for item in events:
        event = item.event
        for meter in meters:
            if meter.aggregation is Aggregation.TIME_WEIGHTED_SUM or not meter.selects(event):
                continue
            value = meter.measure(event)
            if value is None:
                continue
            key = (meter.id, item.customer or "", event.device or "",
                   meter.group_key(event), bucket_of(event.time_ms))
            if isinstance(value, str):
                uniques.add((key, value))
                continue
            delta = deltas.get(key)
            if delta is None:
                delta = deltas[key] = Delta()
            delta.add(value, event.time_ms)
    return deltas, uniques


@dataclass(frozen=True, slots=True)
class Reading:
    time_ms: int
    value: Decimal
    customer: str


def integrate(readings: Sequence[Reading], start_ms: int, end_ms: int) -> dict[
    tuple[str, int], Decimal
]:
    """Integral (value x ms) per (customer, hour bucket) of a step function over [start, end).

    Each reading holds its value until the next reading; the last one holds until `end_ms`.
    A segment is attributed to the customer of the reading that starts it.
    """
    out: dict[tuple[str, int], Decimal] = {}
    ordered = sorted(readings, key=lambda r: r.time_ms)
    for i, reading in enumerate(ordered):
        seg_start = max(reading.time_ms, start_ms)
        seg_end = ordered[i + 1].time_ms if i + 1 < len(ordered) else end_ms
        seg_end = min(seg_end, end_ms)
        t = seg_start
        while t < seg_end:
            bucket = bucket_of(t)
            upto = min(bucket + HOUR_MS, seg_end)
            key = (reading.customer, bucket)
            out[key] = EXACT.add(out.get(key, Decimal(0)),
                                 EXACT.multiply(reading.value, upto - t))
            t = upto
    return out
