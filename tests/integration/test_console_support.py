"""What the console tests share: one small tenant whose every figure can be priced by hand.

`seed(platform)` builds tenant `acme` on a FixedClock through the services, the way an operator
would, and returns what the tests check pages against. Two customers, both in UTC:

| customer | plan | devices | kWh Sep / Oct / Nov 1-15 |
|---|---|---|---|
| alpha | `basic`: 30 in advance + 5 per device in arrears + 0.10/kWh | 2 | 100 / 200 / 90 |
| beta  | `metered`: 0.20 per kWh | 1 | 50 / 80 / 40 |

Billing runs at Sep 1, Oct 1 and Nov 1; "now" is Nov 16 12:00 UTC. Invoices (finalized at each run):

| month | alpha | beta | total |
|---|---|---|---|
| 2026-09 | 30 (Sep fee) | – | 30.00 |
| 2026-10 | 2 x 5 + 100 x 0.10 + 30 = 50 | 50 x 0.20 = 10 | 60.00 |
| 2026-11 | 2 x 5 + 200 x 0.10 + 30 = 60 | 80 x 0.20 = 16 | 76.00 |

`basic` mixes recurring and usage charges (hybrid); `metered` is usage only (pay per use).
MRR now: alpha 30 + 2 x 5 = 40, beta 0 -> 40.00; ARR 480.00. Projected November: 15.5 of 30
days have gone by, so alpha's 90 kWh extrapolate to 90 x 30 / 15.5 = 174.19... kWh -> 17.42, and
its bill to 30 + 10 + 17.42 = 57.42; beta's 40 kWh -> 77.41... kWh x 0.20 = 15.48.
One event from a device not yet registered waits in quarantine (replayable once `spare-1`
exists, which it does by the end); one webhook endpoint has pending deliveries. A second tenant,
`other`, has a customer `gamma` that acme must never see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from test_billing_support import Book, utc

from monetiot.bootstrap import Platform
from monetiot.services import access, billing, fleet, ingest, users, webhooks

NOW = int(datetime(2026, 11, 16, 12, 0, tzinfo=UTC).timestamp() * 1000)
HOUR = 3_600_000
DAY = 24 * HOUR

BASIC = """
id: basic
name: Basic
currency: EUR
billing_period: monthly
recurring:
  - {id: fee, name: Platform fee, kind: flat, price: "30", timing: in_advance}
  - {id: devices, name: Active devices, kind: per_active_device, price: "5"}
usage:
  - {id: energy, name: Energy, meter: kwh, charge: {model: per_unit, unit_price: "0.10"}}
entitlements:
  features: [dashboard, data.export]
  limits: {devices: 5}
"""

METERED = """
id: metered
name: Metered energy
currency: EUR
billing_period: monthly
usage:
  - {id: energy, name: Energy, meter: kwh, charge: {model: per_unit, unit_price: "0.20"}}
entitlements:
  features: [dashboard]
"""

EXPECTED: dict[str, Any] = {
    "mrr": "40.00", "arr": "480.00",
    "revenue_by_month": {"2026-09": "30.00", "2026-10": "60.00", "2026-11": "76.00"},
    "hybrid_by_month": {"2026-09": "30.00", "2026-10": "50.00", "2026-11": "60.00"},
    "pay_per_use_by_month": {"2026-10": "10.00", "2026-11": "16.00"},
    "alpha_projected": "57.42", "beta_projected": "15.48",
    "alpha_kwh_to_date": "90", "beta_kwh_to_date": "40",
}


@dataclass
class Seeded:
    platform: Platform
    tenant: str
    admin_key: str
    read_key: str
    passwords: dict[str, str]  # email -> password
    invoices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # customer -> ...
    quarantined: int = 0
    other_customer: str = "gamma"
    other_invoice: str = ""

    OPERATOR = "ops@acme.test"
    ALPHA = "alpha@acme.test"
    BETA = "beta@acme.test"


def _spread(book: Book, device: str, start: int, days: int, total: int) -> None:
    """`total` kWh as one reading a day (whole kWh, the rest on the first day)."""
    each, rest = divmod(total, days)
    readings = [(start + d * DAY + 10 * HOUR, str(each + (rest if d == 0 else 0)))
                for d in range(days)]
    book.usage(device, *readings, received=start + days * DAY)


def seed(plat: Platform) -> Seeded:
    book = Book(plat, tenant="acme")
    book.at(utc("2026-08-20"))
    with plat.uow() as uow:
        admin = access.create_api_key(uow, book.now, "acme", "admin", "console test")
    with plat.uow() as uow:
        read = access.create_api_key(uow, book.now, "acme", "read", "read only")
    book.customer("alpha", devices=2, assigned_from=utc("2026-09-01"))
    book.customer("beta", devices=1, assigned_from=utc("2026-09-01"))
    with plat.uow() as uow:  # fleet.create_customer gave no names: give them readable ones
        from monetiot.store import registry

        registry.update_customer(uow.conn, "acme", "alpha", {"name": "Alpha Farms"})
        registry.update_customer(uow.conn, "acme", "beta", {"name": "Beta Buildings"})
        uow.commit()
    book.plan(BASIC)
    book.plan(METERED)
    with plat.uow() as uow:
        webhooks.create_endpoint(uow, book.now, "acme", {
            "url": "http://127.0.0.1:9/hooks", "types": ["invoice.finalized"]})
    book.subscribe("alpha", "basic", utc("2026-09-01"), sub="alpha-basic")
    book.subscribe("beta", "metered", utc("2026-09-01"), sub="beta-metered")
    book.run(utc("2026-09-01"))
    for month, days, alpha, beta in (("2026-09-01", 30, 100, 50), ("2026-10-01", 31, 200, 80)):
        _spread(book, "alpha-d1", utc(month), days, alpha // 2)
        _spread(book, "alpha-d2", utc(month), days, alpha // 2)
        _spread(book, "beta-d1", utc(month), days, beta)
        book.run(utc(month) + days * DAY)
    _spread(book, "alpha-d1", utc("2026-11-01"), 15, 45)
    _spread(book, "alpha-d2", utc("2026-11-01"), 15, 45)
    _spread(book, "beta-d1", utc("2026-11-01"), 15, 40)
    book.at(NOW)
    # A device heard from a minute ago (online); a zero reading changes no usage.
    book.usage("alpha-d1", (NOW - 60_000, "0"), received=NOW - 30_000)
    # A reading from a device not registered yet: quarantined, replayable once it exists.
    doc = [{"id": "spare-first", "device": "spare-1", "type": "energy",
            "time": "2026-11-16T11:00:00.000Z", "data": {"kwh": "0"}}]
    import json

    with plat.uow() as uow:
        result = ingest.ingest(uow, plat.settings, [ingest.Payload(
            "acme", "application/json", json.dumps(doc).encode(), NOW - 20 * 60_000)])[0]
    quarantined = next(r.quarantine_id for r in result.records if r.quarantine_id)
    with plat.uow() as uow:
        fleet.create_device(uow, NOW, "acme", {"id": "spare-1"})
    webhooks.fan_out(plat.uow, NOW)
    passwords = {}
    for email, role, customer in ((Seeded.OPERATOR, "operator", None),
                                  (Seeded.ALPHA, "customer", "alpha"),
                                  (Seeded.BETA, "customer", "beta")):
        with plat.uow() as uow:
            passwords[email] = users.create_user(uow, NOW, "acme", email, role,
                                                 customer).password
    # Another tenant with its own customer and invoice.
    other = Book(plat, tenant="other")
    other.at(utc("2026-10-01"))
    other.customer("gamma", devices=1)
    other.plan(BASIC)
    other.subscribe("gamma", "basic", utc("2026-10-01"), sub="gamma-basic")
    other.run(utc("2026-10-01"))
    book.at(NOW)
    with plat.uow(readonly=True) as uow:
        invoices = {c: billing.list_invoices(uow, "acme", customer_id=c, limit=100)
                    for c in ("alpha", "beta")}
        other_invoice = billing.list_invoices(uow, "other", limit=1)[0]["id"]
    return Seeded(platform=plat, tenant="acme", admin_key=admin.key, read_key=read.key,
                  passwords=passwords, invoices=invoices, quarantined=quarantined,
                  other_invoice=other_invoice)


def month_totals(seeded: Seeded) -> dict[str, Decimal]:
    """Invoiced totals by month of finalization, straight from the invoices (for cross-checks)."""
    out: dict[str, Decimal] = {}
    for rows in seeded.invoices.values():
        for inv in rows:
            month = datetime.fromtimestamp(inv["finalized_ms"] / 1000, tz=UTC).strftime("%Y-%m")
            out[month] = out.get(month, Decimal(0)) + Decimal(inv["total"])
    return out
