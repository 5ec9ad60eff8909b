"""Meters and usage: keeping rollups as events arrive, and answering usage from them.

`record` runs inside the ingest transaction: additive aggregations become upserted deltas, unique
values are inserted once, time-weighted series are re-integrated over the hours a batch touches,
and presence minutes are marked. `usage` reads rollups only, never raw events, and is exact.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from monetiot.domain import connectivity
from monetiot.domain.clock import iso_from_ms
from monetiot.domain.errors import Conflict, InvalidInput, NotFound, StoredOutOfRange
from monetiot.domain.events import Event
from monetiot.domain.jsonexact import loads
from monetiot.domain.meters import (
    CONNECTED_MINUTES,
    HOUR_MS,
    Aggregation,
    Meter,
    meter_to_doc,
    parse_meter,
)
from monetiot.domain.money import QUOTIENT, UNBOUNDED, total_problem
from monetiot.domain.rollups import (
    Attributed,
    BucketKey,
    Delta,
    Reading,
    bucket_of,
    compute_deltas,
    integrate,
)
from monetiot.domain.windows import Window, split
from monetiot.store import eventlog, registry
from monetiot.store import metering as store
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
DIMENSIONS = ("customer", "device", "group")


def create_meter(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    meter = parse_meter(doc)
    if store.get_meter(uow.conn, tenant, meter.id) is not None:
        raise Conflict(f"meter {meter.id!r} exists (meters are immutable: create a new one)",
                       field="id")
    try:
        store.insert_meter(uow.conn, {
            "tenant_id": tenant, "id": meter.id, "name": meter.name,
            "event_type": meter.event_type, "property": meter.property,
            "aggregation": meter.aggregation.value,
            "filters": json.dumps({k: list(v) for k, v in meter.filters.items()}),
            "group_by": json.dumps(list(meter.group_by)), "created_ms": now_ms,
        })
    except IntegrityError:
        raise Conflict(f"meter {meter.id!r} exists", field="id") from None
    uow.commit()
    return meter_to_doc(meter)


def list_meters(uow: UnitOfWork, tenant: str) -> list[Row]:
    return [meter_to_doc(m) for m in load_meters(uow, tenant)]


def load_meters(uow: UnitOfWork, tenant: str) -> list[Meter]:
    return [_meter(r) for r in store.list_meters(uow.conn, tenant)]


def get_meter(uow: UnitOfWork, tenant: str, meter_id: str) -> Meter:
    """A meter; meters never change once created, so each is read once per engine."""
    cache: dict[tuple[str, str], Meter] = uow.engine.__dict__.setdefault("_monetiot_meters", {})
    if (tenant, meter_id) not in cache:
        row = store.get_meter(uow.conn, tenant, meter_id)
        if row is None:
            raise NotFound(f"no meter {meter_id!r}", field="meter")
        cache[(tenant, meter_id)] = _meter(row)
    return cache[(tenant, meter_id)]


def _meter(row: Row) -> Meter:
    return parse_meter({
        "id": row["id"], "name": row["name"], "event_type": row["event_type"],
        "aggregation": row["aggregation"], "property": row["property"],
        "filters": json.loads(row["filters"]), "group_by": json.loads(row["group_by"]),
    })


# keeping rollups --------------------------------------------------------------------------------

def record(uow: UnitOfWork, tenant: str, accepted: Sequence[Attributed]) -> None:
    apply(uow, tenant, plan(uow, tenant, accepted))


@dataclass(frozen=True)
class Recording:
    """What a batch of accepted events adds to a tenant's rollups, computed before writing."""

    meters: list[Meter]
    accepted: Sequence[Attributed]
    deltas: dict[BucketKey, Delta]
    uniques: set[tuple[BucketKey, str]]
    presence: list[Row]


def plan(uow: UnitOfWork, tenant: str, accepted: Sequence[Attributed]) -> Recording:
    """Everything `apply` writes, computed first: rollup rows are rows concurrent writers share,
    so the time between locking the first and committing should hold no computing."""
    meters = load_meters(uow, tenant)
    deltas, uniques = compute_deltas(meters, accepted)
    presence = [
        {"tenant_id": tenant, "device_id": a.event.device,
         "minute_ms": connectivity.minute_of(a.event.time_ms), "customer_id": a.customer or ""}
        for a in {(a.event.device, connectivity.minute_of(a.event.time_ms)): a
                  for a in accepted if a.event.device is not None}.values()
    ]
    return Recording(meters, accepted, deltas, uniques, presence)


def apply(uow: UnitOfWork, tenant: str, rec: Recording) -> None:
    store.add_deltas(uow.conn, tenant, rec.deltas)
    store.add_unique_values(uow.conn, tenant, rec.uniques)
    for meter in rec.meters:
        if meter.aggregation is Aggregation.TIME_WEIGHTED_SUM:
            _reintegrate(uow, tenant, meter, rec.accepted)
    store.add_presence(uow.conn, rec.presence)


def reintegrate(uow: UnitOfWork, tenant: str, meter: Meter,
                touched: Sequence[Attributed]) -> None:
    """Recompute a TIME_WEIGHTED_SUM meter around these events (after a void)."""
    _reintegrate(uow, tenant, meter, touched)


def _reintegrate(uow: UnitOfWork, tenant: str, meter: Meter,
                 accepted: Sequence[Attributed]) -> None:
    """Recompute the hourly integrals of every series (device, group) this batch touched.

    Rewritten: the whole hours from the reading before the batch's first one to the hour of the
    reading after its last one. Segments outside that range do not change.
    """
    touched: dict[tuple[str, str], list[int]] = defaultdict(list)
    for a in accepted:
        e = a.event
        if e.device is not None and meter.selects(e) and meter.measure(e) is not None:
            touched[(e.device, meter.group_key(e))].append(e.time_ms)
    for (device, group), times in sorted(touched.items()):
        series = _Series(uow, tenant, meter, device, group)
        prev = series.neighbour(min(times), before=True)
        nxt = series.neighbour(max(times), before=False)
        first_bucket = bucket_of(prev.time_ms if prev else min(times))
        end = bucket_of(nxt.time_ms if nxt else max(times)) + HOUR_MS
        in_force = series.neighbour(first_bucket, before=True)
        following = series.neighbour(end - 1, before=False)
        readings = [in_force] if in_force else []
        readings += series.between(first_bucket, end - 1)
        if not readings:  # its only reading was voided: the series holds nothing here now
            store.replace_integrals(uow.conn, tenant, meter.id, device, group, first_bucket,
                                    end - HOUR_MS, {}, {}, {})
            continue
        until = end if following is not None else readings[-1].time_ms
        integrals = integrate(readings, first_bucket, until)
        latest: dict[tuple[str, int], tuple[int, Decimal]] = {}
        counts: dict[tuple[str, int], int] = defaultdict(int)
        for r in readings:
            if r.time_ms < first_bucket:
                continue
            key = (r.customer, bucket_of(r.time_ms))
            counts[key] += 1
            if key not in latest or r.time_ms >= latest[key][0]:
                latest[key] = (r.time_ms, r.value)
        store.replace_integrals(uow.conn, tenant, meter.id, device, group, first_bucket,
                                end - HOUR_MS, integrals, latest, counts)


class _Series:
    """The readings of one time-weighted series, read from the event store."""

    def __init__(self, uow: UnitOfWork, tenant: str, meter: Meter, device: str,
                 group: str) -> None:
        self.uow, self.tenant, self.meter, self.device, self.group = (
            uow, tenant, meter, device, group)
        self.types = None if "*" in meter.event_type else [meter.event_type]

    def between(self, start_ms: int, end_ms: int) -> list[Reading]:
        rows = eventlog.device_events_between(self.uow.conn, self.tenant, self.device,
                                              start_ms, end_ms)
        return [r for r in map(self._reading, rows) if r is not None]

    def neighbour(self, time_ms: int, *, before: bool) -> Reading | None:
        """The series' nearest reading strictly before (or after) `time_ms`."""
        cursor = time_ms
        for _ in range(100):
            found = eventlog.neighbour_time(self.uow.conn, self.tenant, self.device, cursor,
                                            before=before, types=self.types)
            if found is None:
                return None
            readings = self.between(found, found)
            if readings:
                return readings[-1] if before else readings[0]
            cursor = found
        return None

    def _reading(self, row: Row) -> Reading | None:
        event = _event(row)
        if not self.meter.selects(event) or self.meter.group_key(event) != self.group:
            return None
        value = self.meter.measure(event)
        if not isinstance(value, Decimal):
            return None
        return Reading(row["time_ms"], value, row["customer_id"] or "")


def _event(row: Row) -> Event:
    return Event(id=row["id"], type=row["type"], time_ms=row["time_ms"], device=row["device_id"],
                 customer=row["customer_id"], data=loads(row["data"]))


# answering usage --------------------------------------------------------------------------------

@dataclass(frozen=True)
class UsageQuery:
    meter: str
    start_ms: int
    end_ms: int
    window: str = "total"  # hour | day | month | total
    tz: str = "UTC"
    customer: str | None = None
    device: str | None = None
    group_by: tuple[str, ...] = ()  # any of customer, device, group


def usage(uow: UnitOfWork, tenant: str, query: UsageQuery, now_ms: int,
          *, known_customer: bool = False) -> list[Row]:
    """Usage per window; `known_customer`: the caller has already checked the customer."""
    for dim in query.group_by:
        if dim not in DIMENSIONS:
            raise InvalidInput(f"must be some of {', '.join(DIMENSIONS)}", field="group_by")
    if query.customer is not None and not known_customer and registry.get_customer(
            uow.conn, tenant, query.customer) is None:
        raise NotFound(f"no customer {query.customer!r}", field="customer")
    windows = split(query.start_ms, query.end_ms, query.window, query.tz)
    dims = [{"customer": "customer_id", "device": "device_id", "group": "group_key"}[d]
            for d in query.group_by]
    rows: list[Row] = []
    if query.meter == CONNECTED_MINUTES:
        if "group_key" in dims:
            raise InvalidInput("connected_minutes has no groups", field="group_by")
        for w in windows:
            found = store.presence_counts(uow.conn, tenant, w.start_ms, w.end_ms, dims,
                                          query.customer, query.device)
            rows += _rows(query, w, found, dims, lambda r: Decimal(r["value"]))
        return rows
    meter = get_meter(uow, tenant, query.meter)
    for w in windows:
        rows += _window(uow, tenant, meter, query, w, dims, now_ms)
    for row in rows:
        _check_total(query, row)
    return rows


def _check_total(query: UsageQuery, row: Row) -> None:
    """A value beyond what monetiot reports comes from data stored before the limits existed:
    a named error saying what to do, never a 1,000-digit number nor a traceback."""
    value = row["value"]
    problem = total_problem(value) if isinstance(value, Decimal) else None
    if problem is not None:
        raise StoredOutOfRange(
            f"usage of meter {query.meter!r} from {iso_from_ms(row['from_ms'])} to "
            f"{iso_from_ms(row['to_ms'])}: {problem}; an event stored before monetiot "
            "limited numbers holds it: find it (GET /v1/events) and void it "
            "(POST /v1/events/{id}/void, monetiot events void)", field="meter")


def _window(uow: UnitOfWork, tenant: str, meter: Meter, query: UsageQuery, w: Window,
            dims: list[str], now_ms: int) -> list[Row]:
    agg = meter.aggregation
    conn = uow.conn
    if agg is Aggregation.UNIQUE_COUNT:
        found = store.unique_counts(conn, tenant, meter.id, w.start_ms, w.end_ms, dims,
                                    query.customer, query.device)
        return _rows(query, w, found, dims, lambda r: Decimal(r["value"]))
    if agg is Aggregation.LATEST:
        best: dict[tuple[Any, ...], tuple[int, Decimal]] = {}
        for r in store.latest_rows(conn, tenant, meter.id, w.start_ms, w.end_ms,
                                   query.customer, query.device):
            key = tuple(r[d] for d in dims)
            if key not in best or r["latest_ms"] > best[key][0]:
                best[key] = (r["latest_ms"], r["latest_value"])
        return _rows(query, w, [dict(zip(dims, k, strict=True)) | {"value": v[1]}
                                for k, v in best.items()], dims, lambda r: r["value"], None)
    totals: dict[tuple[Any, ...], Row] = {}
    for r in store.bucket_rows(conn, tenant, meter.id, w.start_ms, w.end_ms, dims,
                               query.customer, query.device):
        key = tuple(r[d] for d in dims)
        t = totals.setdefault(key, {"count": 0, "sum": Decimal(0), "min": None, "max": None})
        t["count"] += int(r["count"])
        if r["sum"] is not None:
            t["sum"] = UNBOUNDED.add(t["sum"], Decimal(str(r["sum"])))
        for name, pick in (("min", min), ("max", max)):
            if r[name] is not None:
                v = Decimal(str(r[name]))
                t[name] = v if t[name] is None else pick(t[name], v)
    if agg is Aggregation.TIME_WEIGHTED_SUM:
        _add_tails(uow, tenant, meter, query, w, dims, now_ms, totals)
    found = [dict(zip(dims, k, strict=True)) | t for k, t in totals.items()]
    empty = None if agg in (Aggregation.MIN, Aggregation.MAX, Aggregation.AVG) else Decimal(0)
    return _rows(query, w, found, dims, lambda r: _value(agg, r), empty)


def _add_tails(uow: UnitOfWork, tenant: str, meter: Meter, query: UsageQuery, w: Window,
               dims: list[str], now_ms: int, totals: dict[tuple[Any, ...], Row]) -> None:
    """A series' last reading holds until now: add that open segment's part in the window."""
    for r in store.last_reading_before(uow.conn, tenant, meter.id, w.end_ms, query.customer,
                                       query.device):
        if query.device is not None and r["device_id"] != query.device:
            continue
        start = max(r["latest_ms"], w.start_ms)
        end = min(w.end_ms, now_ms)
        if end <= start or _has_later_reading(uow, tenant, meter, r, w.end_ms):
            continue
        key = tuple(r[d] for d in dims)
        t = totals.setdefault(key, {"count": 0, "sum": Decimal(0), "min": None, "max": None})
        t["sum"] = UNBOUNDED.add(t["sum"], UNBOUNDED.multiply(Decimal(str(r["latest_value"])),
                                                              end - start))


def _has_later_reading(uow: UnitOfWork, tenant: str, meter: Meter, r: Row, end_ms: int) -> bool:
    later = store.latest_rows(uow.conn, tenant, meter.id, end_ms, 2**62, None, r["device_id"])
    return any(x["group_key"] == r["group_key"] for x in later)


def _value(agg: Aggregation, t: Row) -> Decimal | None:
    if agg is Aggregation.SUM:
        return Decimal(t["sum"])
    if agg is Aggregation.COUNT:
        return Decimal(t["count"])
    if agg is Aggregation.MIN:
        return t["min"]  # type: ignore[no-any-return]
    if agg is Aggregation.MAX:
        return t["max"]  # type: ignore[no-any-return]
    if agg is Aggregation.AVG:
        return QUOTIENT.divide(Decimal(t["sum"]), t["count"]) if t["count"] else None
    # TIME_WEIGHTED_SUM: integral of value x ms, reported in value x hours
    return QUOTIENT.divide(Decimal(t["sum"]), HOUR_MS).normalize(QUOTIENT)


def _rows(query: UsageQuery, w: Window, found: list[Row], dims: list[str],
          value_of: Any, empty: Decimal | None = Decimal(0)) -> list[Row]:
    out: list[Row] = []
    for r in found:
        row: Row = {"meter": query.meter, "from_ms": w.start_ms, "to_ms": w.end_ms}
        for dim, col in zip(query.group_by, dims, strict=True):
            row[dim] = r[col] if r[col] != "" else None
        value = value_of(r)
        row["value"] = value
        out.append(row)
    if not out and not query.group_by:
        out.append({"meter": query.meter, "from_ms": w.start_ms, "to_ms": w.end_ms,
                    "value": empty})
    return sorted(out, key=lambda r: tuple(str(r.get(d) or "") for d in query.group_by))

