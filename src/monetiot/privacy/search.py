"""The exact search of the generalisation lattice for the optimal transformation.

Two passes, both exact; the result is the valid node of least rank (discernibility, sum of
levels, levels), or none.

Top-down first. It walks an up-set R that holds every valid node: the valid nodes themselves when
validity is monotone (`PrivacyPolicy.monotone`: every generalisation of a valid node is valid),
otherwise the size-valid nodes (those whose classes below the minimum size hold at most the
records that may be suppressed; a class only grows upwards, so this is monotone under any
suppression, and every valid node is size-valid). Layers are visited from the top; a node is
evaluated only when all its direct generalisations are in R, since otherwise it is outside R and
cannot be valid. Every node of R is therefore evaluated, and the best valid one is the optimum.
Each node is rolled up from the bottom state. This touches only R and its border, which is small
when k is large or nothing may be suppressed (adult, nine attributes, k = 5: 141 of 12,960
nodes). The pass gives up after a budget of evaluations, keeping the best node it found as an
incumbent for the second pass.

Bottom-up, otherwise. Layers are visited from the bottom (lexicographic within a layer); each
node is rolled up from its smallest direct specialisation in the layer before, so only two layers
of states are held at a time. Pruning, and why it is exact: let LB(v) = sum over records of
max(|C|, m), C the record's class in v and m the policy's minimum class size. In v and in every
generalisation w of v a record costs at least that much to DM: kept, its class has not shrunk and
holds at least m records; suppressed, it costs n >= both. So DM(w) >= LB(v) and, w != v,
rank(w) >= (LB(v), sum(v) + 1, ...). When (LB(p), sum(w), w) already ranks above the best valid
node found, for a parent p of w, neither w nor any generalisation of w can be the optimum: they
are marked dead without being evaluated (a node with a dead parent is dead). Nothing else is
assumed: not the monotonicity of the models with suppression (entropy-l and t-closeness lack it)
nor of DM with suppression (it lacks it). The optimum is never pruned: a pruned node ranks
strictly above a valid node, the optimum never does. `tests/unit/test_privacy_search.py`
compares both passes with brute force.
"""

from __future__ import annotations

from dataclasses import dataclass

from monetiot.domain.privacy import Lattice, Node, PreparedTable, rank
from monetiot.privacy.encoding import WORD_BITS, Encoding, State, encode, rollup
from monetiot.privacy.figures import NodeFigures, figures

Rank = tuple[int, int, Node]
TOP_DOWN_SHARE = 16  # the top-down pass may evaluate 1/16 of the lattice ...
TOP_DOWN_LEAST = 64  # ... and at least this many nodes


@dataclass(frozen=True)
class SearchOutcome:
    best: NodeFigures | None  # None: no transformation satisfies the policy
    evaluated: int  # nodes whose classes were computed (by both passes)
    pruned: int  # nodes of the lattice never evaluated
    strategy: str  # "top-down" or "bottom-up": the pass that settled the optimum


@dataclass
class _Best:
    figures: NodeFigures | None = None
    rank: Rank | None = None

    def offer(self, candidate: NodeFigures) -> None:
        ranked = rank(candidate.discernibility, candidate.node)
        if candidate.valid and (self.rank is None or ranked < self.rank):
            self.figures, self.rank = candidate, ranked


def search(prepared: PreparedTable, *, prune: bool = True, word_bits: int = WORD_BITS,
           top_down: bool = True) -> SearchOutcome:
    encoding = encode(prepared, word_bits)
    size = prepared.lattice.size
    best = _Best()
    evaluated = 0
    if top_down:
        budget = max(TOP_DOWN_LEAST, size // TOP_DOWN_SHARE)
        evaluated, complete = _top_down(prepared, encoding, budget, best)
        if complete:
            return SearchOutcome(best.figures, evaluated, size - evaluated, "top-down")
    found = _bottom_up(prepared, encoding, prune, best)
    return SearchOutcome(best.figures, evaluated + found, size - found, "bottom-up")


def _top_down(prepared: PreparedTable, encoding: Encoding, budget: int,
              best: _Best) -> tuple[int, bool]:
    """Every valid node evaluated (True), or the budget spent first (False)."""
    lattice = prepared.lattice
    bottom = lattice.bottom
    monotone = prepared.policy.monotone
    region: set[Node] = set()
    evaluated = 0
    for layer in reversed(list(lattice.layers())):
        for node in layer:
            if not all(above in region for above in lattice.generalisations(node)):
                continue  # a generalisation is outside the region, so this node is
            if evaluated == budget:
                return evaluated, False
            state = rollup(encoding, encoding.bottom, bottom, node)
            outcome = figures(prepared, encoding, state, node)
            evaluated += 1
            best.offer(outcome)
            if outcome.valid if monotone else outcome.size_valid:
                region.add(node)
    return evaluated, True


def _bottom_up(prepared: PreparedTable, encoding: Encoding, prune: bool, best: _Best) -> int:
    evaluated = 0
    states: dict[Node, State] = {}
    bounds: dict[Node, int] = {}
    for layer in prepared.lattice.layers():
        next_states: dict[Node, State] = {}
        next_bounds: dict[Node, int] = {}
        for node in layer:
            parents = [parent for _, parent in Lattice.parents(node)]
            if parents and prune and _dead(parents, bounds, node, best.rank):
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
            best.offer(outcome)
        states, bounds = next_states, next_bounds
    return evaluated


def _dead(parents: list[Node], bounds: dict[Node, int], node: Node,
          best_rank: Rank | None) -> bool:
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
