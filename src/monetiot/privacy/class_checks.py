"""Which equivalence classes of a node fail the policy, for all classes at once (numpy).

The same decisions as `domain.privacy.models`, vectorised: class size against the minimum,
distinct-l, entropy-l (natural log) and t-closeness (equal or ordered distance EMD to the whole
table's distribution). Floats decide what is clearly on one side of a threshold; a class within
`BAND` of it is decided exactly by the domain's `ClassModels.holds`, so the search and the
reference evaluation never disagree on a tie.

Ordered-distance EMD without a dense class x value matrix: within a class the cumulative
distribution F is a step function over the sorted values present, and the reference's cumulative
G is non-decreasing, so sum_j |F(j) - G(j)| over each step is found with one `searchsorted` and the
prefix sums of G.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from monetiot.domain.privacy import PreparedTable
from monetiot.domain.privacy.models import BAND
from monetiot.privacy.encoding import Array, Encoding, State, counts_of, sensitive_codes

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


def failing(prepared: PreparedTable, encoding: Encoding, state: State, starts: Array,
            sizes: Array) -> Flags:
    """One flag per class: True when the class must be suppressed."""
    policy, models = prepared.policy, prepared.models
    fail: Flags = sizes < policy.min_class_size
    if not policy.has_sensitive_models:
        return fail
    counts = counts_of(encoding.layout, state)
    ends = np.append(starts[1:], len(counts))
    ambiguous = np.zeros(len(starts), bool)
    if models.l_distinct is not None:
        fail |= (ends - starts) < models.l_distinct
    if models.l_entropy is not None:
        weighted = np.add.reduceat(counts * np.log(counts), starts)
        margin = np.log(sizes) - weighted / sizes - math.log(models.l_entropy)
        fail |= margin < -BAND
        ambiguous |= np.abs(margin) <= BAND
    if models.t is not None:
        owner = np.repeat(np.arange(len(starts)), ends - starts)
        codes = sensitive_codes(encoding, state)
        if models.ordered:
            distance = _emd_ordered(encoding, counts, codes, starts, ends, owner, sizes)
        else:
            distance = _emd_equal(encoding, counts, codes, starts, owner, sizes)
        margin = float(models.t) - distance
        fail |= margin < -BAND
        ambiguous |= np.abs(margin) <= BAND
    undecided = np.flatnonzero(ambiguous & ~fail)
    if len(undecided):
        codes = sensitive_codes(encoding, state)
        for c in undecided.tolist():
            start, end = int(starts[c]), int(ends[c])
            fail[c] = not _exact(encoding, prepared, codes[start:end], counts[start:end])
    return fail


def _exact(encoding: Encoding, prepared: PreparedTable, codes: Array, counts: Array) -> bool:
    dense = [0] * encoding.sensitive_values
    for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
        dense[code] += count
    return prepared.models.holds(dense, encoding.reference_counts)


def _emd_equal(encoding: Encoding, counts: Array, codes: Array, starts: Array, owner: Array,
               sizes: Array) -> Floats:
    """1/2 sum |p - q| = 1/2 (1 + sum over present values of (|p - q| - q))."""
    q = encoding.reference[codes]
    terms = np.abs(counts / sizes[owner] - q) - q
    result: Floats = 0.5 * (1.0 + np.add.reduceat(terms, starts))
    return result


def _emd_ordered(encoding: Encoding, counts: Array, codes: Array, starts: Array, ends: Array,
                 owner: Array, sizes: Array) -> Floats:
    m = encoding.sensitive_values
    if m < 2:
        return np.zeros(len(starts))
    cumulative = np.cumsum(encoding.reference)  # G(j)
    prefix = np.concatenate(([0.0], np.cumsum(cumulative)))  # prefix[j] = sum_{i<j} G(i)
    running = np.cumsum(counts)
    before = (running[starts] - counts[starts])[owner]
    level = (running - before) / sizes[owner]  # F on [code, next code)
    following = np.empty_like(codes)
    following[:-1] = codes[1:]
    following[ends - 1] = m
    split = np.clip(np.searchsorted(cumulative, level, side="right"), codes, following)
    below = level * (split - codes) - (prefix[split] - prefix[codes])
    above = (prefix[following] - prefix[split]) - level * (following - split)
    total = np.add.reduceat(below + above, starts) + prefix[codes[starts]]
    result: Floats = total / (m - 1)
    return result
