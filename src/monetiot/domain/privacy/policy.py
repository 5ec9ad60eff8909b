"""A release policy for anonymised records: which attributes, which privacy models, how much may
be suppressed.

The models follow ARX's definitions. A record's equivalence class is the set of records with the
same generalised quasi-identifiers. A class is kept when it has at least `min_class_size` records
(k, and l for l-diversity, which cannot hold in a smaller class) and satisfies every model on the
sensitive attribute; otherwise its records are suppressed (removed). A transformation is valid
when at most `max_suppressed(n)` = floor(suppression x n) records are suppressed.

Invariants: every number is exact (int or Decimal, never a float); k >= 1; l >= 1; 0 <= t <= 1;
0 <= suppression <= 1; l-diversity and t-closeness need a sensitive attribute, which is not a
quasi-identifier; quasi-identifiers are unique.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from monetiot.domain.errors import InvalidInput

T_DISTANCES = ("auto", "equal", "ordered")


@dataclass(frozen=True)
class PrivacyPolicy:
    """What a released table must satisfy. `t_distance` "auto" is ordered for a numeric
    sensitive attribute and equal for a categorical one."""

    qis: tuple[str, ...]
    k: int = 1
    sensitive: str | None = None
    l_distinct: int | None = None
    l_entropy: Decimal | None = None
    t: Decimal | None = None
    t_distance: str = "auto"
    suppression: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if not self.qis:
            raise InvalidInput("name at least one quasi-identifier", field="qi")
        for i, name in enumerate(self.qis):
            if name in self.qis[:i]:
                raise InvalidInput(f"'{name}' is named twice", field="qi")
        _at_least(self.k, 1, "k")
        if self.l_distinct is not None:
            _at_least(self.l_distinct, 1, "l_distinct")
        if self.l_entropy is not None and not self.l_entropy >= 1:
            raise InvalidInput(f"must be at least 1, got {self.l_entropy}", field="l_entropy")
        if self.t is not None and not 0 <= self.t <= 1:
            raise InvalidInput(f"must be between 0 and 1, got {self.t}", field="t")
        if not 0 <= self.suppression <= 1:
            raise InvalidInput(f"must be a fraction of the rows between 0 and 1, got "
                               f"{self.suppression}", field="suppression")
        if self.t_distance not in T_DISTANCES:
            raise InvalidInput(f"must be one of {', '.join(T_DISTANCES)}, got "
                               f"'{self.t_distance}'", field="t_distance")
        for name, value in (("l_distinct", self.l_distinct), ("l_entropy", self.l_entropy),
                            ("t", self.t)):
            if value is not None and self.sensitive is None:
                raise InvalidInput("needs a sensitive attribute", field=name)
        if self.sensitive is not None and self.sensitive in self.qis:
            raise InvalidInput(f"'{self.sensitive}' is also a quasi-identifier",
                               field="sensitive")

    @property
    def min_class_size(self) -> int:
        """The fewest records a kept class may have: k, and l (a smaller class cannot be
        l-diverse)."""
        sizes = [self.k]
        if self.l_distinct is not None:
            sizes.append(self.l_distinct)
        if self.l_entropy is not None:
            sizes.append(math.ceil(self.l_entropy))
        return max(sizes)

    @property
    def has_sensitive_models(self) -> bool:
        return self.l_distinct is not None or self.l_entropy is not None or self.t is not None

    @property
    def monotone(self) -> bool:
        """Whether every generalisation of a valid transformation is valid.

        Merging classes that all pass gives a class that passes, for every model: sizes add,
        distinct values unite, entropy is concave (H of a mixture >= the least H mixed) and the
        EMD to a fixed distribution is convex (EMD of a mixture <= the largest EMD mixed). So
        without suppression validity is monotone. With suppression it stays monotone for k and
        distinct-l, because a merged class fails only if every part failed (its records were
        suppressed before too); entropy-l and t-closeness can fail a merged class with a passing
        part, so with suppression they are not monotone."""
        return self.suppression == 0 or (self.l_entropy is None and self.t is None)

    def max_suppressed(self, rows: int) -> int:
        """How many of `rows` records may be suppressed: floor(suppression x rows)."""
        return math.floor(self.suppression * rows)


def _at_least(value: int, minimum: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(f"must be a whole number of at least {minimum}, got {value!r}",
                           field=field)
