"""Revenue as the console shows it: recurring revenue now (MRR, ARR), and invoiced revenue by
month, by business model and by customer.

Definitions (docs/console.md says the same):
- **MRR** is the sum, over the subscriptions running now (started, not ended, not paused, past
  any trial), of the recurring charges of the plan version in force, priced for the customer's
  devices assigned now and the subscription's seats, divided by the months in the billing period
  (1, 3 or 12) and rounded half-up to the currency's minor unit per subscription. Usage and
  one-time charges are not recurring revenue and are left out. **ARR** is 12 x MRR.
- **Revenue** is the total of finalized (and paid) invoices, counted in the UTC month the
  invoice was finalized. Drafts and voided invoices are left out; credit notes are not
  subtracted. Totals are per currency: amounts in different currencies never add up.
- A plan's **business model** is its `business_model` when the plan names one; otherwise it is
  derived from what it charges: one-time charges only ->
  `product_sale`; recurring only -> `subscription`; usage only -> `pay_per_use`; any mix ->
  `hybrid`; nothing but a minimum commitment -> `other`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from monetiot.domain.billing.periods import MONTHS
from monetiot.domain.money import round_money
from monetiot.domain.plans import RECURRING, PeriodInputs, Plan, price_period
from monetiot.domain.plans.model import BUSINESS_MODELS
from monetiot.services import billing_inputs
from monetiot.services.catalog import PlanVersion, load_plan
from monetiot.store import billing as store
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
ZERO = Decimal(0)
MODELS = (*BUSINESS_MODELS, "other")
COUNTED = ("finalized", "paid")


def business_model(plan: Plan) -> str:
    if plan.business_model is not None:
        return plan.business_model
    parts = [name for name, charges in (("one_time", plan.one_time),
                                        ("recurring", plan.recurring), ("usage", plan.usage))
             if charges]
    if len(parts) > 1:
        return "hybrid"
    return {"one_time": "product_sale", "recurring": "subscription",
            "usage": "pay_per_use"}.get(parts[0] if parts else "", "other")


@dataclass(frozen=True, slots=True)
class Recurring:
    """One running subscription's monthly recurring amount."""

    subscription: str
    customer: str
    plan: str
    version: int
    plan_name: str
    model: str
    currency: str
    billing_period: str
    per_period: Decimal
    monthly: Decimal


class _Plans:
    """Plan versions read once per request."""

    def __init__(self, uow: UnitOfWork, tenant: str) -> None:
        self.uow, self.tenant = uow, tenant
        self._cache: dict[tuple[str, int], PlanVersion] = {}

    def get(self, plan_id: str, version: int) -> PlanVersion:
        key = (plan_id, version)
        if key not in self._cache:
            self._cache[key] = load_plan(self.uow, self.tenant, plan_id, version)
        return self._cache[key]


def _phase_at(phases: list[Row], at_ms: int) -> Row | None:
    found = [p for p in phases if p["start_ms"] <= at_ms
             and (p["end_ms"] is None or p["end_ms"] > at_ms)]
    return found[-1] if found else None


def running(sub: Row, now_ms: int) -> bool:
    """Started, not ended, not paused (a cancellation at period end still runs until then)."""
    return bool(sub["start_ms"] <= now_ms
                and (sub["end_ms"] is None or sub["end_ms"] > now_ms)
                and sub["status"] != "paused")


def recurring(uow: UnitOfWork, tenant: str, now_ms: int,
              customer: str | None = None) -> list[Recurring]:
    """The monthly recurring amount of every running subscription (zero ones included)."""
    plans = _Plans(uow, tenant)
    out: list[Recurring] = []
    for sub in store.list_subscriptions(uow.conn, tenant, customer):
        if not running(sub, now_ms):
            continue
        phase = _phase_at(store.phases(uow.conn, tenant, sub["id"]), now_ms)
        if phase is None:
            continue
        stored = plans.get(phase["plan_id"], phase["plan_version"])
        plan = stored.plan
        in_trial = sub["trial_end_ms"] is not None and sub["trial_end_ms"] > now_ms
        per_period = ZERO
        if not in_trial and plan.recurring:
            devices = billing_inputs.devices_at(uow, tenant, sub["customer_id"], now_ms)
            rating = price_period(plan, PeriodInputs(period_index=1, start_ms=now_ms,
                                                     end_ms=now_ms, active_devices=devices,
                                                     seats=sub["seats"]))
            per_period = sum((line.amount_due for line in rating.lines
                              if line.kind == RECURRING), ZERO)
        months = MONTHS[plan.billing_period.value]
        out.append(Recurring(
            subscription=sub["id"], customer=sub["customer_id"], plan=plan.id,
            version=stored.version, plan_name=plan.name, model=business_model(plan),
            currency=plan.currency, billing_period=plan.billing_period.value,
            per_period=per_period,
            monthly=round_money(Fraction(per_period) / months, plan.currency)))
    return out


def mrr(items: list[Recurring]) -> dict[str, Decimal]:
    """Currency -> MRR."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item in items:
        totals[item.currency] += item.monthly
    return dict(sorted(totals.items()))


def arr(monthly: dict[str, Decimal]) -> dict[str, Decimal]:
    return {currency: value * 12 for currency, value in monthly.items()}


@dataclass(frozen=True)
class MonthlyRevenue:
    """Invoiced revenue in one currency, month by month (`months` are UTC `YYYY-MM`)."""

    currency: str
    months: tuple[str, ...]
    total: tuple[Decimal, ...]
    by_model: dict[str, tuple[Decimal, ...]]
    by_customer: dict[str, tuple[Decimal, ...]]

    def to_date(self) -> Decimal:
        return sum(self.total, ZERO)

    def customer_total(self, customer: str) -> Decimal:
        return sum(self.by_customer.get(customer, ()), ZERO)


def month_of(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m")


def _months(first: str, last: str, cap: int) -> tuple[str, ...]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out[-cap:])


def revenue_by_month(uow: UnitOfWork, tenant: str, now_ms: int, *, months: int = 12,
                     customer: str | None = None) -> list[MonthlyRevenue]:
    """One `MonthlyRevenue` per currency invoiced, over at most the last `months` months."""
    plans = _Plans(uow, tenant)
    phases: dict[str, list[Row]] = {}
    amounts: dict[str, dict[tuple[str, str, str], Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO))
    first: dict[str, str] = {}
    for inv in store.list_invoices(uow.conn, tenant, customer_id=customer, limit=1_000_000):
        if inv["status"] not in COUNTED or inv["finalized_ms"] is None:
            continue
        month = month_of(inv["finalized_ms"])
        model = "other"
        sub_id = inv["subscription_id"]
        if sub_id:
            if sub_id not in phases:
                phases[sub_id] = store.phases(uow.conn, tenant, sub_id)
            phase = _phase_at(phases[sub_id], inv["period_start_ms"]) or (
                phases[sub_id][-1] if phases[sub_id] else None)
            if phase is not None:
                model = business_model(plans.get(phase["plan_id"],
                                                  phase["plan_version"]).plan)
        currency = inv["currency"]
        amounts[currency][(month, model, inv["customer_id"])] += Decimal(inv["total"])
        first[currency] = min(first.get(currency, month), month)
    out = []
    for currency, cells in sorted(amounts.items()):
        labels = _months(first[currency], month_of(now_ms), months)
        index = {m: i for i, m in enumerate(labels)}
        total = [ZERO] * len(labels)
        models: dict[str, list[Decimal]] = {}
        customers: dict[str, list[Decimal]] = {}
        for (month, model, cust), value in cells.items():
            if month not in index:
                continue
            i = index[month]
            total[i] += value
            models.setdefault(model, [ZERO] * len(labels))[i] += value
            customers.setdefault(cust, [ZERO] * len(labels))[i] += value
        out.append(MonthlyRevenue(
            currency=currency, months=labels, total=tuple(total),
            by_model={m: tuple(models[m]) for m in MODELS if m in models},
            by_customer={c: tuple(v) for c, v in sorted(customers.items())}))
    return out
