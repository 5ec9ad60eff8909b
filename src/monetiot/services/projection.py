"""The projected bill: what a customer's current billing period will cost if usage goes on as
it has so far.

For every running subscription of the customer, the period in force now (in the customer's
time zone) is priced with `domain.plans.price_period`, the same rating billing uses, on:
- usage to date (from the later of the period's and the plan phase's start, until now)
  extrapolated linearly to the period's end: `to_date x (end - start) / (now - start)`, for
  meters that add up over time (SUM, COUNT, TIME_WEIGHTED_SUM, connected minutes). MIN, MAX,
  AVG, LATEST and UNIQUE_COUNT are taken as they stand: they do not grow with time;
- the devices assigned now, as if assigned the whole period, and the subscription's seats;
- devices newly assigned in the period so far, and in earlier periods for instalments.
The projection covers the whole period, in-advance charges already invoiced at its start
included. It is an estimate and nothing is stored; the invoice at the period's end is what
counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from monetiot.domain.billing.periods import Period, Schedule, day_fraction
from monetiot.domain.meters import CONNECTED_MINUTES, HOUR_MS, Aggregation
from monetiot.domain.money import QUOTIENT
from monetiot.domain.plans import PeriodInputs, PeriodRating, Plan, price_period
from monetiot.services import billing_inputs, metering
from monetiot.services.catalog import load_plan
from monetiot.services.revenue import running
from monetiot.store import billing as store
from monetiot.store.engine import UnitOfWork

ADDITIVE = (Aggregation.SUM, Aggregation.COUNT, Aggregation.TIME_WEIGHTED_SUM)


@dataclass(frozen=True)
class MeterToDate:
    meter: str
    charge: str  # the usage charge's name
    to_date: Decimal
    projected: Decimal
    extrapolated: bool  # False: a level (MAX, LATEST, ...), taken as it stands


@dataclass(frozen=True)
class Projection:
    subscription: str
    plan: Plan
    version: int
    period: Period
    usage_start_ms: int
    now_ms: int
    in_trial: bool
    usage: tuple[MeterToDate, ...]
    rating: PeriodRating

    @property
    def elapsed(self) -> Decimal:
        """The share of the period gone by, 0 to 1 (for the progress bar)."""
        whole = self.period.end_ms - self.usage_start_ms
        if whole <= 0:
            return Decimal(1)
        return QUOTIENT.divide(Decimal(self.now_ms - self.usage_start_ms), Decimal(whole))


def projected_bills(uow: UnitOfWork, tenant: str, customer: str,
                    now_ms: int) -> list[Projection]:
    out = []
    for sub in store.list_subscriptions(uow.conn, tenant, customer):
        if running(sub, now_ms):
            found = _project(uow, tenant, sub, now_ms)
            if found is not None:
                out.append(found)
    return out


def _project(uow: UnitOfWork, tenant: str, sub: dict[str, Any],
             now_ms: int) -> Projection | None:
    sub_id, customer = str(sub["id"]), str(sub["customer_id"])
    phases = [p for p in store.phases(uow.conn, tenant, sub_id)
              if p["start_ms"] <= now_ms and (p["end_ms"] is None or p["end_ms"] > now_ms)]
    if not phases:
        return None
    phase = phases[-1]
    stored = load_plan(uow, tenant, phase["plan_id"], phase["plan_version"])
    plan = stored.plan
    schedule = Schedule(sub["start_ms"], plan.billing_period.value, sub["anchor"],
                        sub["timezone"])
    period = schedule.period_at(now_ms)
    start = max(period.start_ms, int(phase["start_ms"]))
    trial_end = sub["trial_end_ms"]
    in_trial = trial_end is not None and trial_end >= period.end_ms
    usage = tuple(_meter_to_date(uow, tenant, customer, meter, name, start, period.end_ms,
                                 now_ms)
                  for meter, name in _usage_meters(plan))
    longest = max((c.instalments for c in plan.one_time), default=1)
    earlier = tuple(
        billing_inputs.new_devices(uow, tenant, customer, p.start_ms, p.end_ms)
        for p in (schedule.period(i) for i in range(max(0, period.index - longest + 1),
                                                    period.index)))
    factor = day_fraction(  # exact: rounded once, on the line
        period.start_ms, period.end_ms, schedule.nominal_start_ms(period), period.end_ms,
        sub["timezone"])
    rating = price_period(plan, PeriodInputs(
        period_index=period.index, start_ms=period.start_ms, end_ms=period.end_ms,
        in_trial=in_trial, usage={u.meter: u.projected for u in usage},
        active_devices=billing_inputs.devices_at(uow, tenant, customer, now_ms),
        seats=sub["seats"],
        new_devices=billing_inputs.new_devices(uow, tenant, customer, period.start_ms,
                                               now_ms + 1),
        earlier_new_devices=earlier, period_factor=factor,
    ))
    return Projection(subscription=sub_id, plan=plan, version=stored.version, period=period,
                      usage_start_ms=start, now_ms=now_ms, in_trial=in_trial, usage=usage,
                      rating=rating)


def _usage_meters(plan: Plan) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for charge in plan.usage:
        seen.setdefault(charge.meter, charge.name)
    return list(seen.items())


def _meter_to_date(uow: UnitOfWork, tenant: str, customer: str, meter: str, name: str,
                   start_ms: int, end_ms: int, now_ms: int) -> MeterToDate:
    upto = min(end_ms, -(-now_ms // HOUR_MS) * HOUR_MS)  # usage is kept by whole hours
    rows = metering.usage(uow, tenant, metering.UsageQuery(
        meter=meter, start_ms=start_ms, end_ms=upto, customer=customer),
        now_ms) if upto > start_ms else []
    value = rows[0]["value"] if rows else None
    to_date = value if isinstance(value, Decimal) else Decimal(0)
    additive = meter == CONNECTED_MINUTES or \
        metering.get_meter(uow, tenant, meter).aggregation in ADDITIVE
    elapsed = min(now_ms, end_ms) - start_ms
    if not additive or elapsed <= 0 or now_ms >= end_ms:
        return MeterToDate(meter, name, to_date, to_date, False)
    projected = QUOTIENT.divide(to_date * (end_ms - start_ms), Decimal(elapsed))
    return MeterToDate(meter, name, to_date, projected.normalize(QUOTIENT), True)
