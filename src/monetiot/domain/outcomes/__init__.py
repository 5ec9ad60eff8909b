"""Outcome-based pricing: customers pay for results (docs/outcomes.md).

`parse_contract(document)` reads an outcome contract (what is measured, the baseline, how the
result is priced); `model_of(contract)` fits its baseline model by exact OLS and reports its
quality against ASHRAE Guideline 14; `period_outcome(...)` measures and prices one period the
IPMVP way (adjusted baseline, savings, fee; or availability and service credits for an SLA);
`preview(contract)` does every reporting period from inline actuals. Pure: standard library and
`monetiot.domain` only.
"""

from monetiot.domain.outcomes.contract import (
    FORMS,
    GUARANTEED_SAVINGS,
    SHARED_SAVINGS,
    SLA,
    Adjustment,
    Band,
    BaselinePeriod,
    Contract,
    FixedBaseline,
    GuaranteedSavings,
    RegressionBaseline,
    ReportingPeriod,
    SharedSavings,
    Sla,
    parse_adjustment,
    parse_contract,
)
from monetiot.domain.outcomes.outcome import (
    FixedModel,
    Model,
    PeriodOutcome,
    Running,
    contract_json,
    model_json,
    model_of,
    period_outcome,
    preview,
    qty,
)
from monetiot.domain.outcomes.pricing import availability, band_of
from monetiot.domain.outcomes.regression import (
    PLACES,
    THRESHOLDS,
    Fit,
    Observation,
    Thresholds,
    fit,
    solve,
)

__all__ = [
    "FORMS",
    "GUARANTEED_SAVINGS",
    "PLACES",
    "SHARED_SAVINGS",
    "SLA",
    "THRESHOLDS",
    "Adjustment",
    "Band",
    "BaselinePeriod",
    "Contract",
    "Fit",
    "FixedBaseline",
    "FixedModel",
    "GuaranteedSavings",
    "Model",
    "Observation",
    "PeriodOutcome",
    "RegressionBaseline",
    "ReportingPeriod",
    "Running",
    "SharedSavings",
    "Sla",
    "Thresholds",
    "availability",
    "band_of",
    "contract_json",
    "fit",
    "model_json",
    "model_of",
    "parse_adjustment",
    "parse_contract",
    "period_outcome",
    "preview",
    "qty",
    "solve",
]
