"""Outcome contracts: what is measured, the baseline it is measured against, how it is priced.

A contract document (JSON or YAML, docs/outcomes.md) becomes a frozen `Contract`. Invariants:
- savings forms (`shared_savings`, `guaranteed_savings`) have a baseline, `regression` (fitted
  on baseline periods whose variables all name the same independent variables) or `fixed`;
  the `sla` form has an `sla` section (devices, availability bands from 0 up, a fee) instead;
- reporting periods end after they start and do not overlap; they are kept in time order;
- every non-routine adjustment names a reporting period (by its start) and gives a reason;
- every error names the field path at fault (`pricing.share_percent`, `reporting[1].end`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import currency_exponent
from monetiot.domain.outcomes import reading as r

SHARED_SAVINGS = "shared_savings"
GUARANTEED_SAVINGS = "guaranteed_savings"
SLA = "sla"
FORMS = (SHARED_SAVINGS, GUARANTEED_SAVINGS, SLA)

_TOP = {"id", "customer", "description", "meter", "unit", "baseline", "reporting",
        "adjustments", "pricing", "sla"}


@dataclass(frozen=True, slots=True)
class BaselinePeriod:
    start_ms: int
    end_ms: int
    use: Decimal
    variables: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class RegressionBaseline:
    """use = intercept + sum(coefficient x variable), fitted on `periods` by OLS."""

    periods: tuple[BaselinePeriod, ...]
    variables: tuple[str, ...]
    interval: str = "monthly"  # which Guideline 14 thresholds apply: monthly | hourly


@dataclass(frozen=True, slots=True)
class FixedBaseline:
    """The agreed use per reporting period, whatever the conditions."""

    value: Decimal


Baseline = RegressionBaseline | FixedBaseline


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A non-routine adjustment of one period's baseline (a static factor changed)."""

    period_start_ms: int
    amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class ReportingPeriod:
    """A period whose outcome is priced; `actual`, `availability` and `connected_minutes` are
    given inline for a preview, and read from the store when a period is settled."""

    start_ms: int
    end_ms: int
    variables: Mapping[str, Decimal] | None = None
    actual: Decimal | None = None
    availability: Decimal | None = None
    connected_minutes: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SharedSavings:
    """fee = share % x savings x unit value, limited to [floor, cap] per period."""

    currency: str
    share_percent: Decimal
    unit_value: Decimal
    floor: Decimal = Decimal(0)
    cap: Decimal | None = None
    form: str = SHARED_SAVINGS


@dataclass(frozen=True, slots=True)
class GuaranteedSavings:
    """fee + share % of savings above the guarantee x unit value - shortfall x unit value,
    limited to [floor, cap] per period when they are given (a credit is a negative fee)."""

    currency: str
    guarantee: Decimal
    unit_value: Decimal
    fee: Decimal = Decimal(0)
    share_percent: Decimal = Decimal(0)
    floor: Decimal | None = None
    cap: Decimal | None = None
    form: str = GUARANTEED_SAVINGS


@dataclass(frozen=True, slots=True)
class Band:
    min_availability: Decimal
    credit_percent: Decimal


@dataclass(frozen=True, slots=True)
class Sla:
    """Availability of `devices` from their heartbeats; the service credit of the band the
    availability falls in is taken off `fee` (or, with `bill_fee` false, billed on its own)."""

    currency: str
    devices: tuple[str, ...]
    bands: tuple[Band, ...]  # highest min_availability first; the last one starts at 0
    fee: Decimal
    heartbeat_minutes: int = 1
    bill_fee: bool = True
    form: str = SLA


Pricing = SharedSavings | GuaranteedSavings | Sla


@dataclass(frozen=True, slots=True)
class Contract:
    id: str
    customer: str | None
    description: str | None
    meter: str | None
    unit: str
    baseline: Baseline | None
    reporting: tuple[ReportingPeriod, ...]
    adjustments: tuple[Adjustment, ...]
    pricing: Pricing

    @property
    def form(self) -> str:
        return self.pricing.form

    @property
    def currency(self) -> str:
        return self.pricing.currency

    def period(self, start_ms: int, end_ms: int) -> ReportingPeriod | None:
        return next((p for p in self.reporting
                     if p.start_ms == start_ms and p.end_ms == end_ms), None)

    def adjustments_for(self, start_ms: int) -> tuple[Adjustment, ...]:
        return tuple(a for a in self.adjustments if a.period_start_ms == start_ms)


def parse_contract(document: object) -> Contract:
    doc = r.obj(document, "contract")
    r.only(doc, _TOP, "")
    pricing = _pricing(doc)
    baseline = None
    if pricing.form != SLA:
        if doc.get("baseline") is None:
            raise InvalidInput(f"required for {pricing.form}", field="baseline")
        baseline = _baseline(doc["baseline"])
    elif doc.get("baseline") is not None:
        raise InvalidInput("an sla contract prices availability, not savings: no baseline",
                           field="baseline")
    reporting = _reporting(doc.get("reporting", []))
    return Contract(
        id=r.identifier(doc.get("id"), "id"),
        customer=None if doc.get("customer") is None else r.identifier(doc["customer"],
                                                                        "customer"),
        description=None if doc.get("description") is None
        else r.text(doc["description"], "description"),
        meter=None if doc.get("meter") is None else r.identifier(doc["meter"], "meter"),
        unit="" if doc.get("unit") is None else r.text(doc["unit"], "unit", max_length=20),
        baseline=baseline,
        reporting=reporting,
        adjustments=_adjustments(doc.get("adjustments", []), reporting),
        pricing=pricing,
    )


def _baseline(value: object) -> Baseline:
    doc = r.obj(value, "baseline")
    kind = doc.get("type")
    if kind == "fixed":
        r.only(doc, {"type", "value"}, "baseline")
        return FixedBaseline(r.number(doc.get("value"), "baseline.value"))
    if kind != "regression":
        raise InvalidInput("must be regression or fixed", field="baseline.type")
    r.only(doc, {"type", "interval", "variables", "periods"}, "baseline")
    periods = []
    for i, item in enumerate(r.items(doc.get("periods"), "baseline.periods")):
        at = f"baseline.periods[{i}]"
        p = r.obj(item, at)
        r.only(p, {"start", "end", "use", "variables"}, at)
        start, end = _span(p, at)
        periods.append(BaselinePeriod(start, end, r.number(p.get("use"), f"{at}.use"),
                                      r.variables(p.get("variables"), f"{at}.variables")))
    if not periods:
        raise InvalidInput("at least one baseline period", field="baseline.periods")
    if doc.get("variables") is None:
        names = tuple(periods[0].variables)
    else:
        listed = r.items(doc["variables"], "baseline.variables")
        names = tuple(r.identifier(v, f"baseline.variables[{i}]")
                      for i, v in enumerate(listed))
    if len(set(names)) != len(names):
        raise InvalidInput("each variable once", field="baseline.variables")
    for i, period in enumerate(periods):
        if set(period.variables) != set(names):
            raise InvalidInput(f"must give exactly the variables {', '.join(names) or '(none)'}",
                               field=f"baseline.periods[{i}].variables")
    interval = doc.get("interval", "monthly")
    if interval not in ("monthly", "hourly"):
        raise InvalidInput("must be monthly or hourly (the ASHRAE Guideline 14 thresholds)",
                           field="baseline.interval")
    return RegressionBaseline(tuple(periods), names, str(interval))


def _reporting(value: object) -> tuple[ReportingPeriod, ...]:
    periods = []
    for i, item in enumerate(r.items(value, "reporting")):
        at = f"reporting[{i}]"
        p = r.obj(item, at)
        r.only(p, {"start", "end", "variables", "actual", "availability", "connected_minutes"},
               at)
        start, end = _span(p, at)
        availability = r.optional_number(p.get("availability"), f"{at}.availability")
        if availability is not None:
            r.percent(availability, f"{at}.availability")
        minutes = r.optional_number(p.get("connected_minutes"), f"{at}.connected_minutes")
        if minutes is not None and minutes < 0:
            raise InvalidInput("must not be negative", field=f"{at}.connected_minutes")
        periods.append(ReportingPeriod(
            start, end,
            None if p.get("variables") is None
            else r.variables(p["variables"], f"{at}.variables"),
            r.optional_number(p.get("actual"), f"{at}.actual"), availability, minutes))
    ordered = sorted(periods, key=lambda p: p.start_ms)
    for before, after in pairwise(ordered):
        if after.start_ms < before.end_ms:
            raise InvalidInput("reporting periods must not overlap",
                               field=f"reporting[{periods.index(after)}].start")
    return tuple(ordered)


def _adjustments(value: object, reporting: tuple[ReportingPeriod, ...]) -> tuple[Adjustment, ...]:
    starts = {p.start_ms for p in reporting}
    out = []
    for i, item in enumerate(r.items(value, "adjustments")):
        adjustment = parse_adjustment(item, f"adjustments[{i}]", period_required=True)
        if adjustment.period_start_ms not in starts:
            raise InvalidInput("must be the start of a reporting period",
                               field=f"adjustments[{i}].period")
        out.append(adjustment)
    return tuple(out)


def parse_adjustment(value: object, at: str, *, period_required: bool,
                     period_start_ms: int = 0) -> Adjustment:
    """`{period, amount, reason}`; when settling one period, `period` may be left out."""
    a = r.obj(value, at)
    r.only(a, {"period", "amount", "reason"}, at)
    start = (r.time_ms(a.get("period"), f"{at}.period")
             if period_required or a.get("period") is not None else period_start_ms)
    return Adjustment(start, r.number(a.get("amount"), f"{at}.amount"),
                      r.text(a.get("reason"), f"{at}.reason", max_length=500))


def _span(doc: Mapping[str, Any], at: str) -> tuple[int, int]:
    start = r.time_ms(doc.get("start"), f"{at}.start")
    end = r.time_ms(doc.get("end"), f"{at}.end")
    if end <= start:
        raise InvalidInput("must be after start", field=f"{at}.end")
    return start, end


def _pricing(doc: Mapping[str, Any]) -> Pricing:
    p = r.obj(doc.get("pricing"), "pricing")
    form = p.get("form")
    if form not in FORMS:
        raise InvalidInput(f"must be one of {', '.join(FORMS)}", field="pricing.form")
    currency = r.text(p.get("currency"), "pricing.currency").upper()
    currency_exponent(currency)
    if form == SLA:
        r.only(p, {"form", "currency"}, "pricing")
        return _sla(doc.get("sla"), currency)
    if doc.get("sla") is not None:
        raise InvalidInput(f"only for the sla form, not {form}", field="sla")
    if form == SHARED_SAVINGS:
        r.only(p, {"form", "currency", "share_percent", "unit_value", "floor", "cap"}, "pricing")
        floor = r.optional_number(p.get("floor"), "pricing.floor")
        shared = SharedSavings(currency, r.percent(p.get("share_percent"),
                                                   "pricing.share_percent"),
                               _unit_value(p), Decimal(0) if floor is None else floor,
                               r.optional_number(p.get("cap"), "pricing.cap"))
        _check_limits(shared.floor, shared.cap)
        return shared
    r.only(p, {"form", "currency", "guarantee", "unit_value", "fee", "share_percent", "floor",
               "cap"}, "pricing")
    guaranteed = GuaranteedSavings(
        currency, r.number(p.get("guarantee"), "pricing.guarantee"), _unit_value(p),
        r.number(p.get("fee", 0), "pricing.fee"),
        r.percent(p.get("share_percent", 0), "pricing.share_percent"),
        r.optional_number(p.get("floor"), "pricing.floor"),
        r.optional_number(p.get("cap"), "pricing.cap"))
    _check_limits(guaranteed.floor, guaranteed.cap)
    return guaranteed


def _unit_value(p: Mapping[str, Any]) -> Decimal:
    value = r.number(p.get("unit_value"), "pricing.unit_value")
    if value < 0:
        raise InvalidInput("must not be negative", field="pricing.unit_value")
    return value


def _check_limits(floor: Decimal | None, cap: Decimal | None) -> None:
    if floor is not None and cap is not None and cap < floor:
        raise InvalidInput("must not be below the floor", field="pricing.cap")


def _sla(value: object, currency: str) -> Sla:
    s = r.obj(value, "sla")
    r.only(s, {"device", "devices", "bands", "fee", "heartbeat_minutes", "bill_fee"}, "sla")
    if (s.get("device") is None) == (s.get("devices") is None):
        raise InvalidInput("give `device` or `devices`, one of them", field="sla.devices")
    if s.get("device") is not None:
        devices: tuple[str, ...] = (r.identifier(s["device"], "sla.device"),)
    else:
        devices = tuple(r.identifier(d, f"sla.devices[{i}]")
                        for i, d in enumerate(r.items(s["devices"], "sla.devices")))
    if not devices or len(set(devices)) != len(devices):
        raise InvalidInput("one or more devices, each once", field="sla.devices")
    bands = []
    for i, item in enumerate(r.items(s.get("bands"), "sla.bands")):
        b = r.obj(item, f"sla.bands[{i}]")
        r.only(b, {"min_availability", "credit_percent"}, f"sla.bands[{i}]")
        bands.append(Band(r.percent(b.get("min_availability"),
                                    f"sla.bands[{i}].min_availability"),
                          r.percent(b.get("credit_percent"), f"sla.bands[{i}].credit_percent")))
    ordered = sorted(bands, key=lambda b: b.min_availability, reverse=True)
    if not ordered or ordered[-1].min_availability != 0:
        raise InvalidInput("the lowest band must start at min_availability 0, so that every "
                           "availability has a band", field="sla.bands")
    if len({b.min_availability for b in ordered}) != len(ordered):
        raise InvalidInput("each min_availability once", field="sla.bands")
    minutes = r.number(s.get("heartbeat_minutes", 1), "sla.heartbeat_minutes")
    if minutes not in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60):
        raise InvalidInput("must be a whole number of minutes that divides an hour",
                           field="sla.heartbeat_minutes")
    fee = r.number(s.get("fee"), "sla.fee")
    if fee < 0:
        raise InvalidInput("must not be negative", field="sla.fee")
    bill_fee = s.get("bill_fee", True)
    if not isinstance(bill_fee, bool):
        raise InvalidInput("must be true or false", field="sla.bill_fee")
    return Sla(currency, devices, tuple(ordered), fee, int(minutes), bill_fee)
