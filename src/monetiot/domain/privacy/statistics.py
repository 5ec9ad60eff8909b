"""Differentially private statistics: the query, and each owner's contribution bounded.

Privacy is per owner (the customer whose devices produced the data): two datasets are neighbours
when one owner's records are added or removed. `bound_contributions` keeps at most
`max_rows_per_owner` records of each owner (the first ones, in the order given) and clamps every
value into [lower, upper]; after it, one owner changes at most `max_rows_per_owner` records,
which is the distance (symmetric distance d_in) the mechanisms are calibrated for.

Invariants: the query is checked when built (a sum or mean has bounds, a histogram has its
categories, which must be public and never taken from the data; a Gaussian release has a delta
in (0, 1), a Laplace one none); values stay Decimal until the mechanism; the bounding keeps the
records' order and reports how many records each owner contributes (the weights of the revenue
share).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from monetiot.domain.errors import InvalidInput
from monetiot.domain.privacy.ledger import MECHANISMS

KINDS = ("count", "sum", "mean", "histogram")


@dataclass(frozen=True)
class OwnerRecord:
    """One record of a product's data: its owner, a value (sums, means) or a category
    (histograms)."""

    owner: str
    value: Decimal | None = None
    category: str | None = None


@dataclass(frozen=True)
class ContributionBounds:
    max_rows_per_owner: int
    lower: Decimal | None = None
    upper: Decimal | None = None

    def __post_init__(self) -> None:
        rows = self.max_rows_per_owner
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
            raise InvalidInput(f"must be a whole number of at least 1, got {rows!r}",
                               field="max_rows_per_owner")
        if (self.lower is None) != (self.upper is None):
            raise InvalidInput("give both bounds or neither", field="lower")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise InvalidInput(f"lower {self.lower} is above upper {self.upper}", field="lower")


@dataclass(frozen=True)
class StatisticQuery:
    """One release: the statistic, its mechanism and noise scale, and the contribution bounds.

    For a mean, `scale` is the noise of the sum; the count's noise is scaled by the ratio of
    the two sensitivities, so both halves cost the same."""

    kind: str
    mechanism: str
    scale: Decimal
    bounds: ContributionBounds
    delta: Decimal | None = None
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(f"must be one of {', '.join(KINDS)}, got '{self.kind}'",
                               field="kind")
        if self.mechanism not in MECHANISMS:
            raise InvalidInput(f"must be one of {', '.join(MECHANISMS)}, got "
                               f"'{self.mechanism}'", field="mechanism")
        if not self.scale > 0:
            raise InvalidInput(f"must be positive, got {self.scale}", field="scale")
        if self.kind in ("sum", "mean") and self.bounds.lower is None:
            raise InvalidInput(f"a {self.kind} needs lower and upper bounds", field="lower")
        if self.kind == "histogram" and not self.categories:
            raise InvalidInput("a histogram needs its categories (public, never read from "
                               "the data)", field="categories")
        if len(set(self.categories)) != len(self.categories):
            raise InvalidInput("a category is listed twice", field="categories")
        check_delta(self.mechanism, self.delta)


def check_delta(mechanism: str, delta: Decimal | None) -> None:
    if mechanism == "gaussian" and (delta is None or not 0 < delta < 1):
        raise InvalidInput(f"the gaussian mechanism needs a delta between 0 and 1, got {delta}",
                           field="delta")
    if mechanism == "laplace" and delta not in (None, Decimal(0)):
        raise InvalidInput("the laplace mechanism is pure (delta 0); delta is for gaussian",
                           field="delta")


@dataclass(frozen=True)
class BoundedRecords:
    records: tuple[OwnerRecord, ...]
    rows_per_owner: Mapping[str, int]  # records kept per owner: the contribution weights
    dropped: int  # records over an owner's limit
    clamped: int  # values moved into [lower, upper]


def bound_contributions(records: Iterable[OwnerRecord], query: StatisticQuery) -> BoundedRecords:
    """At most `max_rows_per_owner` records per owner, values clamped; a record the query
    cannot use (no value for a sum, no category for a histogram) is an error naming it."""
    bounds = query.bounds
    kept: list[OwnerRecord] = []
    per_owner: dict[str, int] = {}
    dropped = clamped = 0
    for i, record in enumerate(records):
        _check_record(i, record, query)
        if per_owner.get(record.owner, 0) >= bounds.max_rows_per_owner:
            dropped += 1
            continue
        per_owner[record.owner] = per_owner.get(record.owner, 0) + 1
        value = record.value
        if value is not None and bounds.lower is not None and bounds.upper is not None:
            inside = min(max(value, bounds.lower), bounds.upper)
            if inside != value:
                clamped += 1
                record = OwnerRecord(record.owner, inside, record.category)
        kept.append(record)
    return BoundedRecords(tuple(kept), per_owner, dropped, clamped)


def _check_record(i: int, record: OwnerRecord, query: StatisticQuery) -> None:
    if not record.owner:
        raise InvalidInput("a record has no owner", field=f"records[{i}].owner")
    if query.kind in ("sum", "mean") and (record.value is None or not record.value.is_finite()):
        raise InvalidInput(f"a {query.kind} needs a finite value", field=f"records[{i}].value")
    if query.kind == "histogram" and record.category is None:
        raise InvalidInput("a histogram needs a category", field=f"records[{i}].category")
