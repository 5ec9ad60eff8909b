"""The revenue-model advisor: which business model should this fleet use? (docs/advisor.md)

`parse_assumptions(document)` reads the operator's assumptions (costs, market, price points per
model); `parse_usage_csv(text)` or `history_from_rows(rows)` the fleet's usage per device and
month; `advise(assumptions, history)` replays that usage through each model's plan with the
real pricing engine, simulates the horizon, ranks the models, explains them and runs the
sensitivity analysis; `advice_to_json(advice)` is its document. Pure: standard library and
`monetiot.domain` only.
"""

from monetiot.domain.advisor.advice import Advice, advise, check_meters
from monetiot.domain.advisor.assumptions import Assumptions, Costs, Meters, parse_assumptions
from monetiot.domain.advisor.economics import (
    break_even_month,
    cac_payback,
    discount_factor,
    effective_cac,
    ltv,
    npv,
    survival,
)
from monetiot.domain.advisor.findings import Findings
from monetiot.domain.advisor.history import (
    CSV_COLUMNS,
    Profile,
    UsageHistory,
    UsageRow,
    history_from_rows,
    month_index,
    month_text,
    parse_usage_csv,
)
from monetiot.domain.advisor.models import (
    HYBRID,
    MODELS,
    NAMES,
    SAVINGS_METER,
    ModelSpec,
    plan_document,
    scaled_plan,
)
from monetiot.domain.advisor.output import advice_to_json
from monetiot.domain.advisor.replay import Replay, ReplayInputs, period_inputs, replay
from monetiot.domain.advisor.sensitivity import Swing
from monetiot.domain.advisor.simulation import CohortMonth, Simulation, UnitMonth, simulate

__all__ = [
    "CSV_COLUMNS",
    "HYBRID",
    "MODELS",
    "NAMES",
    "SAVINGS_METER",
    "Advice",
    "Assumptions",
    "CohortMonth",
    "Costs",
    "Findings",
    "Meters",
    "ModelSpec",
    "Profile",
    "Replay",
    "ReplayInputs",
    "Simulation",
    "Swing",
    "UnitMonth",
    "UsageHistory",
    "UsageRow",
    "advice_to_json",
    "advise",
    "break_even_month",
    "cac_payback",
    "check_meters",
    "discount_factor",
    "effective_cac",
    "history_from_rows",
    "ltv",
    "month_index",
    "month_text",
    "npv",
    "parse_assumptions",
    "parse_usage_csv",
    "period_inputs",
    "plan_document",
    "replay",
    "scaled_plan",
    "simulate",
    "survival",
]
