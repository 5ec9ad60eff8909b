"""Measuring and pricing one period of an outcome contract, and the preview of all of them.

IPMVP, per reporting period: adjusted baseline = the baseline model at the period's conditions
+ its non-routine adjustments; savings = adjusted baseline - actual use; then the contract's
pricing turns savings (or, for an SLA, availability) into a fee. Invariants:
- the same function computes a preview and a settlement, so the invoice line's figures are the
  preview's figures (`period_json` is what both show);
- quantities are exact decimals, written with every significant digit and no trailing zeros;
  model figures have `PLACES` decimals; `fee` is exact and `fee_due` is it rounded once, half
  up, at the currency's minor unit (what the invoice line charges);
- cumulative figures add this period to those of the periods before it (`Running`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from monetiot.domain.clock import iso_from_ms
from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import EXACT, round_money
from monetiot.domain.outcomes import pricing as fees
from monetiot.domain.outcomes.contract import (
    Adjustment,
    Contract,
    FixedBaseline,
    GuaranteedSavings,
    ReportingPeriod,
    SharedSavings,
    Sla,
)
from monetiot.domain.outcomes.regression import Fit, Observation, fit
from monetiot.domain.timetext import period_text

MINUTE_MS = 60_000
ZERO = Decimal(0)
Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FixedModel:
    """A fixed baseline: the same agreed use in every reporting period."""

    value: Decimal

    def predict(self, _conditions: Mapping[str, Decimal]) -> Decimal:
        return self.value


Model = Fit | FixedModel


@dataclass(frozen=True, slots=True)
class Running:
    """Cumulative figures of the periods before this one."""

    savings: Decimal = ZERO
    fee_due: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class PeriodOutcome:
    start_ms: int
    end_ms: int
    fee: Decimal  # exact; negative for a credit
    fee_due: Decimal  # rounded once: the invoice line's amount
    running: Running  # cumulative, this period included
    savings: Decimal | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    description: str = ""
    doc: Json = field(default_factory=dict)


def model_of(contract: Contract) -> Model | None:
    """The baseline model: fitted by OLS, or fixed; None for an SLA."""
    baseline = contract.baseline
    if baseline is None:
        return None
    if isinstance(baseline, FixedBaseline):
        return FixedModel(baseline.value)
    return fit([Observation(p.use, p.variables) for p in baseline.periods], baseline.variables,
               baseline.interval)


def period_outcome(contract: Contract, model: Model | None, period: ReportingPeriod,
                   adjustments: Sequence[Adjustment], before: Running,
                   at: str = "") -> PeriodOutcome:
    """The outcome of one period, from its conditions and its actual use (or heartbeats);
    errors name fields under `at` (`reporting[2]`), or at the top when it is empty."""
    if isinstance(contract.pricing, Sla):
        return _sla(contract, contract.pricing, period, before, at)
    if model is None:  # parse_contract guarantees a baseline for the savings forms
        raise InvalidInput("required", field="baseline")
    conditions = _conditions(model, period, at)
    routine = model.predict(conditions)
    adjusted = routine
    for a in adjustments:
        adjusted = EXACT.add(adjusted, a.amount)
    if period.actual is None:
        raise InvalidInput("required: the period's actual use", field=_field(at, "actual"))
    savings = EXACT.subtract(adjusted, period.actual)
    fee = (fees.shared_savings(contract.pricing, savings)
           if isinstance(contract.pricing, SharedSavings)
           else fees.guaranteed_savings(contract.pricing, savings))
    due = round_money(fee.amount, contract.currency)
    running = Running(EXACT.add(before.savings, savings), EXACT.add(before.fee_due, due))
    warnings = model.outside_range(conditions) if isinstance(model, Fit) else []
    doc: Json = {
        **_span(period),
        "variables": {k: qty(v) for k, v in conditions.items()},
        "baseline": qty(routine),
        "adjustments": [{"amount": qty(a.amount), "reason": a.reason} for a in adjustments],
        "adjusted_baseline": qty(adjusted),
        "actual": qty(period.actual),
        "savings": qty(savings),
        "cumulative_savings": qty(running.savings),
        "fee": qty(fee.amount),
        "fee_due": format(due, "f"),
        "cumulative_fee_due": format(running.fee_due, "f"),
        "pricing": _steps(fee.steps),
        "warnings": warnings,
    }
    quantity, unit_price = None, None
    if isinstance(contract.pricing, SharedSavings) and fee.limited_by is None:
        quantity = tidy(savings)
        unit_price = tidy(fees.percent_of(contract.pricing.unit_value,
                                          contract.pricing.share_percent))
    return PeriodOutcome(period.start_ms, period.end_ms, tidy(fee.amount), due, running,
                         tidy(savings), quantity, unit_price,
                         _describe(contract, period, savings, fee), doc)


def _conditions(model: Model, period: ReportingPeriod, at: str) -> dict[str, Decimal]:
    given = dict(period.variables or {})
    if not isinstance(model, Fit):
        return given
    for name in given:
        if name not in model.variables:
            raise InvalidInput(f"not a variable of the baseline model "
                               f"({', '.join(model.variables) or 'none'})",
                               field=_field(at, f"variables.{name}"))
    for name in model.variables:
        if name not in given:
            raise InvalidInput("required: the period's conditions for the baseline model",
                               field=_field(at, f"variables.{name}"))
    return {name: given[name] for name in model.variables}


def _sla(contract: Contract, sla: Sla, period: ReportingPeriod, before: Running,
         at: str) -> PeriodOutcome:
    slot_ms = sla.heartbeat_minutes * MINUTE_MS
    if (period.end_ms - period.start_ms) % slot_ms:
        raise InvalidInput(f"the period must be whole {sla.heartbeat_minutes}-minute "
                           "heartbeat intervals", field=_field(at, "end"))
    possible = (period.end_ms - period.start_ms) // MINUTE_MS * len(sla.devices)
    if (period.connected_minutes is None) == (period.availability is None):
        raise InvalidInput("give connected_minutes or availability, one of them",
                           field=_field(at, "connected_minutes"))
    if period.connected_minutes is not None:
        if period.connected_minutes > possible:
            raise InvalidInput(f"more than the {possible} device-minutes of the period",
                               field=_field(at, "connected_minutes"))
        percent = fees.availability(period.connected_minutes, possible)
    else:
        percent = Fraction(period.availability or ZERO)
    fee = fees.sla(sla, percent)
    due = round_money(fee.amount, contract.currency)
    running = Running(before.savings, EXACT.add(before.fee_due, due))
    doc: Json = {
        **_span(period),
        "devices": list(sla.devices),
        "heartbeat_minutes": sla.heartbeat_minutes,
        "connected_minutes": None if period.connected_minutes is None
        else qty(period.connected_minutes),
        "possible_minutes": possible,
        "availability": format(fees.published(percent), "f"),
        "fee": qty(fee.amount),
        "fee_due": format(due, "f"),
        "cumulative_fee_due": format(running.fee_due, "f"),
        "pricing": _steps(fee.steps),
        "warnings": [],
    }
    credit = fee.band.credit_percent if fee.band else ZERO
    description = (f"SLA {_label(contract)} {_dates(period)}: availability "
                   f"{qty(fees.published(percent))} %, service credit {qty(credit)} %")
    return PeriodOutcome(period.start_ms, period.end_ms, tidy(fee.amount), due, running,
                         description=description, doc=doc)


def _describe(contract: Contract, period: ReportingPeriod, savings: Decimal,
              fee: fees.Fee) -> str:
    unit = f" {contract.unit}" if contract.unit else ""
    where = f"{_label(contract)} {_dates(period)}"
    pricing = contract.pricing
    if isinstance(pricing, GuaranteedSavings):
        if fee.shortfall > 0:
            return (f"Guaranteed savings {where}: {qty(savings)}{unit} saved, "
                    f"{qty(fee.shortfall)}{unit} short of the guarantee, credited")
        return f"Guaranteed savings {where}: {qty(savings)}{unit} saved"
    per = f"/{contract.unit}" if contract.unit else ""
    share = pricing.share_percent if isinstance(pricing, SharedSavings) else ZERO
    value = pricing.unit_value if isinstance(pricing, SharedSavings) else ZERO
    return (f"Shared savings {where}: {qty(savings)}{unit} saved, {qty(share)} % at "
            f"{qty(value)} {contract.currency}{per}")


def _field(at: str, name: str) -> str:
    return f"{at}.{name}" if at else name


def _label(contract: Contract) -> str:
    return contract.description or contract.id


def _dates(period: ReportingPeriod) -> str:
    return period_text(period.start_ms, period.end_ms)


def _span(period: ReportingPeriod) -> Json:
    return {"start": iso_from_ms(period.start_ms), "end": iso_from_ms(period.end_ms)}


def _steps(steps: Mapping[str, object]) -> Json:
    return {k: (qty(v) if isinstance(v, Decimal)
                else _steps(v) if isinstance(v, Mapping) else v) for k, v in steps.items()}


def qty(value: Decimal) -> str:
    """An exact quantity as text: every significant digit, no exponent, no trailing zeros."""
    if value.is_zero():
        return "0"
    return format(value.normalize(EXACT), "f")


def tidy(value: Decimal) -> Decimal:
    """The same number without trailing zeros: what `qty` writes, as a Decimal."""
    return Decimal(qty(value))


def model_json(model: Model | None) -> Json | None:
    if model is None:
        return None
    if isinstance(model, FixedModel):
        return {"type": "fixed", "value": qty(model.value)}
    t = model.thresholds

    def shown(value: Decimal | None) -> str | None:
        return None if value is None else format(value, "f")

    return {
        "type": "regression",
        "interval": t.interval,
        "variables": list(model.variables),
        "n": model.n,
        "p": model.p,
        "degrees_of_freedom": model.n - model.p,
        "intercept": format(model.intercept, "f"),
        "coefficients": {k: format(v, "f") for k, v in model.coefficients.items()},
        "mean": format(model.mean, "f"),
        "rmse": format(model.rmse, "f"),
        "r2": shown(model.r2),
        "cv_rmse": shown(model.cv_rmse),
        "nmbe": shown(model.nmbe),
        "thresholds": {"cv_rmse": qty(t.cv_rmse), "nmbe": qty(t.nmbe), "r2": qty(t.r2)},
        "meets_guideline_14": model.meets_guideline_14,
        "warnings": model.warnings(),
    }


def contract_json(contract: Contract, model: Model | None) -> Json:
    """What every period's figures are read with: the contract, its form and its model."""
    return {"contract": contract.id, "form": contract.form, "currency": contract.currency,
            "unit": contract.unit, "model": model_json(model)}


def preview(contract: Contract) -> Json:
    """Every reporting period's outcome from its inline actuals, and the totals."""
    if not contract.reporting:
        raise InvalidInput("at least one period to preview", field="reporting")
    model = model_of(contract)
    running = Running()
    outcomes = []
    for i, period in enumerate(contract.reporting):
        outcome = period_outcome(contract, model, period,
                                 contract.adjustments_for(period.start_ms), running,
                                 f"reporting[{i}]")
        running = outcome.running
        outcomes.append(outcome)
    total: Json = {}
    if model is not None:
        for name in ("adjusted_baseline", "actual", "savings"):
            total[name] = qty(_sum(Decimal(o.doc[name]) for o in outcomes))
    total["fee"] = qty(_sum(o.fee for o in outcomes))
    total["fee_due"] = format(running.fee_due, "f")
    head = contract_json(contract, model)
    warnings = [*(head["model"] or {}).get("warnings", []),
                *(f"{o.doc['start'][:10]}: {w}" for o in outcomes for w in o.doc["warnings"])]
    return {**head, "customer": contract.customer,
            "periods": [o.doc for o in outcomes], "total": total, "warnings": warnings}


def _sum(values: Any) -> Decimal:
    total = ZERO
    for v in values:
        total = EXACT.add(total, v)
    return total
