"""An asset's booking rules: how bookings may be made, what cancelling late and not showing cost.

A policy is validated data (`parse_policy` names the field at fault) and a few pure functions of
it and the clock's reading, which callers pass in. Invariants: a booking is a half-open slot
[start, end) of at most `max_booking_hours`, starting no earlier than now; cancelling is free
until `free_cancellation_hours` before the start, then costs the cancellation fee; a booking not
started within `no_show_grace_minutes` of its start is a no-show and costs the no-show fee. A fee
is flat, or a percentage of the booking's estimated price, and is rounded once, half-up, at the
currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import EXACT, fraction_decimal, round_money, to_decimal

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
_HUNDRED = Decimal(100)
_POLICY_KEYS = frozenset({
    "max_booking_hours", "early_start_minutes", "free_cancellation_hours", "cancellation_fee",
    "no_show_grace_minutes", "no_show_fee", "estimated_kw",
})


class FeeKind(StrEnum):
    FLAT = "flat"  # an amount in the tariff's currency
    PERCENT = "percent"  # of the booking's estimated price


@dataclass(frozen=True)
class Fee:
    kind: FeeKind
    value: Decimal

    def amount(self, estimated_price: Decimal, currency: str) -> Decimal:
        if self.kind is FeeKind.FLAT:
            return round_money(self.value, currency)
        # exact until the one rounding (a Decimal division would round at 28 digits first)
        return round_money(Fraction(estimated_price) * Fraction(self.value) / 100, currency)

    def as_doc(self) -> dict[str, str]:
        return {"kind": self.kind.value, "value": format(self.value, "f")}


NO_FEE = Fee(FeeKind.FLAT, Decimal(0))


@dataclass(frozen=True)
class Policy:
    max_booking_hours: int = 24
    early_start_minutes: int = 0  # a booked member may start this long before the slot
    free_cancellation_hours: Decimal = Decimal(24)
    cancellation_fee: Fee = NO_FEE
    no_show_grace_minutes: int = 15
    no_show_fee: Fee = NO_FEE
    estimated_kw: Decimal = Decimal(0)  # average power used to estimate a booking's energy

    def check_slot(self, start_ms: int, end_ms: int, now_ms: int) -> None:
        """A bookable slot: it ends after it starts, lies ahead, and is not too long."""
        if end_ms <= start_ms:
            raise InvalidInput("must be after start", field="end")
        if end_ms - start_ms > self.max_booking_hours * HOUR_MS:
            raise InvalidInput(f"a booking lasts at most {self.max_booking_hours} hours",
                               field="end")
        if start_ms < now_ms - MINUTE_MS:
            raise InvalidInput("is in the past", field="start")

    def may_start(self, start_ms: int, end_ms: int, now_ms: int) -> bool:
        """Whether a booking of [start, end) lets its member start a session at `now_ms`."""
        return start_ms - self.early_start_minutes * MINUTE_MS <= now_ms < end_ms

    def cancellation_charge(self, start_ms: int, now_ms: int, estimated_price: Decimal,
                            currency: str) -> Decimal:
        """What cancelling at `now_ms` costs: nothing until the free window closes."""
        free_until = start_ms - int(EXACT.multiply(self.free_cancellation_hours,
                                                   Decimal(HOUR_MS)))
        if now_ms <= free_until:
            return Decimal(0)
        return self.cancellation_fee.amount(estimated_price, currency)

    def no_show_at(self, start_ms: int) -> int:
        """When a booking that was never started becomes a no-show."""
        return start_ms + self.no_show_grace_minutes * MINUTE_MS

    def no_show_charge(self, estimated_price: Decimal, currency: str) -> Decimal:
        return self.no_show_fee.amount(estimated_price, currency)

    def estimated_kwh(self, start_ms: int, end_ms: int) -> Decimal:
        return fraction_decimal(Fraction(self.estimated_kw) * (end_ms - start_ms) / HOUR_MS)


def parse_policy(doc: object, path: str = "policy") -> Policy:
    """A validated policy from `{"max_booking_hours": 24, "cancellation_fee": {...}, ...}`."""
    if doc is None:
        return Policy()
    if not isinstance(doc, Mapping):
        raise InvalidInput("must be an object", field=path)
    for key in doc:
        if key not in _POLICY_KEYS:
            raise InvalidInput(f"unknown field; expected one of {', '.join(sorted(_POLICY_KEYS))}",
                               field=f"{path}.{key}")
    default = Policy()
    return Policy(
        max_booking_hours=_whole(doc, "max_booking_hours", default.max_booking_hours, path,
                                 minimum=1),
        early_start_minutes=_whole(doc, "early_start_minutes", default.early_start_minutes,
                                   path),
        free_cancellation_hours=_number(doc, "free_cancellation_hours",
                                        default.free_cancellation_hours, path),
        cancellation_fee=_fee(doc.get("cancellation_fee"), f"{path}.cancellation_fee"),
        no_show_grace_minutes=_whole(doc, "no_show_grace_minutes",
                                     default.no_show_grace_minutes, path),
        no_show_fee=_fee(doc.get("no_show_fee"), f"{path}.no_show_fee"),
        estimated_kw=_number(doc, "estimated_kw", default.estimated_kw, path),
    )


def policy_doc(policy: Policy) -> dict[str, object]:
    return {
        "max_booking_hours": policy.max_booking_hours,
        "early_start_minutes": policy.early_start_minutes,
        "free_cancellation_hours": format(policy.free_cancellation_hours, "f"),
        "cancellation_fee": policy.cancellation_fee.as_doc(),
        "no_show_grace_minutes": policy.no_show_grace_minutes,
        "no_show_fee": policy.no_show_fee.as_doc(),
        "estimated_kw": format(policy.estimated_kw, "f"),
    }


def _whole(doc: Mapping[str, object], name: str, default: int, path: str,
           minimum: int = 0) -> int:
    raw = doc.get(name)
    if raw is None:
        return default
    value = to_decimal(raw, f"{path}.{name}")
    if value != value.to_integral_value() or value < minimum or value > 10_000:
        raise InvalidInput(f"must be a whole number from {minimum} to 10000",
                           field=f"{path}.{name}")
    return int(value)


def _number(doc: Mapping[str, object], name: str, default: Decimal, path: str) -> Decimal:
    raw = doc.get(name)
    if raw is None:
        return default
    value = to_decimal(raw, f"{path}.{name}")
    if value < 0:
        raise InvalidInput("must not be negative", field=f"{path}.{name}")
    return value


def _fee(raw: object, path: str) -> Fee:
    if raw is None:
        return NO_FEE
    if not isinstance(raw, Mapping):
        raise InvalidInput('must be {"kind": "flat" | "percent", "value": "..."}', field=path)
    for key in raw:
        if key not in ("kind", "value"):
            raise InvalidInput("unknown field; expected kind or value", field=f"{path}.{key}")
    try:
        kind = FeeKind(str(raw.get("kind", "")))
    except ValueError:
        raise InvalidInput("must be flat or percent", field=f"{path}.kind") from None
    value = to_decimal(raw.get("value"), f"{path}.value")
    if value < 0 or (kind is FeeKind.PERCENT and value > _HUNDRED):
        raise InvalidInput("must be from 0" + (" to 100" if kind is FeeKind.PERCENT else ""),
                           field=f"{path}.value")
    return Fee(kind, value)
