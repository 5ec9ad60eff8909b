"""Differentially private statistics and their privacy cost, through OpenDP.

A query (`domain.privacy.StatisticQuery`) becomes an OpenDP measurement on a vector of records
with the symmetric distance: count (`make_count`), sum (`make_clamp` then `make_sum`), mean (the
sum and the count composed with `make_composition`, divided afterwards) or histogram
(`make_count_by_categories` over the query's public categories), followed by the Laplace
mechanism (pure DP, max divergence) or the Gaussian one (zCDP). Each owner's records are first
bounded (`bound_contributions`), so one owner changes at most `max_rows_per_owner` records: that
is the d_in the privacy map is evaluated at.

The cost is what OpenDP's privacy map says: epsilon for Laplace; for Gaussian rho, converted to
(epsilon, delta) at the query's delta with `make_zCDP_to_approxDP` and `make_fix_delta`, exactly
as OpenDP does. OpenDP's floats become the Decimals that print them, which is what the
ledger charges. The cost depends on the query only, never on the data, so it
is known (and can be refused by the ledger) before any noise is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from monetiot.domain.errors import InvalidInput
from monetiot.domain.privacy import (
    OwnerRecord,
    PrivacyCost,
    StatisticQuery,
    bound_contributions,
    check_delta,
)
from monetiot.domain.privacy.ledger import MECHANISMS


@dataclass(frozen=True)
class StatisticRelease:
    """A released statistic: a number (count, sum, mean) or {category: count} (histogram)."""

    query: StatisticQuery
    value: float | int | dict[str, int | float]
    cost: PrivacyCost
    rows_per_owner: Mapping[str, int]  # records each owner contributed (after bounding)
    dropped_rows: int
    clamped_rows: int


@cache
def _dp() -> Any:
    import opendp.prelude as dp  # imported when a private statistic is first needed

    dp.enable_features("contrib")
    return dp


def mechanism_cost(mechanism: str, sensitivity: Decimal, scale: Decimal,
                   delta: Decimal | None = None) -> PrivacyCost:
    """The cost of adding Laplace or Gaussian noise of `scale` to a value of `sensitivity`."""
    if mechanism not in MECHANISMS:
        raise InvalidInput(f"must be one of {', '.join(MECHANISMS)}, got '{mechanism}'",
                           field="mechanism")
    if not scale > 0:
        raise InvalidInput(f"must be positive, got {scale}", field="scale")
    if sensitivity < 0:
        raise InvalidInput(f"must not be negative, got {sensitivity}", field="sensitivity")
    if mechanism == "laplace":
        delta = None  # pure: whatever delta was asked, the release spends none
    check_delta(mechanism, delta)
    dp = _dp()
    space = dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float)
    make = dp.m.make_laplace if mechanism == "laplace" else dp.m.make_gaussian
    return _cost(make(*space, scale=float(scale)), float(sensitivity), mechanism, delta)


def statistic_cost(query: StatisticQuery) -> PrivacyCost:
    """What releasing `query` costs, whatever the data."""
    return _cost(_measurement(query), query.bounds.max_rows_per_owner, query.mechanism,
                 query.delta)


def release_statistic(records: Iterable[OwnerRecord], query: StatisticQuery) -> StatisticRelease:
    """The noisy statistic over `records`, each owner's contribution bounded first."""
    bounded = bound_contributions(records, query)
    measurement = _measurement(query)
    if query.kind == "histogram":
        data: list[Any] = [r.category for r in bounded.records]
    elif query.kind == "count":
        data = [r.owner for r in bounded.records]
    else:
        data = [float(r.value) for r in bounded.records if r.value is not None]
    answer = measurement(data)
    value: float | int | dict[str, int | float]
    if query.kind == "histogram":
        value = dict(zip(query.categories, answer, strict=True))
    elif query.kind == "mean":
        noisy_sum, noisy_count = answer
        value = noisy_sum / max(noisy_count, 1)
    else:
        value = answer
    return StatisticRelease(query, value, statistic_cost(query), bounded.rows_per_owner,
                            bounded.dropped, bounded.clamped)


def _measurement(query: StatisticQuery) -> Any:
    dp = _dp()
    scale = float(query.scale)
    gaussian = query.mechanism == "gaussian"
    noise = dp.m.then_gaussian if gaussian else dp.m.then_laplace
    if query.kind == "histogram":
        space = dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance()
        metric = dp.L2Distance[int] if gaussian else dp.L1Distance[int]
        counts = dp.t.make_count_by_categories(*space, categories=list(query.categories),
                                               null_category=False, MO=metric)
        return counts >> noise(scale=scale)
    if query.kind == "count":
        space = dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance()
        return space >> dp.t.then_count() >> noise(scale=scale)
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()
    assert query.bounds.lower is not None and query.bounds.upper is not None
    bounds = (float(query.bounds.lower), float(query.bounds.upper))
    total = space >> dp.t.then_clamp(bounds=bounds) >> dp.t.then_sum() >> noise(scale=scale)
    if query.kind == "sum":
        return total
    widest = max(abs(bounds[0]), abs(bounds[1]))
    count_scale = scale / widest if widest > 0 else scale  # both halves cost about the same
    count = space >> dp.t.then_count() >> noise(scale=count_scale)
    return dp.c.make_composition([total, count])


def _cost(measurement: Any, d_in: float | int, mechanism: str,
          delta: Decimal | None) -> PrivacyCost:
    dp = _dp()
    try:
        return _map(dp, measurement, d_in, mechanism, delta)
    except dp.OpenDPException as exc:
        raise InvalidInput(f"OpenDP cannot account this release: {_first_line(exc)}",
                           field="scale") from None


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _map(dp: Any, measurement: Any, d_in: float | int, mechanism: str,
         delta: Decimal | None) -> PrivacyCost:
    if mechanism == "laplace":
        return PrivacyCost(epsilon=as_decimal(measurement.map(d_in)), mechanism=mechanism)
    assert delta is not None
    rho = measurement.map(d_in)
    approximate = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(measurement), float(delta))
    epsilon, fixed_delta = approximate.map(d_in)
    return PrivacyCost(epsilon=as_decimal(epsilon), delta=as_decimal(fixed_delta),
                       rho=as_decimal(rho), mechanism=mechanism)


def as_decimal(value: float) -> Decimal:
    """The decimal that prints OpenDP's float (its shortest round-trip text): what the ledger
    charges. It differs from the binary value by less than a unit in the 17th digit."""
    return Decimal(repr(float(value)))
