"""Replay: the usage history priced under a model's plan by the real pricing engine.

Each profile of the history is one customer. For every month of a customer's life (its *age*,
0 = the month it was won) the profile's usage of that month is rated with
`domain.plans.price_period`, exactly as billing rates a period: period index = age, one device
(active the whole month, new in month 0), one seat, the usage of the month (plus, with an
outcome, the measured savings: the outcome meter's usage x savings per unit, as the quantity
of `outcome_savings`). What the replay keeps is summed over the profiles, per age.

Invariants: the bill of a month is the rating's total (lines rounded once each, as invoices);
a profile shorter than the horizon repeats from its first month; months fully inside a plan's
trial (trial_days // 30) are rated as trial months; sums are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from monetiot.domain.advisor.history import Profile, UsageHistory
from monetiot.domain.advisor.models import SAVINGS_METER
from monetiot.domain.money import EXACT, QUOTIENT
from monetiot.domain.plans import PeriodInputs, PeriodRating, Plan, price_period

ZERO = Decimal(0)
TRIAL_MONTH_DAYS = 30


@dataclass(frozen=True)
class LifeMonth:
    """One month of life, summed over the profiles (each profile one customer)."""

    billed: Decimal  # what the customers are billed: the ratings' totals
    bills: int  # customers with a bill above zero
    data_mb: Decimal  # usage of the data meter
    events: Decimal  # usage of the events meter


@dataclass(frozen=True)
class Replay:
    plan_id: str
    profiles: int
    months: tuple[LifeMonth, ...]  # ages 0 .. horizon - 1


@dataclass(frozen=True, kw_only=True)
class ReplayInputs:
    """What the replay needs besides the plan and the history."""

    horizon_months: int
    data_meter: str | None = None
    events_meter: str | None = None
    outcome_meter: str | None = None
    savings_per_unit: Decimal = ZERO
    devices_per_customer: Decimal = Decimal(1)  # 1 / customers per asset


def replay(plan: Plan, history: UsageHistory, given: ReplayInputs) -> Replay:
    horizon = range(given.horizon_months)
    billed, bills = [ZERO for _ in horizon], [0 for _ in horizon]
    data, events = [ZERO for _ in horizon], [ZERO for _ in horizon]
    cache: dict[tuple[int, tuple[tuple[str, Decimal], ...]], Decimal] = {}
    # From this age on, the period index no longer changes what a plan charges.
    settled = max([1, plan.trial_days // TRIAL_MONTH_DAYS,
                   *(c.instalments for c in plan.one_time)])
    for profile in history.profiles:
        months = [usage_of(profile, i, given) for i in range(len(profile.months))]
        keys = [tuple(sorted(usage.items())) for usage in months]
        for age in horizon:
            usage, key = months[age % len(months)], (min(age, settled), keys[age % len(months)])
            bill = cache.get(key)
            if bill is None:
                bill = cache[key] = rate(plan, usage, age, given.devices_per_customer).total
            billed[age] = EXACT.add(billed[age], bill)
            bills[age] += 1 if bill > 0 else 0
            if given.data_meter is not None:
                data[age] = EXACT.add(data[age], usage.get(given.data_meter, ZERO))
            if given.events_meter is not None:
                events[age] = EXACT.add(events[age], usage.get(given.events_meter, ZERO))
    return Replay(plan_id=plan.id, profiles=len(history.profiles), months=tuple(
        LifeMonth(billed=billed[a], bills=bills[a], data_mb=data[a], events=events[a])
        for a in horizon))


def usage_of(profile: Profile, age: int, given: ReplayInputs) -> dict[str, Decimal]:
    """The profile's usage in month `age`, with the measured savings when there is an outcome."""
    usage = dict(profile.usage_at(age))
    if given.outcome_meter is not None:
        usage[SAVINGS_METER] = EXACT.multiply(usage.get(given.outcome_meter, ZERO),
                                              given.savings_per_unit)
    return usage


def rate(plan: Plan, usage: Mapping[str, Decimal], age: int,
         devices: Decimal = Decimal(1)) -> PeriodRating:
    """The rating of month `age` of a customer (`devices` device-periods) who used `usage`."""
    return price_period(plan, period_inputs(plan, usage, age, devices))


def period_inputs(plan: Plan, usage: Mapping[str, Decimal], age: int,
                  devices: Decimal = Decimal(1)) -> PeriodInputs:
    """What billing would know about month `age` of a customer with one device from month 0."""
    longest = max([1, *(c.instalments for c in plan.one_time)])
    earlier = min(age, longest - 1)
    return PeriodInputs(
        period_index=age, start_ms=0, end_ms=0,
        in_trial=age < plan.trial_days // TRIAL_MONTH_DAYS,
        usage=dict(usage),
        active_devices=devices if devices == 1 else QUOTIENT.plus(devices),
        seats=1,
        new_devices=1 if age == 0 else 0,
        earlier_new_devices=tuple(1 if age - earlier + i == 0 else 0 for i in range(earlier)),
    )
