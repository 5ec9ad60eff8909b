"""Choose the RUL model's settings by grouped cross-validation on the C-MAPSS TRAINING units only.

Each candidate setting is fitted on 4/5 of the training units and scored on the held-out fifth,
folds grouped by unit (an engine is never on both sides). A held-out unit is scored at every
cycle from 31 on against its capped true RUL: the test file's units are cut off at random points
after at least 31 cycles, so this mirrors the test protocol without ever reading the test files.
Writes bench/results/insights_cv.json.

    .venv/bin/python bench/insights_cv.py --train tests/fixtures/cmapss/train_FD001.txt
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np

from monetiot.insights.cmapss import read_histories
from monetiot.insights.rul import RulModel, RulSettings

# Deviations from the first cut (leaves 15, 600 trees); the winner became RulSettings' default.
CANDIDATES = {
    "first_cut": {"leaves": 15, "trees": 600},
    "shallow": {"leaves": 7, "trees": 900},
    "deeper": {"leaves": 31, "min_child": 100, "trees": 400},
    "slow": {"leaves": 15, "learning_rate": 0.015, "trees": 1200},
}


def cross_validate(histories: list, settings: RulSettings, folds: int = 5) -> dict:
    rng = np.random.default_rng(1234)
    order = rng.permutation(len(histories))
    errors = []
    for k in range(folds):
        held = set(order[k::folds].tolist())
        train = [h for i, h in enumerate(histories) if i not in held]
        model = _fit_point(train, settings)
        for i in sorted(held):
            h = histories[i]
            n = len(h)
            cuts = list(range(31, n + 1))
            pred = model.predict_many([h[:c] for c in cuts])
            truth = np.minimum(n - np.asarray(cuts), settings.cap)
            errors.append(pred - truth)
    e = np.concatenate(errors)
    return {"rmse": float(np.sqrt(np.mean(e ** 2))), "rows": int(e.size)}


def _fit_point(histories: list, settings: RulSettings) -> RulModel:
    """The point model alone (no interval): what the cross-validation compares."""
    stacked = np.vstack([np.asarray(h, dtype=float) for h in histories])
    std = stacked.std(axis=0)
    model = RulModel(settings)
    model.keep = np.flatnonzero(std > 1e-6 * (1.0 + np.abs(stacked.mean(axis=0))))
    model.mean = stacked.mean(axis=0)[model.keep]
    model.std = std[model.keep]
    model.booster = model._fit(histories)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--only", default="", help="comma-separated candidate names")
    parser.add_argument("--json", type=Path, default=Path("bench/results/insights_cv.json"))
    args = parser.parse_args()
    histories = [e.rows for e in read_histories(args.train)]
    names = [n for n in CANDIDATES if not args.only or n in args.only.split(",")]
    results = []
    for name in names:
        settings = dataclasses.replace(RulSettings(), **CANDIDATES[name])
        started = time.perf_counter()
        cv = cross_validate(histories, settings)
        row = {"candidate": name, "settings": dataclasses.asdict(settings), **cv,
               "seconds": round(time.perf_counter() - started, 1),
               "loadavg": os.getloadavg()[0]}
        print(json.dumps(row), flush=True)
        results.append(row)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
