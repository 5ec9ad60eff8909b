"""The privacy models on one equivalence class, decided exactly.

- distinct-l: the class holds at least l distinct sensitive values;
- entropy-l: exp(H) >= l with H = -sum p ln p over the class's sensitive values (natural log);
- t-closeness: the earth mover's distance between the class's sensitive distribution and the
  whole table's is at most t. Equal distance (categorical): EMD = 1/2 sum |p_i - q_i|. Ordered
  distance (numeric, values in order 1..m): EMD = 1/(m-1) sum_i |sum_{j<=i} (p_j - q_j)|.

Invariant: every decision is exact. Floats give a fast answer when the value is clearly on one
side of the threshold; at a tie, or within 1e-9 of it, the decision is taken on integers
(entropy-l: N^N x b^N >= a^N x prod c^c for l = a/b) or fractions (EMD), so a class uniform over
exactly l values is l-diverse and an EMD equal to t is t-close, whatever the rounding.
Histograms are counts aligned with `SensitiveDistribution.values`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

BAND = 1e-9  # a float this close to a threshold is decided exactly


@dataclass(frozen=True)
class SensitiveDistribution:
    """The sensitive attribute over the whole table: its values in order, and their counts.

    `numeric` when every value is a decimal number; the order is then numeric (ties between
    spellings such as 1 and 1.0 by text), otherwise by text."""

    values: tuple[str, ...]
    counts: tuple[int, ...]
    numeric: bool

    @property
    def total(self) -> int:
        return sum(self.counts)

    def position(self) -> dict[str, int]:
        return {value: i for i, value in enumerate(self.values)}

    def align(self, histogram: Counter[str]) -> list[int]:
        """A class's {value: count} as counts in `values` order."""
        return [histogram.get(value, 0) for value in self.values]


def sensitive_distribution(values: Iterable[str]) -> SensitiveDistribution:
    counts = Counter(values)
    numbers = {value: _number(value) for value in counts}
    numeric = bool(counts) and all(number is not None for number in numbers.values())
    order = sorted(counts, key=lambda v: (numbers[v], v)) if numeric else sorted(counts)
    return SensitiveDistribution(tuple(order), tuple(counts[v] for v in order), numeric)


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def distinct_values(counts: Sequence[int]) -> int:
    return sum(1 for c in counts if c > 0)


def entropy(counts: Sequence[int]) -> float:
    """H in nats (a float, for reporting)."""
    present = [c for c in counts if c > 0]
    n = sum(present)
    return math.log(n) - sum(c * math.log(c) for c in present) / n if n else 0.0


def entropy_l_holds(counts: Sequence[int], diversity: Fraction) -> bool:
    """exp(H) >= l (`diversity`), exactly."""
    present = [c for c in counts if c > 0]
    if diversity <= 1:
        return True
    if len(present) < diversity:  # exp(H) <= the number of distinct values
        return False
    margin = entropy(present) - math.log(diversity)
    if abs(margin) > BAND:
        return margin > 0
    n = sum(present)
    product = 1
    for c in present:
        product *= c ** c
    return bool(n ** n * diversity.denominator ** n >= diversity.numerator ** n * product)


def emd_equal(counts: Sequence[int], reference: Sequence[int]) -> Fraction:
    """Equal-distance EMD (total variation) between a class and the reference, exactly."""
    n, total = sum(counts), sum(reference)
    if n == 0:
        return Fraction(0)
    numerator = sum(abs(c * total - g * n) for c, g in zip(counts, reference, strict=True))
    return Fraction(numerator, 2 * n * total)


def emd_ordered(counts: Sequence[int], reference: Sequence[int]) -> Fraction:
    """Ordered-distance EMD between a class and the reference (both in value order), exactly."""
    n, total, m = sum(counts), sum(reference), len(reference)
    if n == 0 or m < 2:
        return Fraction(0)
    running = numerator = 0
    for c, g in zip(counts, reference, strict=True):
        running += c * total - g * n
        numerator += abs(running)
    return Fraction(numerator, (m - 1) * n * total)


def emd(counts: Sequence[int], reference: Sequence[int], ordered: bool) -> Fraction:
    return emd_ordered(counts, reference) if ordered else emd_equal(counts, reference)


@dataclass(frozen=True)
class ClassModels:
    """The sensitive-attribute models a class must satisfy (None: not required)."""

    l_distinct: int | None
    l_entropy: Fraction | None
    t: Fraction | None
    ordered: bool

    def holds(self, counts: Sequence[int], reference: Sequence[int]) -> bool:
        if self.l_distinct is not None and distinct_values(counts) < self.l_distinct:
            return False
        if self.l_entropy is not None and not entropy_l_holds(counts, self.l_entropy):
            return False
        return self.t is None or emd(counts, reference, self.ordered) <= self.t
