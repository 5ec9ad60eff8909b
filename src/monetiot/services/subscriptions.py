"""Subscriptions: a customer on a plan version, over time.

Create, cancel, pause, resume and change plan. Every change is taken at the start of its UTC
hour (usage is kept hourly). A plan change is an *upgrade* when the new plan's recurring charges
for a full period cost more than the old one's (for the subscription's seats and current
devices), else a *downgrade*. Upgrades take effect now: the period is split, the old plan's part
is billed in arrears at once, and what was paid in advance for the rest of the period is
credited back (credit note to the wallet) while the new plan's remainder is billed in advance.
Downgrades take effect at the end of the current period unless `when` is "now".
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

from monetiot.domain.billing.periods import Schedule, day_fraction
from monetiot.domain.billing.subscriptions import hour_floor
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.fleet import check_id
from monetiot.domain.meters import HOUR_MS
from monetiot.domain.money import round_money
from monetiot.domain.plans import PeriodInputs, Plan, price_period
from monetiot.services import billing, credits
from monetiot.services.catalog import load_plan
from monetiot.store import billing as store
from monetiot.store import registry
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
DAY_MS = 86_400_000


def create(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    known = {"id", "customer", "plan", "version", "start_ms", "anchor", "seats", "trial_days"}
    for key in doc:
        if key not in known:
            raise InvalidInput("unknown field", field=str(key))
    customer_id = check_id(doc.get("customer"), "customer")
    customer = registry.get_customer(uow.conn, tenant, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}", field="customer")
    plan_id = check_id(doc.get("plan"), "plan")
    stored = load_plan(uow, tenant, plan_id, _version(doc.get("version")))
    sub_id = check_id(doc.get("id") or f"sub_{uuid.uuid4().hex[:16]}", "id")
    if store.get_subscription(uow.conn, tenant, sub_id) is not None:
        raise Conflict(f"subscription {sub_id!r} exists", field="id")
    start = doc.get("start_ms", now_ms)
    if not isinstance(start, int) or isinstance(start, bool):
        raise InvalidInput("must be epoch milliseconds", field="start_ms")
    start = hour_floor(start)
    anchor = doc.get("anchor", "calendar")
    schedule = Schedule(start, stored.plan.billing_period.value, str(anchor),
                        customer["timezone"])
    if any(schedule.period(i).end_ms % HOUR_MS for i in range(13)):
        raise InvalidInput(
            f"the customer's time zone {customer['timezone']!r} starts days inside a UTC hour; "
            "usage is kept hourly, so such a subscription could not be billed exactly "
            "(use a zone with a whole-hour offset for billing)", field="timezone")
    seats = doc.get("seats", 0)
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 0:
        raise InvalidInput("must be a whole number >= 0", field="seats")
    trial_days = doc.get("trial_days", stored.plan.trial_days)
    if not isinstance(trial_days, int) or isinstance(trial_days, bool) or trial_days < 0:
        raise InvalidInput("must be a whole number of days >= 0", field="trial_days")
    row = {"tenant_id": tenant, "id": sub_id, "customer_id": customer_id, "status": "active",
           "anchor": anchor, "timezone": customer["timezone"], "start_ms": start,
           "end_ms": None, "trial_end_ms": start + trial_days * DAY_MS if trial_days else None,
           "seats": seats, "billed_until_ms": start, "created_ms": now_ms}
    store.insert_subscription(uow.conn, row)
    store.insert_phase(uow.conn, {"tenant_id": tenant, "subscription_id": sub_id,
                                  "start_ms": start, "end_ms": None, "plan_id": plan_id,
                                  "plan_version": stored.version})
    store.emit(uow.conn, tenant, f"subscription.created:{sub_id}", "subscription.created",
               {"subscription": sub_id, "customer": customer_id, "plan": plan_id,
                "version": stored.version}, now_ms)
    uow.commit()
    return get(uow, tenant, sub_id)


def _version(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput("must be a version number >= 1", field="version")
    return value


def get(uow: UnitOfWork, tenant: str, sub_id: str) -> Row:
    row = _sub(uow, tenant, sub_id)
    phases = store.phases(uow.conn, tenant, sub_id)
    return {
        "id": row["id"], "customer": row["customer_id"], "status": row["status"],
        "anchor": row["anchor"], "timezone": row["timezone"], "start_ms": row["start_ms"],
        "end_ms": row["end_ms"], "trial_end_ms": row["trial_end_ms"], "seats": row["seats"],
        "plan": phases[-1]["plan_id"], "version": phases[-1]["plan_version"],
        "phases": [{"plan": p["plan_id"], "version": p["plan_version"],
                    "start_ms": p["start_ms"], "end_ms": p["end_ms"]} for p in phases],
        "pauses": [{"start_ms": p["start_ms"], "end_ms": p["end_ms"]}
                   for p in store.pauses(uow.conn, tenant, sub_id)],
    }


def list_all(uow: UnitOfWork, tenant: str, customer: str | None = None) -> list[Row]:
    return [get(uow, tenant, r["id"]) for r in store.list_subscriptions(uow.conn, tenant,
                                                                         customer)]


def _sub(uow: UnitOfWork, tenant: str, sub_id: str, *, lock: bool = False) -> Row:
    row = store.get_subscription(uow.conn, tenant, sub_id, lock=lock)
    if row is None:
        raise NotFound(f"no subscription {sub_id!r}", field="subscription")
    return row


def _open_phase(uow: UnitOfWork, tenant: str, sub_id: str, at_ms: int) -> Row:
    phases = [p for p in store.phases(uow.conn, tenant, sub_id)
              if p["start_ms"] <= at_ms and (p["end_ms"] is None or p["end_ms"] > at_ms)]
    if not phases:
        raise Conflict("the subscription has no plan at that time", field="at")
    return phases[-1]


def _current_period_end(row: Row, plan: Plan, at_ms: int) -> int:
    schedule = Schedule(row["start_ms"], plan.billing_period.value, row["anchor"], row["timezone"])
    return schedule.period_at(max(at_ms, row["start_ms"])).end_ms


def cancel(uow: UnitOfWork, now_ms: int, tenant: str, sub_id: str,
           when: str = "period_end") -> Row:
    """End the subscription now, or at the end of its current period (the default)."""
    row = _sub(uow, tenant, sub_id, lock=True)
    if row["end_ms"] is not None:
        raise Conflict("already canceled", field="subscription")
    at = hour_floor(now_ms)
    if when == "period_end":
        phase = _open_phase(uow, tenant, sub_id, at)
        at = _current_period_end(row, load_plan(uow, tenant, phase["plan_id"],
                                                phase["plan_version"]).plan, at)
    elif when != "now":
        raise InvalidInput("must be now or period_end", field="when")
    else:
        billing.bill_subscription(uow, now_ms, tenant, sub_id, commit=False)
        _credit_unused_advance(uow, now_ms, tenant, row, at, "the subscription was canceled")
    store.drop_phases_after(uow.conn, tenant, sub_id, at)
    store.update_subscription(uow.conn, tenant, sub_id, {"end_ms": at, "status": "canceled"})
    store.emit(uow.conn, tenant, f"subscription.canceled:{sub_id}", "subscription.canceled",
               {"subscription": sub_id, "end_ms": at}, now_ms)
    uow.commit()
    return get(uow, tenant, sub_id)


def pause(uow: UnitOfWork, now_ms: int, tenant: str, sub_id: str) -> Row:
    """Stop recurring charges from now (pro rata by time) until resumed; usage still counts."""
    row = _sub(uow, tenant, sub_id, lock=True)
    if row["status"] != "active":
        raise Conflict(f"the subscription is {row['status']}", field="subscription")
    at = hour_floor(now_ms)
    billing.bill_subscription(uow, now_ms, tenant, sub_id, commit=False)
    _credit_unused_advance(uow, now_ms, tenant, row, at, "the subscription was paused")
    store.insert_pause(uow.conn, {"tenant_id": tenant, "subscription_id": sub_id,
                                  "start_ms": at, "end_ms": None})
    store.update_subscription(uow.conn, tenant, sub_id, {"status": "paused"})
    store.emit(uow.conn, tenant, f"subscription.paused:{sub_id}:{now_ms}",
               "subscription.paused", {"subscription": sub_id}, now_ms)
    uow.commit()
    return get(uow, tenant, sub_id)


def resume(uow: UnitOfWork, now_ms: int, tenant: str, sub_id: str) -> Row:
    row = _sub(uow, tenant, sub_id, lock=True)
    if row["status"] != "paused":
        raise Conflict(f"the subscription is {row['status']}", field="subscription")
    store.end_pause(uow.conn, tenant, sub_id, hour_floor(now_ms))
    store.update_subscription(uow.conn, tenant, sub_id, {"status": "active"})
    billing.bill_subscription(uow, now_ms, tenant, sub_id, commit=False)  # the rest, in advance
    store.emit(uow.conn, tenant, f"subscription.resumed:{sub_id}:{now_ms}",
               "subscription.resumed", {"subscription": sub_id}, now_ms)
    uow.commit()
    return get(uow, tenant, sub_id)


def change_plan(uow: UnitOfWork, now_ms: int, tenant: str, sub_id: str, plan_id: str,
                version: int | None = None, when: str | None = None) -> Row:
    """Move to another plan (or version). `when`: now | period_end; default by direction."""
    row = _sub(uow, tenant, sub_id, lock=True)
    if row["end_ms"] is not None and row["end_ms"] <= now_ms:
        raise Conflict("the subscription has ended", field="subscription")
    at = max(hour_floor(now_ms), row["start_ms"])
    store.drop_phases_after(uow.conn, tenant, sub_id, at)  # a new choice replaces a scheduled one
    phase = _open_phase(uow, tenant, sub_id, at)
    old = load_plan(uow, tenant, phase["plan_id"], phase["plan_version"])
    new = load_plan(uow, tenant, check_id(plan_id, "plan"), _version(version))
    if (phase["plan_id"], phase["plan_version"]) == (plan_id, new.version):
        raise Conflict("the subscription is on that plan version already", field="plan")
    if new.plan.currency != old.plan.currency:
        raise InvalidInput(f"the new plan is in {new.plan.currency}, the subscription in "
                           f"{old.plan.currency}", field="plan")
    devices = Decimal(len(registry.list_devices(uow.conn, tenant, row["customer_id"], at)))
    upgrade = _fixed_price(new.plan, devices, row["seats"]) > _fixed_price(old.plan, devices,
                                                                          row["seats"])
    when = when or ("now" if upgrade else "period_end")
    if when not in ("now", "period_end"):
        raise InvalidInput("must be now or period_end", field="when")
    effective = at if when == "now" else _current_period_end(row, old.plan, at)
    if effective == phase["start_ms"]:
        raise Conflict("a plan change already starts at that time", field="plan")
    if when == "now":
        billing.bill_subscription(uow, now_ms, tenant, sub_id, commit=False)
        if _sub(uow, tenant, sub_id)["billed_until_ms"] > effective:
            effective += HOUR_MS  # that boundary is billed already: the change starts after it
        _credit_unused_advance(uow, now_ms, tenant, row, effective, "the plan changed")
    store.close_phase(uow.conn, tenant, sub_id, effective)
    store.insert_phase(uow.conn, {"tenant_id": tenant, "subscription_id": sub_id,
                                  "start_ms": effective, "end_ms": None, "plan_id": plan_id,
                                  "plan_version": new.version})
    store.emit(uow.conn, tenant, f"subscription.changed:{sub_id}:{effective}",
               "subscription.changed",
               {"subscription": sub_id, "from": {"plan": old.plan.id, "version": old.version},
                "to": {"plan": plan_id, "version": new.version}, "effective_ms": effective,
                "direction": "upgrade" if upgrade else "downgrade"}, now_ms)
    if when == "now":
        billing.bill_subscription(uow, now_ms, tenant, sub_id, commit=False)
    uow.commit()
    return get(uow, tenant, sub_id)


def _fixed_price(plan: Plan, devices: Decimal, seats: int) -> Decimal:
    rating = price_period(plan, PeriodInputs(period_index=1, start_ms=0, end_ms=0,
                                             active_devices=devices, seats=seats))
    return sum((line.amount for line in rating.lines if line.kind == "recurring"), Decimal(0))


def _credit_unused_advance(uow: UnitOfWork, now_ms: int, tenant: str, row: Row,
                           effective: int, why: str) -> None:
    """Credit back what was paid in advance for [effective, end of that period): the days from
    `effective` on, the same day-based share billing uses for partial periods."""
    for invoice in store.list_invoices(uow.conn, tenant, subscription_id=row["id"], limit=10_000):
        if invoice["status"] not in ("finalized", "paid"):
            continue
        unused = Fraction(0)  # exact until the one rounding of the credit
        for line in store.invoice_lines_of(uow.conn, tenant, invoice["id"]):
            start, end = line["covers_start_ms"], line["covers_end_ms"]
            if (line["kind"] != "recurring" or start is None or end is None
                    or not start <= effective < end or line["amount_due"] <= 0
                    or json.loads(line["details"]).get("timing") != "in_advance"):
                continue
            share = day_fraction(effective, end, start, end, row["timezone"])
            unused += Fraction(line["amount_due"] + line["tax_due"]) * share
        credit = round_money(unused, invoice["currency"])
        left = invoice["total"] - invoice["credited"]
        if credit > 0 and left > 0:
            credits.issue_credit_note(uow, now_ms, tenant, invoice["id"], {
                "amount": str(min(credit, left)),
                "reason": f"unused part of the period paid in advance: {why}",
                "idempotency_key": f"unused-advance:{row['id']}:{effective}:{invoice['id']}",
            }, commit=False)


def entitlements(uow: UnitOfWork, tenant: str, customer: str, now_ms: int) -> Row:
    """Features and limits the customer's active subscriptions grant now (their union)."""
    if registry.get_customer(uow.conn, tenant, customer) is None:
        raise NotFound(f"no customer {customer!r}", field="customer")
    features: set[str] = set()
    limits: dict[str, Decimal] = {}
    plans: list[Row] = []
    for sub in store.list_subscriptions(uow.conn, tenant, customer):
        if sub["start_ms"] > now_ms or (sub["end_ms"] is not None and sub["end_ms"] <= now_ms) \
                or sub["status"] == "paused":
            continue
        phase = _open_phase(uow, tenant, sub["id"], now_ms)
        plan = load_plan(uow, tenant, phase["plan_id"], phase["plan_version"]).plan
        plans.append({"subscription": sub["id"], "plan": plan.id,
                      "version": phase["plan_version"]})
        features.update(plan.entitlements.features)
        for name, value in plan.entitlements.limits.items():
            limits[name] = max(limits.get(name, value), value)
    return {"customer": customer, "features": sorted(features),
            "limits": {k: str(v) for k, v in sorted(limits.items())}, "plans": plans}
