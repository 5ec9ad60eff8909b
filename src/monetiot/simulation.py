"""`monetiot simulate SCENARIO`: a whole billing scenario on a throwaway embedded store.

A scenario is one readable YAML (or JSON) file: meters, plans (inline or `file:` relative to the
scenario), customers with their devices and tax, subscriptions, a usage table (events), changes
over time (plan changes, cancellations, pauses, coupons, top-ups) and a date range. The
simulation walks the range with a simulated clock: at each step it ingests the usage that has
happened, applies the changes that are due, and runs billing, exactly as production would. It
prints the invoices (numbers, not random ids, so the output is stable and can be kept as a
golden file).

```yaml
name: Hybrid gateway, three months
start: 2026-01-01T00:00:00Z
end: 2026-04-01T00:00:00Z
meters: [{id: data_mb, event_type: data.usage, property: mb, aggregation: SUM}]
plans: [{file: ../plans/hybrid.yaml}]
customers:
  - {id: acme, timezone: Europe/Berlin, tax_rate: "19",
     devices: [{id: gw-1, from: 2026-01-01T00:00:00Z}]}
subscriptions: [{id: acme-hybrid, customer: acme, plan: hybrid, start: 2026-01-01T00:00:00Z}]
usage:          # `received` (optional): when it reached monetiot, if later than `at`
  - {device: gw-1, at: 2026-01-15T12:00:00Z, type: data.usage, data: {mb: "730"}}
changes:
  - {at: 2026-03-01T00:00:00Z, action: cancel, subscription: acme-hybrid, when: period_end}
```
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import FixedClock
from monetiot.domain.errors import InvalidInput, MonetiotError
from monetiot.domain.jsonexact import dumps
from monetiot.services import (
    access,
    billing,
    catalog,
    credits,
    fleet,
    metering,
    subscriptions,
)
from monetiot.services.ingest import Payload, ingest
from monetiot.settings import Settings
from monetiot.userfiles import Document, read_located

Doc = dict[str, Any]
TENANT = "simulation"
DAY_MS = 86_400_000


def load(path: Path) -> Doc:
    located = read_located(path, "scenario")
    doc = located.data
    if not isinstance(doc, dict):
        raise InvalidInput(f"{path}: a scenario is a mapping", field="scenario")
    doc["_dir"] = str(path.parent)
    doc["_source"] = located  # errors name the scenario's file, line and field path
    return doc


class _Located(InvalidInput):
    """An error that already names its file and line."""


@contextmanager
def _at(prefix: str) -> Iterator[None]:
    """Errors inside name their field from the scenario's root: `plans[0].recurring[0].price`."""
    try:
        yield
    except _Located:
        raise
    except MonetiotError as exc:
        field = f"{prefix}.{exc.field}" if exc.field and exc.field != prefix else prefix
        raise type(exc)(exc.message, field=field) from None


def time_ms(value: object, field: str) -> int:
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(dt.timestamp() * 1000)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("use RFC 3339, e.g. 2026-01-01T00:00:00Z", field=field) from None
        return int((dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp() * 1000)
    raise InvalidInput("required time (RFC 3339)", field=field)


def run(scenario: Doc, *, db: Path | None = None,
        progress: Callable[[int, int], None] | None = None) -> Doc:
    """Run the scenario and return its invoices; the store is thrown away unless `db` is given."""
    source = scenario.get("_source")
    try:
        return _run(scenario, db, progress)
    except _Located as exc:
        raise InvalidInput(exc.message) from None
    except MonetiotError as exc:
        if isinstance(source, Document):
            raise source.locate(exc) from None
        raise


def _run(scenario: Doc, db: Path | None, progress: Callable[[int, int], None] | None) -> Doc:
    start = time_ms(scenario.get("start"), "start")
    end = time_ms(scenario.get("end"), "end")
    if end <= start:
        raise InvalidInput("must be after start", field="end")
    with tempfile.TemporaryDirectory() as tmp:
        path = db or Path(tmp) / "simulation.db"
        clock = FixedClock(start)
        settings = Settings(database_url=f"sqlite:///{path}", late_window_ms=3650 * DAY_MS,
                            future_tolerance_ms=0)
        plat = bootstrap(settings, clock=clock)
        try:
            _setup(plat, scenario, start)
            _walk(plat, scenario, start, end, progress)
            return _report(plat, scenario)
        finally:
            plat.close()


def _setup(plat: Platform, scenario: Doc, start: int) -> None:
    base = Path(scenario.get("_dir", "."))
    with plat.uow() as uow:
        access.create_tenant(uow, start, TENANT, scenario.get("name", "simulation"))
    for i, meter in enumerate(_list(scenario, "meters")):
        with _at(f"meters[{i}]"), plat.uow() as uow:
            metering.create_meter(uow, start, TENANT, _mapping(meter, f"meters[{i}]"))
    for i, entry in enumerate(_list(scenario, "plans")):
        entry = _mapping(entry, f"plans[{i}]")
        if "file" in entry:  # errors name the plan file, its line and the field in it
            located = read_located(base / str(entry["file"]), "plan")
            try:
                with plat.uow() as uow:
                    catalog.apply_plan(uow, start, TENANT, located.data)
            except MonetiotError as exc:
                raise _Located(f"{located.locate(exc)} (plans[{i}] of the scenario)") from None
            continue
        with _at(f"plans[{i}]"), plat.uow() as uow:
            catalog.apply_plan(uow, start, TENANT, entry)
    for i, customer in enumerate(_list(scenario, "customers")):
        with _at(f"customers[{i}]"):
            _customer(plat, start, _mapping(customer, f"customers[{i}]"))


def _list(scenario: Doc, key: str) -> list[Any]:
    value = scenario.get(key) or []
    if not isinstance(value, list):
        raise InvalidInput("must be a list", field=key)
    return value


def _customer(plat: Platform, start: int, customer: Doc) -> None:
    with plat.uow() as uow:
        fleet.create_customer(uow, start, TENANT, {
            k: v for k, v in customer.items() if k in ("id", "name", "email", "timezone")})
    billing_settings: Doc = {k: customer[k] for k in ("tax_rate", "tax_inclusive",
                                                 "payment_terms_days") if k in customer}
    if billing_settings:
        with plat.uow() as uow:
            credits.set_customer_billing(uow, TENANT, customer["id"], billing_settings)
    for j, device in enumerate(customer.get("devices", [])):
        device = _mapping(device, f"devices[{j}]")
        with _at(f"devices[{j}]"), plat.uow() as uow:
            fleet.create_device(uow, start, TENANT, {
                "id": device.get("id"), "customer": customer["id"],
                "assigned_from": time_ms(device.get("from", start), "from")})


def _mapping(value: object, field: str) -> Doc:
    if not isinstance(value, dict):
        raise InvalidInput("must be a mapping", field=field)
    return value


def _walk(plat: Platform, scenario: Doc, start: int, end: int,
          progress: Callable[[int, int], None] | None) -> None:
    clock = plat.clock
    assert isinstance(clock, FixedClock)
    subs = [(time_ms(_mapping(s, f"subscriptions[{i}]").get("start", start),
                     f"subscriptions[{i}].start"), i, s)
            for i, s in enumerate(_list(scenario, "subscriptions"))]
    changes = [(time_ms(_mapping(c, f"changes[{i}]").get("at"), f"changes[{i}].at"), i, c)
               for i, c in enumerate(_list(scenario, "changes"))]
    # an event is received just after it happened, or at its `received` time (a device that
    # was offline): the moment it is ingested decides whether it is billed late
    events = sorted(
        ((time_ms(_mapping(u, f"usage[{i}]").get("received", u.get("at")),
                  f"usage[{i}].received" if "received" in u else f"usage[{i}].at"), i, u)
         for i, u in enumerate(_list(scenario, "usage"))), key=lambda x: (x[0], x[1]))
    moments = {start, end} | {t for t, _, _ in subs} | {t for t, _, _ in changes}
    moments |= {t for t, _, u in events if "received" in u}
    moments |= set(range(start - start % DAY_MS + DAY_MS, end, DAY_MS))
    sent = 0
    for now in sorted(m for m in moments if start <= m <= end):
        clock.at_ms = now
        due = [e for e in events[sent:] if e[0] < now or (e[0] == now and "received" in e[2])]
        if due:
            _ingest(plat, now, due)
            sent += len(due)
        for t, i, sub in subs:
            if t == now:
                doc = {k: v for k, v in sub.items() if k != "start"} | {"start_ms": t}
                with _at(f"subscriptions[{i}]"), plat.uow() as uow:
                    subscriptions.create(uow, now, TENANT, doc)
        for t, i, change in changes:
            if t == now:
                with _at(f"changes[{i}]"):
                    _apply(plat, now, change, i)
        report = billing.run(plat.uow, now, TENANT)
        if report.errors:
            error = report.errors[0]
            raise _Located(f"billing subscription {error['subscription']!r} at "
                           f"{_iso(now)} failed: {error['error']}")
        if progress is not None:
            progress(now - start, end - start)


def _ingest(plat: Platform, now: int, due: list[tuple[int, int, Doc]]) -> None:
    records = []
    for _, i, row in due:
        record = {"id": str(row.get("id") or f"usage-{i}"), "type": row.get("type"),
                  "time": time_ms(row.get("at"), f"usage[{i}].at"), "data": row.get("data", {})}
        for key in ("device", "customer"):
            if key in row:
                record[key] = row[key]
        records.append(record)
    body = dumps(records).encode()
    with plat.uow() as uow:
        (result,) = ingest(uow, plat.settings, [Payload(TENANT, "application/json", body, now,
                                                        source="simulation")])
    if len(result.records) != len(due):  # the batch was refused whole
        raise InvalidInput(result.records[0].reason or "rejected", field="usage")
    for (_, i, _), outcome in zip(due, result.records, strict=True):
        if outcome.status == "rejected":  # quarantined, as ingest does: the scenario is refused
            raise InvalidInput(outcome.reason or "rejected", field=f"usage[{i}]")


def _apply(plat: Platform, now: int, change: Doc, index: int) -> None:
    action = change.get("action")
    sub = str(change.get("subscription", ""))
    with plat.uow() as uow:
        if action == "change_plan":
            subscriptions.change_plan(uow, now, TENANT, sub, str(change.get("plan")),
                                      change.get("version"), change.get("when"))
        elif action == "cancel":
            subscriptions.cancel(uow, now, TENANT, sub, str(change.get("when", "period_end")))
        elif action == "pause":
            subscriptions.pause(uow, now, TENANT, sub)
        elif action == "resume":
            subscriptions.resume(uow, now, TENANT, sub)
        elif action == "coupon":
            coupon = _mapping(change.get("coupon"), f"changes[{index}].coupon")
            credits.create_coupon(uow, now, TENANT, coupon)
            with plat.uow() as second:
                credits.apply_coupon(second, now, TENANT, sub, str(coupon.get("id")))
        elif action == "top_up":
            credits.top_up(uow, now, TENANT, str(change.get("customer")), {
                "amount": change.get("amount"), "currency": change.get("currency", "EUR"),
                "idempotency_key": f"scenario-{index}"})
        elif action == "assign":  # a new device is registered on the way
            from monetiot.store import registry

            device = str(change.get("device"))
            if registry.get_device(uow.conn, TENANT, device) is None:
                fleet.create_device(uow, now, TENANT, {"id": device})
                with plat.uow() as second:
                    fleet.assign_device(second, TENANT, device, change.get("customer"), now)
            else:
                fleet.assign_device(uow, TENANT, device, change.get("customer"), now)
        else:
            raise InvalidInput("must be change_plan, cancel, pause, resume, coupon, top_up or "
                               "assign", field=f"changes[{index}].action")


def _report(plat: Platform, scenario: Doc) -> Doc:
    with plat.uow(readonly=True) as uow:
        invoices = [billing.get_invoice(uow, TENANT, row["id"])
                    for row in billing.list_invoices(uow, TENANT, limit=100_000)]
    numbers = {inv["id"]: inv["number"] or f"draft-{i}" for i, inv in enumerate(invoices)}
    out = []
    for inv in sorted(invoices, key=lambda x: (x["number"] or "", x["period_start_ms"])):
        view = {k: v for k, v in inv.items() if k not in ("id", "created_ms")}
        view["period"] = [_iso(inv["period_start_ms"]), _iso(inv["period_end_ms"])]
        for line in view.get("lines", []):
            line["covers"] = [_iso(line.pop("covers_start_ms")), _iso(line.pop("covers_end_ms"))]
        out.append(view)
    totals: dict[str, Decimal] = {}
    for inv in invoices:
        totals[inv["currency"]] = totals.get(inv["currency"], Decimal(0)) + Decimal(inv["total"])
    return {"scenario": scenario.get("name", ""), "invoices": out,
            "revenue": {k: str(v) for k, v in sorted(totals.items())},
            "invoice_numbers": sorted(numbers.values())}


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).strftime(
        "%Y-%m-%dT%H:%MZ")


def to_json(result: Doc) -> str:
    return json.dumps(result, indent=2, default=str)
