"""The exact search of the generalisation lattice for the optimal transformation.

Nodes are visited layer by layer (sum of levels 0, 1, ...; lexicographic within a layer). Each
node's classes are rolled up from its smallest direct specialisation in the layer before (numpy,
`encoding.rollup`), so only two layers of states are held at a time.

Pruning, and why it is exact. Let LB(v) = sum of squared class sizes of v with nothing suppressed.
(1) Classes only merge from a node to its generalisations, so LB never decreases upwards.
(2) DM(w) >= LB(w) for every node w, suppression or not: a kept record of class C counts |C|, a
suppressed record counts n >= |C|. Hence for w a generalisation of v, w != v:
rank(w) = (DM(w), sum(w), w) >= (LB(v), sum(v) + 1, ...) and when (LB(p), sum(w), w) already
ranks above the best valid node found, for some parent p of w, neither w nor any generalisation
of w can be the optimum (they are marked dead without being evaluated; a node with a dead parent
is dead). Nothing else is assumed: no monotonicity of the privacy models with suppression (which
entropy-l and t-closeness lack), no monotonicity of DM with suppression (which it lacks). The
optimum is never pruned: its rank is at most the best found at any time, and a pruned node ranks
strictly above it. `tests/unit/test_privacy_search.py` compares the result with brute force.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from monetiot.domain.privacy import Lattice, Node, PreparedTable, rank
from monetiot.privacy.class_checks import failing
from monetiot.privacy.encoding import (
    WORD_BITS,
    Encoding,
    State,
    class_starts,
    counts_of,
    encode,
    rollup,
)


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


@dataclass(frozen=True)
class SearchOutcome:
    best: NodeFigures | None  # None: no transformation satisfies the policy
    evaluated: int
    pruned: int


def figures(prepared: PreparedTable, encoding: Encoding, state: State, node: Node) -> NodeFigures:
    starts = class_starts(encoding, state)
    counts = counts_of(encoding.layout, state)
    sizes = counts if encoding.sensitive_values == 1 else np.add.reduceat(counts, starts)
    fail = failing(prepared, encoding, state, starts, sizes)
    kept = sizes[~fail]
    n = prepared.rows
    suppressed = n - int(kept.sum())
    return NodeFigures(
        node=node,
        valid=suppressed <= prepared.max_suppressed,
        discernibility=int(np.dot(kept, kept)) + suppressed * n,
        lower_bound=int(np.dot(sizes, sizes)),
        classes=len(kept),
        min_class_size=int(kept.min()) if len(kept) else 0,
        suppressed_rows=suppressed)


def search(prepared: PreparedTable, *, prune: bool = True,
           word_bits: int = WORD_BITS) -> SearchOutcome:
    encoding = encode(prepared, word_bits)
    best: NodeFigures | None = None
    best_rank: tuple[int, int, Node] | None = None
    evaluated = pruned = 0
    states: dict[Node, State] = {}
    bounds: dict[Node, int] = {}
    for layer in prepared.lattice.layers():
        next_states: dict[Node, State] = {}
        next_bounds: dict[Node, int] = {}
        for node in layer:
            parents = [parent for _, parent in Lattice.parents(node)]
            if parents and prune and _dead(parents, bounds, node, best_rank):
                pruned += 1
                continue
            if parents:
                source = min(parents, key=lambda p: len(states[p].words[0]))
                state = rollup(encoding, states[source], source, node)
            else:
                state = encoding.bottom
            outcome = figures(prepared, encoding, state, node)
            evaluated += 1
            next_states[node] = state
            next_bounds[node] = outcome.lower_bound
            candidate = rank(outcome.discernibility, node)
            if outcome.valid and (best_rank is None or candidate < best_rank):
                best, best_rank = outcome, candidate
        states, bounds = next_states, next_bounds
    return SearchOutcome(best, evaluated, pruned)


def _dead(parents: list[Node], bounds: dict[Node, int], node: Node,
          best_rank: tuple[int, int, Node] | None) -> bool:
    """Some parent was pruned, or its lower bound already ranks `node` above the best."""
    for parent in parents:
        bound = bounds.get(parent)
        if bound is None:
            return True
        if best_rank is not None and rank(bound, node) > best_rank:
            return True
    return False


def evaluate_all(prepared: PreparedTable, word_bits: int = WORD_BITS) -> dict[Node, NodeFigures]:
    """Every node's figures, each rolled up straight from the bottom (tests compare them with
    the reference evaluation)."""
    encoding = encode(prepared, word_bits)
    bottom = prepared.lattice.bottom
    return {node: figures(prepared, encoding, rollup(encoding, encoding.bottom, bottom, node), node)
            for node in prepared.lattice.nodes()}
