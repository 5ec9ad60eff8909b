"""Anonymised records: the optimal transformation found, checked, and the released table.

`anonymize` is the engine's entry point for microdata: it prepares the request (one-line errors
for bad input), runs the exact lattice search (numpy), re-evaluates the chosen node with the
domain's reference semantics and releases only when both agree and the policy holds. The
released table keeps the input's columns and record order, generalises the quasi-identifiers and
leaves out suppressed records.

Invariants: nothing is returned for a policy no transformation satisfies (an InvalidInput saying
how far the coarsest one is from it); an `Anonymization`'s figures are the reference
evaluation's, never only the search's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from monetiot.domain.errors import InvalidInput
from monetiot.domain.privacy import (
    Hierarchy,
    Microdata,
    Node,
    NodeEvaluation,
    PreparedTable,
    PrivacyPolicy,
    evaluate,
    prepare,
    release,
)


@dataclass(frozen=True)
class Anonymization:
    """The released table and how it was made."""

    policy: PrivacyPolicy
    node: Node
    evaluation: NodeEvaluation
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    evaluated_nodes: int
    pruned_nodes: int
    strategy: str  # the search pass that settled the optimum: "top-down" or "bottom-up"
    t_distance: str | None  # the EMD the achieved t is measured with (a sensitive attribute)

    @property
    def transformation(self) -> dict[str, int]:
        return dict(zip(self.policy.qis, self.node, strict=True))

    def summary(self) -> dict[str, Any]:
        """The `monetiot anonymize --json` document (its keys are a contract)."""
        e = self.evaluation
        return {"transformation": self.transformation, "discernibility": e.discernibility,
                "classes": e.classes, "min_class_size": e.min_class_size,
                "suppressed_rows": e.suppressed_rows}

    def achieved(self) -> dict[str, Any]:
        """The privacy the released table achieves (what a release record keeps)."""
        e = self.evaluation
        return {"k": e.min_class_size, "l_distinct": e.achieved_l_distinct,
                "l_entropy": e.achieved_l_entropy,
                "t": None if e.achieved_t is None else _fraction_text(e.achieved_t),
                "t_distance": self.t_distance, "rows_kept": len(self.rows),
                "rows_suppressed": e.suppressed_rows}


def anonymize(table: Microdata, hierarchies: Mapping[str, Hierarchy],
              policy: PrivacyPolicy) -> Anonymization:
    return anonymize_prepared(prepare(table, hierarchies, policy))


def anonymize_prepared(prepared: PreparedTable) -> Anonymization:
    from monetiot.privacy.search import search  # numpy: imported when a search runs

    outcome = search(prepared)
    if outcome.best is None:
        raise _unsatisfiable(prepared)
    node = outcome.best.node
    checked = evaluate(prepared, node)
    found = outcome.best
    agree = (checked.valid, checked.discernibility, checked.classes, checked.min_class_size,
             checked.suppressed_rows) == (found.valid, found.discernibility, found.classes,
                                          found.min_class_size, found.suppressed_rows)
    if not agree:  # a defect in the engine, never the user's input: refuse to release
        raise RuntimeError(f"the lattice search and the reference evaluation disagree on "
                           f"{node}: {found} != {checked}")
    t_distance = None
    if prepared.reference is not None:
        t_distance = "ordered" if prepared.models.ordered else "equal"
    return Anonymization(prepared.policy, node, checked, prepared.table.header,
                         tuple(release(prepared, node)), outcome.evaluated, outcome.pruned,
                         outcome.strategy, t_distance)


def _unsatisfiable(prepared: PreparedTable) -> InvalidInput:
    top = evaluate(prepared, prepared.lattice.top)
    return InvalidInput(
        f"no transformation satisfies the policy: even the coarsest one suppresses "
        f"{top.suppressed_rows} of {prepared.rows} records, and at most "
        f"{prepared.max_suppressed} may be suppressed", field="policy")


def _fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.12g}"
