"""The advice as a JSON-ready document: what `monetiot advise --json`, POST /v1/advisor and the
HTML report read.

Invariants: every number is a `Decimal` (entry points write them as exact text) or an int;
money is rounded to the minor unit, ratios and customer counts to two places, price factors to
four; `models` is in rank order and each entry's `model` is one of the seven model names, or
`hybrid` (then `id` is the operator's); the months of a model add up: cash_flow = revenue -
costs - acquisition, cumulative = the running sum of cash_flow.
"""

from __future__ import annotations

from decimal import Decimal

from monetiot.domain.advisor.advice import Advice
from monetiot.domain.advisor.economics import money, ratio
from monetiot.domain.advisor.findings import break_even_price
from monetiot.domain.advisor.simulation import Simulation, UnitMonth
from monetiot.domain.money import QUOTIENT
from monetiot.domain.plans import plan_to_doc

Json = dict[str, object]


def advice_to_json(advice: Advice) -> Json:
    a, best = advice.assumptions, advice.best
    history = advice.history
    return {
        "currency": a.currency,
        "horizon_months": a.horizon_months,
        "discount_rate": a.discount_rate,
        "prospects": a.prospects,
        "prospects_per_month": a.prospects_per_month,
        "history": {
            "source": history.source, "from": history.months[0], "to": history.months[-1],
            "months": len(history.months), "profiles": len(history.profiles),
            "meters": list(history.meters),
        },
        "recommendation": {
            "id": best.spec.id, "model": best.spec.model, "name": best.spec.name,
            "reasons": list(advice.findings[best.spec.id].reasons),
        },
        "models": [model_json(rank, s, advice) for rank, s in enumerate(advice.ranked, 1)],
        "sensitivity": [
            {"assumption": s.key, "label": s.label, "base": s.base, "low": s.low,
             "high": s.high, "winner_low": s.winner_low, "winner_high": s.winner_high,
             "moves_answer": s.moves_answer(best.spec.id)}
            for s in advice.tornado
        ],
    }


def model_json(rank: int, s: Simulation, advice: Advice) -> Json:
    spec, cur = s.spec, s.spec.plan.currency
    found = advice.findings[spec.id]
    outright = advice.outright_tco
    factor = s.break_even_price_factor
    headline = None
    if spec.headline is not None and factor is not None:
        point, value = spec.headline
        headline = {"price_point": point, "now": value,
                    "break_even": break_even_price(value, factor, point, cur)}
    return {
        "rank": rank,
        "id": spec.id,
        "model": spec.model,
        "name": spec.name,
        "npv": s.npv,
        "break_even_month": s.break_even_month,
        "months_losing_money": s.months_losing_money,
        "customers_won": ratio(s.months[0].customers),
        "churn": spec.churn,
        "payment_resistance": spec.payment_resistance,
        "hardware_per_customer": money(s.hardware, cur),
        "cac": money(s.cac, cur),
        "ltv": s.ltv,
        "ltv_to_cac": s.ltv_to_cac,
        "cac_payback_months": s.cac_payback_months,
        "margin_per_month": s.margin_per_month,
        "typical_month": unit_json(s.typical, cur),
        "tco": s.tco,
        "tco_vs_outright": (None if outright is None or outright == 0
                            else ratio(QUOTIENT.divide(s.tco, outright))),
        "break_even_price_factor": factor,
        "break_even_price": headline,
        "reasons": list(found.reasons),
        "failures": list(found.failures),
        "plan": plan_to_doc(spec.plan),
        "months": [
            {"month": m.month, "customers": ratio(m.customers), "revenue": m.revenue,
             "costs": m.costs, "gross_margin": m.gross_margin, "acquisition": m.acquisition,
             "cash_flow": m.cash_flow, "cumulative": c}
            for m, c in zip(s.months, s.cumulative, strict=True)
        ],
    }


def unit_json(u: UnitMonth, currency: str) -> dict[str, Decimal]:
    """A customer's average month: each part rounded on its own, so parts may not add up to
    the rounded margin by a cent."""
    parts = {name: money(getattr(u, name), currency) for name in UnitMonth.__dataclass_fields__}
    return parts | {"revenue": money(u.revenue, currency),
                    "running_costs": money(u.running_costs, currency),
                    "margin": money(u.margin, currency)}
