"""NAB's scoring of an anomaly detector: windows, the scaled sigmoid and application profiles.

The rules are those of the Numenta Anomaly Benchmark (re-implemented from its documentation and
the description in the nab-subset README, not copied). Invariants:
- the first `probation_rows(n)` = min(floor(0.15 n), 750) rows of a file are not scored;
- inside a window only the first detection scores, tp_weight * sigma(y) / sigma(-1), where y is
  the row's position relative to the window's right edge (-1 = left edge, 0 = right edge);
  later detections in the same window add nothing;
- a window without a detection costs fn_weight;
- a detection outside every window scores fp_weight * sigma(y), y = rows past the previous
  window's right edge in window widths (sigma(y) = -1 past 3 widths and before the first window);
- counts are rows, as in NAB's published result files: tp = detections inside windows,
  fp = detections outside, fn = window rows without a detection (all after probation).
So the null detector scores -fn_weight per window and a detector that fires exactly on each
window's first row scores +tp_weight per window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """An application profile: how much a caught window, a miss and a false alarm weigh."""

    name: str
    tp_weight: float
    fn_weight: float
    fp_weight: float


STANDARD = Profile("standard", tp_weight=1.0, fn_weight=1.0, fp_weight=0.11)
REWARD_LOW_FP = Profile("reward_low_FP_rate", tp_weight=1.0, fn_weight=1.0, fp_weight=0.22)
REWARD_LOW_FN = Profile("reward_low_FN_rate", tp_weight=1.0, fn_weight=2.0, fp_weight=0.11)
PROFILES = {p.name: p for p in (STANDARD, REWARD_LOW_FP, REWARD_LOW_FN)}


@dataclass(frozen=True)
class Window:
    """Rows first..last (inclusive, 0-based) of a file form one anomaly window."""

    first: int
    last: int

    @property
    def width(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class FileScore:
    """One file's raw NAB score and its row counts."""

    score: float
    tp: int
    fp: int
    fn: int
    windows: int
    windows_detected: int


def probation_rows(rows: int) -> int:
    """Rows at the start of a file that are not scored: min(floor(0.15 n), 750)."""
    return min(math.floor(0.15 * rows), 750)


def scaled_sigmoid(y: float) -> float:
    """NAB's sigma: +1 far before a window's right edge, 0 at it, -1 far after (past 3)."""
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def score_file(rows: int, detections: Sequence[int], windows: Sequence[Window],
               profile: Profile = STANDARD) -> FileScore:
    """The raw score of detections (row indices) on a file of `rows` rows with these windows.

    Windows must be sorted, disjoint and inside the file (`file_windows` makes them so).
    """
    probation = probation_rows(rows)
    window_of = [-1] * rows
    for k, w in enumerate(windows):
        for i in range(w.first, w.last + 1):
            window_of[i] = k
    detected = sorted({i for i in detections if probation <= i < rows})
    first_hit: dict[int, int] = {}
    score = 0.0
    tp = fp = 0
    previous: Window | None = None
    k_next = 0
    for i in detected:
        while k_next < len(windows) and windows[k_next].last < i:
            previous = windows[k_next]
            k_next += 1
        k = window_of[i]
        if k >= 0:
            tp += 1
            if k not in first_hit:
                first_hit[k] = i
                w = windows[k]
                y = -(w.last - i + 1) / w.width
                score += profile.tp_weight * scaled_sigmoid(y) / scaled_sigmoid(-1.0)
        else:
            fp += 1
            if previous is None:
                score += -profile.fp_weight
            else:
                y = abs(previous.last - i) / max(previous.width - 1, 1)
                score += profile.fp_weight * scaled_sigmoid(y)
    scored_windows = [k for k, w in enumerate(windows) if w.last >= probation]
    missed = [k for k in scored_windows if k not in first_hit]
    score -= profile.fn_weight * len(missed)
    window_rows = sum(1 for i in range(probation, rows) if window_of[i] >= 0)
    return FileScore(score=score, tp=tp, fp=fp, fn=window_rows - tp, windows=len(scored_windows),
                     windows_detected=len(first_hit))
