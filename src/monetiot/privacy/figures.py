"""A node's figures (validity, discernibility, its lower bound, kept classes, suppression)
computed from its state with numpy.

Invariant: the same figures as `domain.privacy.evaluate` gives for the node (tests compare them
node by node on random tables); class figures count kept classes only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from monetiot.domain.privacy import Node, PreparedTable
from monetiot.privacy.class_checks import failing
from monetiot.privacy.encoding import Encoding, State, class_starts, counts_of


@dataclass(frozen=True)
class NodeFigures:
    """A node's outcome as the search computes it (kept classes only, like NodeEvaluation)."""

    node: Node
    valid: bool
    discernibility: int
    lower_bound: int
    classes: int
    min_class_size: int
    suppressed_rows: int
    size_valid: bool  # the records in classes below the minimum size alone may be suppressed


def figures(prepared: PreparedTable, encoding: Encoding, state: State, node: Node) -> NodeFigures:
    counts = counts_of(encoding.layout, state)
    starts = class_starts(encoding, state)
    sizes = counts if encoding.sensitive_values == 1 else np.add.reduceat(counts, starts)
    fail = failing(prepared, encoding, state, starts, sizes)
    n = prepared.rows
    lower_bound = int(np.dot(sizes, np.maximum(sizes, prepared.policy.min_class_size)))
    if not fail.any():  # every class is at least the minimum size: the bound is the metric
        return NodeFigures(node, True, lower_bound, lower_bound, len(sizes), int(sizes.min()), 0,
                           True)
    kept = sizes[~fail]
    suppressed = n - int(kept.sum())
    small = int(sizes[sizes < prepared.policy.min_class_size].sum())
    limit = prepared.max_suppressed
    return NodeFigures(node, suppressed <= limit, int(np.dot(kept, kept)) + suppressed * n,
                       lower_bound, len(kept), int(kept.min()) if len(kept) else 0, suppressed,
                       small <= limit)
