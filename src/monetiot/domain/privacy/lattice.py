"""The full-domain generalisation lattice and the order in which its nodes compete.

A node (transformation) gives one generalisation level per quasi-identifier, in the policy's
`qis` order: 0 keeps the values, `heights[i]` is attribute i's coarsest level. Node a is a
generalisation of b when a >= b in every attribute. The optimum is the valid node with the least
discernibility; ties go to the smallest sum of levels, then to the lexicographically smallest
level vector: `rank` is that order as a tuple.

Invariant: `layers` yields every node exactly once, by increasing sum of levels and, within a
layer, in lexicographic order, so a node's direct specialisations (its parents in the search)
always come in the layer before it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from monetiot.domain.errors import InvalidInput

Node = tuple[int, ...]

MAX_NODES = 2_000_000  # an exact search beyond this is not practical


@dataclass(frozen=True)
class Lattice:
    heights: tuple[int, ...]

    @property
    def size(self) -> int:
        return math.prod(h + 1 for h in self.heights)

    @property
    def bottom(self) -> Node:
        return tuple(0 for _ in self.heights)

    @property
    def top(self) -> Node:
        return self.heights

    def layers(self) -> Iterator[list[Node]]:
        """Every node, layer by layer (sum of levels 0, 1, ...), each layer in lexicographic
        order."""
        buckets: list[list[Node]] = [[] for _ in range(sum(self.heights) + 1)]
        for node in itertools.product(*(range(h + 1) for h in self.heights)):
            buckets[sum(node)].append(node)
        yield from buckets

    def nodes(self) -> Iterator[Node]:
        for layer in self.layers():
            yield from layer

    def generalisations(self, node: Node) -> Iterator[Node]:
        """The direct generalisations of `node`: one attribute one level higher."""
        for i, level in enumerate(node):
            if level < self.heights[i]:
                yield (*node[:i], level + 1, *node[i + 1:])

    @staticmethod
    def parents(node: Node) -> Iterator[tuple[int, Node]]:
        """The direct specialisations of `node`: one attribute one level lower."""
        for i, level in enumerate(node):
            if level > 0:
                yield i, (*node[:i], level - 1, *node[i + 1:])


def lattice(heights: tuple[int, ...]) -> Lattice:
    result = Lattice(heights)
    if result.size > MAX_NODES:
        raise InvalidInput(f"the generalisation lattice has {result.size:,} nodes; an exact "
                           f"search handles at most {MAX_NODES:,}: use fewer quasi-identifiers "
                           "or shallower hierarchies", field="qi")
    return result


def rank(discernibility: int, node: Node) -> tuple[int, int, Node]:
    """The order of candidates: discernibility, then sum of levels, then the levels."""
    return discernibility, sum(node), node


def generalises(a: Node, b: Node) -> bool:
    """a is b or a generalisation of b."""
    return all(x >= y for x, y in zip(a, b, strict=True))
