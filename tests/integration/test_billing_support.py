"""What the billing tests share: a tenant driven through the services, and invoices as text.

`Book` is one tenant on a platform: customers with devices, a SUM meter (`kwh`, from `energy`
events), plans written as YAML, subscriptions, usage sent through `services.ingest`, and billing
runs at a time the test names. `text(invoice)` prints an invoice the way a person checks one by
hand: one line per invoice line (kind, charge, the dates it covers in the customer's time zone,
quantity, amount due, tax) and the totals, so a test compares it with the expected invoice
written out in the test. Nothing here asserts anything but that the set-up itself succeeded.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock, iso_from_ms
from monetiot.services import (
    access,
    billing,
    catalog,
    credits,
    fleet,
    ingest,
    metering,
    subscriptions,
)

HOUR = 3_600_000
DAY = 24 * HOUR
D = Decimal


def utc(text: str) -> int:
    """`2026-01-31` or `2026-01-31T10:00` (UTC) -> epoch ms."""
    return local(text, "UTC")


def local(text: str, tz: str) -> int:
    """A wall-clock time in `tz` -> epoch ms."""
    naive = datetime.fromisoformat(text)
    return int(naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).timestamp() * 1000)


def day_of(ms: int, tz: str) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(tz)).date()


# Plans the tests use most; each is small enough to price in one's head.
BASIC = """
id: basic
name: Basic
currency: EUR
billing_period: monthly
recurring:
  - {id: fee, name: Platform fee, kind: flat, price: "31", timing: in_advance}
  - {id: devices, name: Active devices, kind: per_active_device, price: "2"}
usage:
  - id: energy
    name: Energy
    meter: kwh
    charge:
      model: graduated
      tiers:
        - {up_to: "100", unit_price: "0.20"}
        - {up_to: null, unit_price: "0.10"}
entitlements:
  features: [dashboard]
  limits: {api.calls: 1000, devices: 5}
"""

PRO = """
id: pro
name: Pro
currency: EUR
billing_period: monthly
recurring:
  - {id: fee, name: Platform fee, kind: flat, price: "62", timing: in_advance}
  - {id: devices, name: Active devices, kind: per_active_device, price: "1"}
usage:
  - id: energy
    name: Energy
    meter: kwh
    charge:
      model: graduated
      tiers:
        - {up_to: "100", unit_price: "0.10"}
        - {up_to: null, unit_price: "0.05"}
entitlements:
  features: [dashboard, data.export]
  limits: {api.calls: 5000, devices: 3}
"""

ARREARS = """
id: arrears
name: Flat fee in arrears
currency: EUR
billing_period: monthly
recurring:
  - {id: fee, name: Service fee, kind: flat, price: "31"}
"""


@dataclass
class Book:
    """One tenant's billing, driven through the services at the times a test names."""

    plat: Platform
    tenant: str = "acme"
    tz: dict[str, str] = field(default_factory=dict)  # customer -> time zone
    _ids: Any = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        with self.plat.uow() as uow:
            access.create_tenant(uow, self.now, self.tenant, self.tenant)
        with self.plat.uow() as uow:
            metering.create_meter(uow, self.now, self.tenant, {
                "id": "kwh", "event_type": "energy", "aggregation": "SUM", "property": "kwh"})

    # time ---------------------------------------------------------------------------------------

    @property
    def clock(self) -> FixedClock:
        assert isinstance(self.plat.clock, FixedClock)
        return self.plat.clock

    @property
    def now(self) -> int:
        return self.plat.clock.now_ms()

    def at(self, when: int) -> Book:
        self.clock.at_ms = when
        return self

    # set-up ---------------------------------------------------------------------------------------

    def customer(self, customer: str, tz: str = "UTC", devices: int = 1,
                 assigned_from: int | None = None, tax: str | None = None,
                 inclusive: bool = False) -> list[str]:
        """A customer with `devices` devices assigned from `assigned_from` (default: now)."""
        with self.plat.uow() as uow:
            fleet.create_customer(uow, self.now, self.tenant, {"id": customer, "timezone": tz})
        self.tz[customer] = tz
        names = [f"{customer}-d{i}" for i in range(1, devices + 1)]
        for name in names:
            self.device(name, customer, self.now if assigned_from is None else assigned_from)
        if tax is not None:
            with self.plat.uow() as uow:
                credits.set_customer_billing(uow, self.tenant, customer,
                                             {"tax_rate": tax, "tax_inclusive": inclusive})
        return names

    def device(self, device: str, customer: str, assigned_from: int) -> None:
        with self.plat.uow() as uow:
            fleet.create_device(uow, self.now, self.tenant, {
                "id": device, "customer": customer, "assigned_from": assigned_from})

    def plan(self, text: str | dict[str, Any], **changes: Any) -> int:
        """Apply a plan written as YAML (or already a document), with `changes` on top."""
        doc = (yaml.safe_load(text) if isinstance(text, str) else dict(text)) | changes
        with self.plat.uow() as uow:
            return int(catalog.apply_plan(uow, self.now, self.tenant, doc)["version"])

    def subscribe(self, customer: str, plan: str, start: int, sub: str | None = None,
                  **extra: Any) -> str:
        with self.plat.uow() as uow:
            row = subscriptions.create(uow, self.now, self.tenant, {
                "id": sub or f"sub-{customer}", "customer": customer, "plan": plan,
                "start_ms": start, **extra})
        return str(row["id"])

    def coupon(self, coupon: str, sub: str, **doc: Any) -> None:
        with self.plat.uow() as uow:
            credits.create_coupon(uow, self.now, self.tenant, {"id": coupon, **doc})
        with self.plat.uow() as uow:
            credits.apply_coupon(uow, self.now, self.tenant, sub, coupon)

    def top_up(self, customer: str, amount: str, **doc: Any) -> None:
        with self.plat.uow() as uow:
            credits.top_up(uow, self.now, self.tenant, customer, {
                "amount": amount, "idempotency_key": f"top-up-{next(self._ids)}", **doc})

    def wallet(self, customer: str) -> Decimal:
        with self.plat.uow() as uow:
            return credits.wallet_balance(uow, self.tenant, customer, "EUR", self.now)

    # usage --------------------------------------------------------------------------------------

    def usage(self, device: str, *readings: tuple[int, str], received: int | None = None
              ) -> dict[str, int]:
        """Send `energy` events (time, kWh) from `device` in one payload; returns the summary."""
        docs = [{"id": f"e{next(self._ids)}", "device": device, "type": "energy",
                 "time": iso_from_ms(at), "data": {"kwh": kwh}} for at, kwh in readings]
        at = received if received is not None else max(t for t, _ in readings) + 60_000
        payload = ingest.Payload(self.tenant, "application/json", json.dumps(docs).encode(), at)
        with self.plat.uow() as uow:
            return ingest.ingest(uow, self.plat.settings, [payload])[0].summary()

    # billing --------------------------------------------------------------------------------------

    def run(self, when: int | None = None) -> billing.RunReport:
        if when is not None:
            self.at(when)
        report = billing.run(self.plat.uow, self.now, self.tenant)
        assert report.errors == [], report.errors
        return report

    def invoices(self, sub: str | None = None) -> list[dict[str, Any]]:
        """Every invoice of the tenant (or of one subscription) with its lines, oldest first."""
        with self.plat.uow(readonly=True) as uow:
            rows = billing.list_invoices(uow, self.tenant, subscription_id=sub, limit=10_000)
            found = [billing.get_invoice(uow, self.tenant, r["id"]) for r in rows]
        return sorted(found, key=lambda i: (i["number"] or "", i["id"]))

    def last(self, sub: str | None = None) -> dict[str, Any]:
        return self.invoices(sub)[-1]

    def text(self, invoice: dict[str, Any]) -> str:
        return invoice_text(invoice, self.tz.get(invoice["customer"], "UTC"))


def _short(value: str | None) -> str:
    if value is None:
        return "-"
    number = D(value)
    if number == number.to_integral_value():
        return str(number.quantize(D(1)))
    return str(number.quantize(D("0.0001")).normalize())


def invoice_text(invoice: dict[str, Any], tz: str) -> str:
    """`kind charge first-day..last-day quantity amount_due [tax]` per line, then the totals."""
    out = []
    for line in invoice["lines"]:
        start, end = line["covers_start_ms"], line["covers_end_ms"]
        covers = "-" if start is None else f"{day_of(start, tz)}..{day_of(end - 1, tz)}"
        tax = "" if D(line["tax_due"]) == 0 else f" tax {line['tax_due']}"
        out.append(f"{line['kind']} {line['charge_id'] or '-'} {covers} "
                   f"{_short(line['quantity'])} {line['amount_due']}{tax}")
    out.append(f"subtotal {invoice['subtotal']} tax {invoice['tax']} total {invoice['total']}")
    return "\n".join(out)


def same(actual: str, expected: str) -> bool:
    """Equal up to spacing: tests align their expected invoices for the reader."""
    def norm(text: str) -> list[str]:
        return [" ".join(line.split()) for line in text.strip().splitlines() if line.strip()]
    return norm(actual) == norm(expected)


def stored_totals_hold(invoice: dict[str, Any], inclusive: bool = False) -> bool:
    """The stored invoice adds up: subtotal, tax and total are the sums of its stored lines
    (tax on top when exclusive, already inside the amounts when inclusive: the subtotal is
    before tax either way), less credit."""
    lines = invoice["lines"]
    gross = sum((D(x["amount_due"]) for x in lines if x["kind"] != "credit"), D(0))
    tax = sum((D(x["tax_due"]) for x in lines), D(0))
    credit = -sum((D(x["amount_due"]) for x in lines if x["kind"] == "credit"), D(0))
    subtotal = gross - tax if inclusive else gross
    total = subtotal + tax - credit
    return (D(invoice["subtotal"]), D(invoice["tax"]), D(invoice["total"])) == (
        subtotal, tax, total)
