"""Generalisation hierarchies: how one attribute's values coarsen, level by level.

A hierarchy lists every value of an attribute with its generalisations (ARX's format: one row per
value, level 0 is the value itself, level n the coarsest, often `*`). Invariants kept by
`hierarchy_from_rows`: every row has the same number of levels; every value is listed once; and
the levels are consistent: two values that share a generalisation at level i share it at every
level above i (a value at level i always generalises to the same value at level i + 1). The last
rule is what makes full-domain generalisation coarsen equivalence classes monotonically, which
the exact lattice search relies on. A broken rule is reported with the file and row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monetiot.domain.errors import InvalidInput

NumberedRow = tuple[int, Sequence[str]]  # (line in the source file, fields)


@dataclass(frozen=True)
class Hierarchy:
    """An attribute's values and their generalisations; `height` is the coarsest level."""

    attribute: str
    source: str
    paths: Mapping[str, tuple[str, ...]]  # value -> (level 0, level 1, ..., level height)
    height: int

    def generalise(self, value: str, level: int) -> str:
        """`value` at `level`; KeyError if the value is not in the hierarchy."""
        return self.paths[value][level]

    def __contains__(self, value: object) -> bool:
        return value in self.paths


def hierarchy_from_rows(attribute: str, rows: Sequence[NumberedRow], source: str) -> Hierarchy:
    """A checked hierarchy from its rows; an inconsistency names the file and row."""
    if not rows:
        raise InvalidInput(f"{source}: the hierarchy of '{attribute}' has no rows")
    first_line, first = rows[0]
    width = len(first)
    paths: dict[str, tuple[str, ...]] = {}
    listed_on: dict[str, int] = {}
    above: dict[tuple[int, str], tuple[str, int]] = {}  # (level, value) -> (next level's, line)
    for line, fields in rows:
        if len(fields) != width:
            raise InvalidInput(
                f"{source}:{line}: {len(fields)} levels, but row {first_line} has {width} "
                "(inconsistent levels)")
        value = fields[0]
        if value in listed_on:
            raise InvalidInput(f"{source}:{line}: value '{value}' is listed twice "
                               f"(first on row {listed_on[value]})")
        listed_on[value] = line
        for level in range(width - 1):
            here, coarser = fields[level], fields[level + 1]
            seen = above.setdefault((level, here), (coarser, line))
            if seen[0] != coarser:
                raise InvalidInput(
                    f"{source}:{line}: '{here}' at level {level} generalises to '{coarser}' at "
                    f"level {level + 1} here but to '{seen[0]}' on row {seen[1]} "
                    "(inconsistent levels)")
        paths[value] = tuple(fields)
    return Hierarchy(attribute, source, paths, width - 1)
