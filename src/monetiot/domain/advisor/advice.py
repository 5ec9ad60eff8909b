"""The advice: every model simulated on the fleet's usage, ranked, explained, stress-tested.

`advise(assumptions, history)` replays the history through each model's plan, simulates the
horizon, ranks the models by net present value (ties: by id), runs the sensitivity analysis and
writes the findings in plain words. Pure: the same inputs give the same advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from monetiot.domain.advisor.assumptions import Assumptions
from monetiot.domain.advisor.findings import Findings, findings
from monetiot.domain.advisor.history import UsageHistory
from monetiot.domain.advisor.models import PRODUCT_SALE, SAVINGS_METER, ModelSpec
from monetiot.domain.advisor.replay import Replay, ReplayInputs, replay
from monetiot.domain.advisor.sensitivity import Swing, tornado
from monetiot.domain.advisor.simulation import Simulation, simulate
from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import QUOTIENT
from monetiot.domain.plans import fingerprint


@dataclass(frozen=True, kw_only=True)
class Advice:
    assumptions: Assumptions
    history: UsageHistory
    ranked: tuple[Simulation, ...]  # best first
    findings: dict[str, Findings]  # model id -> reasons and failures
    tornado: tuple[Swing, ...]
    outright_tco: Decimal | None  # what buying outright (product sale) costs a customer

    @property
    def best(self) -> Simulation:
        return self.ranked[0]


class Replays:
    """The replays of one history, each computed once (sensitivity asks for the same ones)."""

    def __init__(self, history: UsageHistory) -> None:
        self.history = history
        self._done: dict[tuple[object, ...], Replay] = {}

    def of(self, spec: ModelSpec, a: Assumptions) -> Replay:
        # Savings only matter to a plan that charges a share of them.
        outcome = any(c.meter == SAVINGS_METER for c in spec.plan.usage)
        given = ReplayInputs(
            horizon_months=a.horizon_months, data_meter=a.meters.data,
            events_meter=a.meters.events, outcome_meter=a.outcome_meter if outcome else None,
            savings_per_unit=a.savings_per_unit if outcome else Decimal(0),
            devices_per_customer=QUOTIENT.divide(Decimal(1), spec.customers_per_asset))
        key = (fingerprint(spec.plan), spec.plan.trial_days, given)
        if key not in self._done:
            self._done[key] = replay(spec.plan, self.history, given)
        return self._done[key]


def advise(a: Assumptions, history: UsageHistory) -> Advice:
    check_meters(a, history)
    replays = Replays(history)
    ranked = rank(evaluate(a, replays))
    winner = ranked[0].spec.id
    swings = tornado(a, winner, lambda moved: {s.spec.id: s.npv for s in evaluate(moved,
                                                                                   replays)})
    outright = next((s.tco for s in ranked if s.spec.model == PRODUCT_SALE), None)
    return Advice(
        assumptions=a, history=history, ranked=ranked, tornado=swings, outright_tco=outright,
        findings={s.spec.id: findings(s, ranked, a, outright, swings) for s in ranked},
    )


def evaluate(a: Assumptions, replays: Replays) -> list[Simulation]:
    return [simulate(spec, replays.of(spec, a), a) for spec in a.models]


def rank(simulations: list[Simulation]) -> tuple[Simulation, ...]:
    return tuple(sorted(simulations, key=lambda s: (-s.npv, s.spec.id)))


def check_meters(a: Assumptions, history: UsageHistory) -> None:
    """Refuse a meter the assumptions or a plan name that the history never saw: a misspelt
    meter would otherwise be priced as no usage at all."""
    seen = set(history.meters)
    for meter, field in a.named_meters().items():
        if meter not in seen:
            known = ", ".join(sorted(seen)) or "none"
            raise InvalidInput(f"the usage history has no meter {meter!r} (it has: {known})",
                               field=field)
