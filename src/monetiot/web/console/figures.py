"""The charts pages show, built from what the services answer: revenue, fleet health, usage.

Usage charts ask `services.metering.usage` for whole days in the viewer's time zone (the
customer's on customer pages, UTC elsewhere); a zone whose midnight falls inside a UTC hour
cannot be cut into days from hourly rollups, so such charts fall back to UTC days. Usage that
monetiot cannot report (data stored before its number limits) leaves the chart empty with the
reason and what to void in its place: a page never fails because of stored data.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from monetiot.domain.errors import InvalidInput, StoredOutOfRange
from monetiot.domain.meters import CONNECTED_MINUTES, HOUR_MS
from monetiot.domain.windows import period_bounds
from monetiot.services import metering
from monetiot.services.fleet_health import FleetHealth
from monetiot.services.revenue import MonthlyRevenue
from monetiot.store.engine import UnitOfWork
from monetiot.web.console.charts import WIDTH, Series, bar_chart, line_chart
from monetiot.web.console.formatting import amount, day, when

DAY_MS = 24 * HOUR_MS
WIDE = 1280  # charts that span the page
ADDITIVE = ("SUM", "COUNT", "TIME_WEIGHTED_SUM")
MODEL_NAMES = {"product_sale": "Product sale", "subscription": "Subscription",
               "pay_per_use": "Pay per use", "hybrid": "Hybrid", "other": "Other"}


def meters(uow: UnitOfWork, tenant: str) -> list[dict[str, Any]]:
    """The tenant's meters and the built-in connected minutes, as the usage API names them."""
    found = metering.list_meters(uow, tenant)
    return [*found, {"id": CONNECTED_MINUTES, "name": "Connected minutes",
                     "aggregation": "COUNT", "event_type": "*"}]


def additive(meter: dict[str, Any]) -> bool:
    return str(meter.get("aggregation")) in ADDITIVE


@dataclass(frozen=True)
class Daily:
    """A meter's value per day: labels `MM-DD`, exact values (None: nothing to report)."""

    meter: dict[str, Any]
    tz: str
    days: tuple[str, ...]
    values: tuple[Decimal | None, ...]
    by: dict[str, tuple[Decimal | None, ...]]  # per customer, when asked
    problem: str | None = None  # why there is nothing to show (stored data out of range)

    @property
    def total(self) -> Decimal | None:
        if not additive(self.meter) or self.problem is not None:
            return None
        return sum((v or Decimal(0) for v in self.values), Decimal(0))

    @property
    def any(self) -> bool:
        return any(v for v in self.values)


def days_back(now_ms: int, days: int, tz: str) -> tuple[int, int, str]:
    """[start, end) covering the last `days` whole days up to the end of today, in `tz`."""
    for zone_name in (tz, "UTC"):
        try:
            today = period_bounds("day", now_ms, zone_name)
            if today.start_ms % HOUR_MS:
                continue
            # the local midnight `days - 1` days back (noon first: a DST change moves it)
            first = period_bounds("day", today.start_ms - (days - 1) * DAY_MS + 12 * HOUR_MS,
                                  zone_name)
            return first.start_ms, today.end_ms, zone_name
        except InvalidInput:
            continue
    raise InvalidInput("cannot cut days", field="tz")  # pragma: no cover - UTC always works


def daily(uow: UnitOfWork, tenant: str, meter: dict[str, Any], now_ms: int, days: int = 30,
          tz: str = "UTC", customer: str | None = None, device: str | None = None,
          by_customer: bool = False) -> Daily:
    try:
        return _daily(uow, tenant, meter, now_ms, days, tz, customer, device, by_customer)
    except StoredOutOfRange as exc:
        start, end, zone_name = days_back(now_ms, days, "UTC")
        starts = _day_starts(start, end, zone_name)
        return Daily(meter, zone_name, tuple(day(s, zone_name)[5:] for s in starts),
                     tuple(None for _ in starts), {}, problem=exc.message)


def _daily(uow: UnitOfWork, tenant: str, meter: dict[str, Any], now_ms: int, days: int,
           tz: str, customer: str | None, device: str | None, by_customer: bool) -> Daily:
    start, end, zone_name = days_back(now_ms, days, tz)
    try:
        rows = metering.usage(uow, tenant, metering.UsageQuery(
            meter=meter["id"], start_ms=start, end_ms=end, window="day", tz=zone_name,
            customer=customer, device=device,
            group_by=("customer",) if by_customer else ()), now_ms)
    except InvalidInput:  # a zone with DST days inside an hour: fall back to UTC
        start, end, zone_name = days_back(now_ms, days, "UTC")
        rows = metering.usage(uow, tenant, metering.UsageQuery(
            meter=meter["id"], start_ms=start, end_ms=end, window="day", tz="UTC",
            customer=customer, device=device,
            group_by=("customer",) if by_customer else ()), now_ms)
    starts = sorted({r["from_ms"] for r in rows} | set(_day_starts(start, end, zone_name)))
    index = {s: i for i, s in enumerate(starts)}
    values: list[Decimal | None] = [None] * len(starts)
    by: dict[str, list[Decimal | None]] = {}
    for r in rows:
        i = index[r["from_ms"]]
        v = r["value"]
        if by_customer:
            name = r.get("customer") or "(unassigned)"
            by.setdefault(name, [None] * len(starts))[i] = v
            if v is not None and additive(meter):  # levels (MAX, AVG...) do not combine
                values[i] = (values[i] or Decimal(0)) + v
        else:
            values[i] = v
    if additive(meter):
        values = [Decimal(0) if v is None else v for v in values]
    return Daily(meter, zone_name, tuple(day(s, zone_name)[5:] for s in starts), tuple(values),
                 {k: tuple(v) for k, v in sorted(by.items())})


def _day_starts(start: int, end: int, tz: str) -> list[int]:
    out, at = [], start
    while at < end:
        out.append(period_bounds("day", at, tz).start_ms)
        at = period_bounds("day", at, tz).end_ms
    return out


def usage_chart(chart_id: str, d: Daily, *, stacked_by_customer: bool = False,
                width: int = WIDTH) -> Markup:
    title = f"{d.meter['name']} per day ({d.tz})"
    if d.problem is not None:
        return Markup('<p class="muted" role="alert">{}: no chart. {}</p>').format(title,
                                                                                  d.problem)
    unit = str(d.meter.get("unit") or "")
    if stacked_by_customer and d.by:
        series = [Series(name, values) for name, values in d.by.items()]
        if additive(d.meter):
            filled = [Series(s.name, [v or Decimal(0) for v in s.values]) for s in series]
            return bar_chart(chart_id, title, d.days, filled, unit=unit, stacked=True,
                             width=width)
        return line_chart(chart_id, title, d.days, series, unit=unit, width=width)
    one = [Series(d.meter["name"], d.values)]
    if additive(d.meter):
        return bar_chart(chart_id, title, d.days, one, unit=unit, width=width)
    return line_chart(chart_id, title, d.days, one, unit=unit, width=width)


# revenue ----------------------------------------------------------------------------------------

def revenue_charts(rev: MonthlyRevenue, names: dict[str, str],
                   prefix: str = "revenue", wide: bool = False) -> dict[str, Markup]:
    c = rev.currency
    by_model = [Series(MODEL_NAMES.get(m, m), v) for m, v in rev.by_model.items()]
    by_customer = [Series(names.get(cid, cid), v) for cid, v in rev.by_customer.items()]

    def money(value: Decimal | None) -> str:
        return amount(value, c)

    return {
        "month": bar_chart(f"{prefix}-month-{c}", f"Revenue by month, {c}", rev.months,
                           [Series("Revenue", rev.total)], unit=c,
                           width=WIDE if wide else WIDTH, fmt=money),
        "model": bar_chart(f"{prefix}-model-{c}", f"Revenue by business model, {c}",
                           rev.months, by_model, unit=c, stacked=True, fmt=money),
        "customer": line_chart(f"{prefix}-customer-{c}", f"Revenue by customer, {c}",
                               rev.months, by_customer, unit=c, width=WIDE, fmt=money),
    }


# fleet health -----------------------------------------------------------------------------------

def health_charts(health: FleetHealth) -> dict[str, Markup]:
    states = [("online", "Online"), ("offline", "Offline"), ("never_seen", "Never seen")]
    return {
        "states": bar_chart("devices-by-state", "Devices by connectivity",
                            [label for _, label in states],
                            [Series("Devices", [Decimal(health.states.get(k, 0))
                                                for k, _ in states])], unit="devices"),
        "ingest": bar_chart("ingest-per-hour", "Events received per hour, last 24 hours (UTC)",
                            [when(h)[11:16] for h in health.hours],
                            [Series("Events", [Decimal(n) for n in health.received])],
                            unit="events"),
    }
