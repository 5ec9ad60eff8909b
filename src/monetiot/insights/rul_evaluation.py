"""The C-MAPSS protocol: train on run-to-failure units, predict each test unit at its last cycle.

Invariants: the training target is capped at `cap` (125), the true test RUL is clipped at the
same cap; RMSE and the NASA/PHM08 score (d = predicted - true; exp(-d/13) - 1 when early,
exp(d/10) - 1 when late) are over every test unit; the test truth is read only to score, after
the model is trained; `train_seconds` is the wall time of training alone (model and interval).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from monetiot.domain.errors import InvalidInput
from monetiot.insights.cmapss import CHANNELS, read_histories, read_rul
from monetiot.insights.rul import RulModel, RulSettings


def nasa_score(errors: list[float]) -> float:
    """PHM08's asymmetric score: late predictions (d > 0) cost more than early ones."""
    return sum(math.exp(-d / 13.0) - 1.0 if d < 0 else math.exp(d / 10.0) - 1.0 for d in errors)


def evaluate_cmapss(train: Path, test: Path, rul: Path, seed: int = 0,
                    settings: RulSettings | None = None) -> dict[str, Any]:
    settings = dataclasses.replace(settings or RulSettings(), seed=seed)
    engines = read_histories(train)
    if len(engines) < 2:
        only = engines[0]
        raise InvalidInput(f"{train}:1-{only.cycles}: only one unit (unit {only.unit}); training "
                           f"needs at least 2 run-to-failure units")
    tests = read_histories(test)
    truth = read_rul(rul, units=len(tests))
    model = RulModel.train([e.rows for e in engines], settings, channels=CHANNELS)
    estimates = [model.estimate(e.rows) for e in tests]
    cap = settings.cap
    errors = [e.rul - min(t, cap) for e, t in zip(estimates, truth, strict=True)]
    covered = sum(1 for e, t in zip(estimates, truth, strict=True)
                  if e.low <= min(t, cap) <= e.high)
    return {
        "rmse": round(math.sqrt(sum(d * d for d in errors) / len(errors)), 4),
        "nasa_score": round(nasa_score(errors), 2),
        "cap": cap,
        "units": len(tests),
        "train_seconds": round(model.train_seconds, 2),
        "seed": seed,
        "interval_coverage": round(covered / len(tests), 4),
        "interval_target": settings.coverage,
    }
