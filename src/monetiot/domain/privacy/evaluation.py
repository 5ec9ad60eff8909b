"""One transformation evaluated record by record, and the table it releases.

This is the reference semantics of the anonymisation engine, written for clarity rather than
speed: the vectorised search must agree with it on every node (a test compares them), and the
engine re-evaluates its optimum here before it releases anything.

- The records are grouped by their generalised quasi-identifiers (equivalence classes).
- A class is suppressed when it is smaller than the policy's minimum class size or fails a
  model on the sensitive attribute (`ClassModels.holds`); the node is valid when the
  suppressed records are at most floor(suppression x n).
- Discernibility = sum of squared sizes of the kept classes + n for every suppressed record.
  Its lower bound counts every record max(|class|, m), m the minimum class size: in the node or
  in any generalisation of it a record costs at least that (kept: its class has not shrunk and
  holds at least m records; suppressed: n, which is at least both). The bound never decreases
  from a node to its generalisations.
- The released table keeps the columns and order of the input, generalises the
  quasi-identifiers, leaves the other columns as they are and leaves out suppressed records.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction

from monetiot.domain.privacy.lattice import Node, rank
from monetiot.domain.privacy.models import distinct_values, emd, entropy
from monetiot.domain.privacy.prepared import PreparedTable


@dataclass(frozen=True)
class NodeEvaluation:
    """The outcome of one transformation; class figures count the kept classes only."""

    node: Node
    valid: bool
    discernibility: int
    lower_bound: int
    classes: int
    min_class_size: int  # 0 when every record is suppressed
    suppressed_rows: int
    achieved_l_distinct: int | None = None  # the least over kept classes
    achieved_l_entropy: float | None = None  # the least exp(H) over kept classes
    achieved_t: Fraction | None = None  # the largest EMD over kept classes


def group(prepared: PreparedTable, node: Node) -> dict[tuple[str, ...], Counter[str]]:
    """The equivalence classes of `node`: generalised quasi-identifiers -> sensitive values
    (all under "" when there is no sensitive attribute)."""
    steps = [(column, hierarchy.paths, level) for column, hierarchy, level
             in zip(prepared.qi_columns, prepared.hierarchies, node, strict=True)]
    sensitive = prepared.sensitive_column
    classes: dict[tuple[str, ...], Counter[str]] = {}
    for row in prepared.table.rows:
        key = tuple(paths[row[column]][level] for column, paths, level in steps)
        classes.setdefault(key, Counter())[row[sensitive] if sensitive is not None else ""] += 1
    return classes


def kept_classes(prepared: PreparedTable, node: Node) -> set[tuple[str, ...]]:
    """The classes of `node` that satisfy the policy (the others are suppressed)."""
    return {key for key, histogram in group(prepared, node).items()
            if _keeps(prepared, histogram)}


def _keeps(prepared: PreparedTable, histogram: Counter[str]) -> bool:
    if sum(histogram.values()) < prepared.policy.min_class_size:
        return False
    if prepared.reference is None or not prepared.policy.has_sensitive_models:
        return True
    return prepared.models.holds(prepared.reference.align(histogram), prepared.reference.counts)


def evaluate(prepared: PreparedTable, node: Node) -> NodeEvaluation:
    n = prepared.rows
    classes = group(prepared, node)
    kept = [h for h in classes.values() if _keeps(prepared, h)]
    sizes = [sum(h.values()) for h in kept]
    suppressed = n - sum(sizes)
    evaluation = NodeEvaluation(
        node=node,
        valid=suppressed <= prepared.max_suppressed,
        discernibility=sum(s * s for s in sizes) + suppressed * n,
        lower_bound=sum(size * max(size, prepared.policy.min_class_size)
                        for size in (sum(h.values()) for h in classes.values())),
        classes=len(kept),
        min_class_size=min(sizes, default=0),
        suppressed_rows=suppressed)
    reference = prepared.reference
    if reference is None or not kept:
        return evaluation
    aligned = [reference.align(h) for h in kept]
    return replace(
        evaluation,
        achieved_l_distinct=min(distinct_values(c) for c in aligned),
        achieved_l_entropy=min(math.exp(entropy(c)) for c in aligned),
        achieved_t=max(emd(c, reference.counts, prepared.models.ordered) for c in aligned))


def release(prepared: PreparedTable, node: Node) -> Iterator[tuple[str, ...]]:
    """The released records of `node`, in input order, suppressed ones left out."""
    keep = kept_classes(prepared, node)
    steps = [(column, hierarchy.paths, level) for column, hierarchy, level
             in zip(prepared.qi_columns, prepared.hierarchies, node, strict=True)]
    for row in prepared.table.rows:
        key = tuple(paths[row[column]][level] for column, paths, level in steps)
        if key in keep:
            out = list(row)
            for (column, _, _), value in zip(steps, key, strict=True):
                out[column] = value
            yield tuple(out)


def brute_force(prepared: PreparedTable) -> NodeEvaluation | None:
    """The optimum by evaluating every node: the definition the search must meet (small
    lattices only)."""
    best: NodeEvaluation | None = None
    for node in prepared.lattice.nodes():
        candidate = evaluate(prepared, node)
        if candidate.valid and (best is None or rank(candidate.discernibility, node)
                                < rank(best.discernibility, best.node)):
            best = candidate
    return best
