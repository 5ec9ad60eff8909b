"""What billing needs to know about one slice of a subscription, read from the store.

Usage comes from the meters' rollups, devices from the customer's assignment history: a device
is *active* for a customer while it is assigned to it, counted in local days of the customer's
time zone like every other share of a period (`domain.billing.periods.day_share`), and a device
is *new* in the slice in which its assignment to the customer starts. Device counts are exact
`Fraction`s: billing rounds a line once, from them.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from monetiot.domain.billing.periods import day_share
from monetiot.domain.billing.subscriptions import Slice
from monetiot.domain.money import fraction_decimal
from monetiot.domain.plans import Plan
from monetiot.services import metering
from monetiot.store import registry
from monetiot.store.engine import UnitOfWork


def decimal(value: Fraction) -> Decimal:
    """A share shown as a decimal (exact when it terminates); never rounded from again."""
    return fraction_decimal(value)


def usage(uow: UnitOfWork, tenant: str, customer: str, plan: Plan, start_ms: int, end_ms: int,
          now_ms: int) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    if end_ms <= start_ms:
        return {charge.meter: Decimal(0) for charge in plan.usage}
    for charge in plan.usage:
        if charge.meter in out:
            continue
        rows = metering.usage(uow, tenant, metering.UsageQuery(
            meter=charge.meter, start_ms=start_ms, end_ms=end_ms, customer=customer), now_ms,
            known_customer=True)
        value = rows[0]["value"] if rows else None
        out[charge.meter] = value if isinstance(value, Decimal) else Decimal(0)
    return out


def device_periods(uow: UnitOfWork, tenant: str, customer: str,
                   intervals: list[tuple[int, int]], whole: tuple[int, int], tz: str) -> Fraction:
    """Time-weighted devices: the device-days within `intervals` over the days of the whole
    period [start, end), counted like a flat fee's share (the day an assignment starts on counts
    for it, the day it ends on does not)."""
    parts: list[tuple[int, int]] = []
    for start_ms, end_ms in intervals:
        for a in _assignments(uow, tenant, customer, start_ms, end_ms) if end_ms > start_ms \
                else []:
            hi = end_ms if a["valid_to_ms"] is None else min(end_ms, a["valid_to_ms"])
            lo = max(start_ms, a["valid_from_ms"])
            if hi > lo:
                parts.append((lo, hi))
    return day_share(parts, whole[0], whole[1], tz)


def devices_at(uow: UnitOfWork, tenant: str, customer: str, at_ms: int) -> Decimal:
    return Decimal(len({a["device_id"] for a in _assignments(uow, tenant, customer, at_ms,
                                                             at_ms + 1)}))


def devices_during(uow: UnitOfWork, tenant: str, customer: str, start_ms: int,
                   end_ms: int) -> int:
    """Distinct devices assigned to the customer at some time in [start, end)."""
    return len({a["device_id"] for a in _assignments(uow, tenant, customer, start_ms, end_ms)})


def new_devices(uow: UnitOfWork, tenant: str, customer: str, start_ms: int, end_ms: int) -> int:
    return sum(1 for a in _assignments(uow, tenant, customer, start_ms, end_ms)
               if start_ms <= a["valid_from_ms"] < end_ms)


def earlier_new_devices(uow: UnitOfWork, tenant: str, customer: str, earlier: list[Slice],
                        ) -> tuple[int, ...]:
    return tuple(new_devices(uow, tenant, customer, s.start_ms, s.end_ms) for s in earlier)


def _assignments(uow: UnitOfWork, tenant: str, customer: str, start_ms: int,
                 end_ms: int) -> list[dict[str, Any]]:
    return registry.customer_assignments(uow.conn, tenant, customer, start_ms, end_ms)
