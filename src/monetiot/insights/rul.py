"""Remaining useful life (RUL): features from a sensor history, a gradient-boosted model, intervals.

A `RulModel` is trained on run-to-failure histories (each a sequence of cycles, each cycle a
tuple of channel readings, the last cycle being the failure) and estimates, from any history
cut short, how many cycles remain, with a calibrated interval. Invariants:
- the training target of a cycle is min(cycles left, cap): nobody can tell 300 from 200 cycles
  left on a healthy engine, and the cap keeps the model from trying;
- features of a cycle use only that cycle and the ones before it (causal), so a training row
  looks exactly like a live history ending there; channels that do not vary in training are
  dropped; the rest are standardised with the training mean and spread;
- the interval is split-conformal over whole held-out units (Mondrian, by predicted RUL band),
  calibrated on the cycles where the capped target is below the cap (degradation has begun:
  the cycles an alert is about): the calibration units never fit the model that is
  calibrated, and the final point model is refit on every unit;
- numpy and LightGBM are imported here only; callers import this module lazily.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from monetiot.domain.errors import InvalidInput

History = Sequence[Sequence[float]]

SPANS = (5, 20)  # EW smoothing spans of the level features
WINDOWS = (10, 30)  # trailing windows of the slope features
BANDS = (0.0, 40.0, 90.0)  # lower edges of the predicted-RUL bands of the conformal interval


@dataclass(frozen=True)
class RulSettings:
    """Model and interval settings (chosen by grouped cross-validation, bench/insights_cv.py)."""

    cap: int = 125
    trees: int = 900
    learning_rate: float = 0.03
    leaves: int = 7
    min_child: int = 50
    feature_fraction: float = 0.7
    bagging_fraction: float = 0.8
    coverage: float = 0.9
    calibration_share: float = 0.2
    seed: int = 0
    threads: int = 1


@dataclass(frozen=True)
class RulEstimate:
    """An RUL estimate in cycles: the point value and an interval meant to hold it `coverage`."""

    rul: float
    low: float
    high: float
    coverage: float


def _np() -> Any:
    import numpy

    return numpy


def features(history: Any, keep: Any, mean: Any, std: Any) -> Any:
    """One feature row per cycle of `history` (cycles x channels array), causal."""
    np = _np()
    x = (np.asarray(history, dtype=float)[:, keep] - mean) / std
    n = x.shape[0]
    cols = [np.arange(1, n + 1, dtype=float)[:, None]]
    for span in SPANS:
        cols.append(_ewm(x, 2.0 / (span + 1.0)))
    start = np.cumsum(x, axis=0)[: min(n, 10)][-1] / min(n, 10)
    cols.append(_ewm(x, 2.0 / 21.0) - start)
    for window in WINDOWS:
        cols.append(_slope(x, window))
    return np.hstack(cols)


def _ewm(x: Any, alpha: float) -> Any:
    np = _np()
    out = np.empty_like(x)
    acc = x[0].copy()
    for i in range(x.shape[0]):
        acc += alpha * (x[i] - acc)
        out[i] = acc
    return out


def _slope(x: Any, window: int) -> Any:
    """Least-squares slope over the trailing `window` cycles (fewer at the start)."""
    np = _np()
    n = x.shape[0]
    t = np.arange(n, dtype=float)
    c0 = np.concatenate([[0.0], np.ones(n).cumsum()])
    ct = np.concatenate([[0.0], t.cumsum()])
    ctt = np.concatenate([[0.0], (t * t).cumsum()])
    cx = np.vstack([np.zeros((1, x.shape[1])), x.cumsum(axis=0)])
    ctx = np.vstack([np.zeros((1, x.shape[1])), (t[:, None] * x).cumsum(axis=0)])
    hi = np.arange(1, n + 1)
    lo = np.maximum(0, hi - window)
    k = (c0[hi] - c0[lo])[:, None]
    st = (ct[hi] - ct[lo])[:, None]
    stt = (ctt[hi] - ctt[lo])[:, None]
    sx = cx[hi] - cx[lo]
    stx = ctx[hi] - ctx[lo]
    den = k * stt - st * st
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (k * stx - st * sx) / den
    return np.where(den > 0, slope, 0.0)


@dataclass
class RulModel:
    """A trained model: channel selection, scaling, the booster and the interval's half-widths."""

    settings: RulSettings
    channels: tuple[str, ...] = ()
    keep: Any = None
    mean: Any = None
    std: Any = None
    booster: Any = None
    margins: list[tuple[float, float]] = field(default_factory=list)  # per band: below, above
    train_seconds: float = 0.0

    @classmethod
    def train(cls, histories: Sequence[History], settings: RulSettings | None = None,
              channels: Sequence[str] = ()) -> RulModel:
        """Fit on run-to-failure histories (each ends at failure); at least two are needed.

        `channels` names the columns of a cycle (e.g. device properties), in order; a live
        history must give them in the same order.
        """
        settings = settings or RulSettings()
        if len(histories) < 2:
            raise InvalidInput(f"training needs at least 2 run-to-failure units, got "
                               f"{len(histories)}", field="train")
        np = _np()
        started = time.perf_counter()
        model = cls(settings, channels=tuple(channels))
        stacked = np.vstack([np.asarray(h, dtype=float) for h in histories])
        std = stacked.std(axis=0)
        model.keep = np.flatnonzero(std > 1e-6 * (1.0 + np.abs(stacked.mean(axis=0))))
        if model.keep.size == 0:
            raise InvalidInput("no channel varies in the training histories", field="train")
        model.mean = stacked.mean(axis=0)[model.keep]
        model.std = std[model.keep]
        rng = np.random.default_rng(settings.seed)
        order = rng.permutation(len(histories))
        n_cal = max(1, round(settings.calibration_share * len(histories)))
        cal, fit = order[:n_cal], order[n_cal:]
        calibrating = model._fit([histories[i] for i in fit])
        model.margins = model._calibrate(calibrating, [histories[i] for i in cal])
        model.booster = model._fit(histories)
        model.train_seconds = time.perf_counter() - started
        return model

    def _table(self, histories: Sequence[History]) -> tuple[Any, Any]:
        np = _np()
        xs, ys = [], []
        for h in histories:
            f = features(h, self.keep, self.mean, self.std)
            xs.append(f)
            ys.append(np.minimum(np.arange(len(f) - 1, -1, -1, dtype=float), self.settings.cap))
        return np.vstack(xs), np.concatenate(ys)

    def _fit(self, histories: Sequence[History]) -> Any:
        import lightgbm

        s = self.settings
        x, y = self._table(histories)
        params = {"objective": "regression", "learning_rate": s.learning_rate,
                  "num_leaves": s.leaves, "min_data_in_leaf": s.min_child,
                  "feature_fraction": s.feature_fraction, "bagging_fraction": s.bagging_fraction,
                  "bagging_freq": 1, "seed": s.seed, "num_threads": s.threads, "verbose": -1,
                  "deterministic": True, "force_row_wise": True}
        return lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=s.trees)

    def _calibrate(self, booster: Any, histories: Sequence[History]) -> list[tuple[float, float]]:
        np = _np()
        x, y = self._table(histories)
        pred = np.clip(booster.predict(x), 0.0, self.settings.cap)
        degrading = y < self.settings.cap
        x, y, pred = x[degrading], y[degrading], pred[degrading]
        band = np.searchsorted(BANDS, pred, side="right") - 1
        q = 1.0 - (1.0 - self.settings.coverage) / 2.0
        margins = []
        for b in range(len(BANDS)):
            r = (y - pred)[band == b]
            if r.size < 20:
                r = y - pred
            margins.append((float(np.quantile(-r, q)), float(np.quantile(r, q))))
        return margins

    def predict_many(self, histories: Sequence[History]) -> Any:
        """Point estimates at the last cycle of each history."""
        np = _np()
        rows = np.vstack([features(h, self.keep, self.mean, self.std)[-1:] for h in histories])
        return np.clip(self.booster.predict(rows), 0.0, self.settings.cap)

    def estimate(self, history: History) -> RulEstimate:
        """The RUL after the last cycle of `history`, with its conformal interval."""
        if len(history) == 0:
            raise InvalidInput("an RUL estimate needs at least one cycle", field="history")
        np = _np()
        point = float(self.predict_many([history])[0])
        below, above = self.margins[int(np.searchsorted(BANDS, point, side="right") - 1)]
        return RulEstimate(rul=point, low=max(0.0, point - below), high=point + above,
                           coverage=self.settings.coverage)

    def dumps(self) -> str:
        """The trained model as JSON text (booster included), for storage."""
        return json.dumps({
            "version": 1, "settings": dataclasses.asdict(self.settings),
            "channels": list(self.channels), "keep": [int(k) for k in self.keep],
            "mean": [float(x) for x in self.mean], "std": [float(x) for x in self.std],
            "margins": self.margins, "train_seconds": self.train_seconds,
            "booster": self.booster.model_to_string()})

    @classmethod
    def loads(cls, text: str) -> RulModel:
        """A model stored by `dumps`; it predicts exactly what the stored one did."""
        import lightgbm

        np = _np()
        doc = json.loads(text)
        if doc.get("version") != 1:
            raise ValueError("not a stored RulModel of this version")
        return cls(RulSettings(**doc["settings"]), channels=tuple(doc["channels"]),
                   keep=np.asarray(doc["keep"], dtype=int),
                   mean=np.asarray(doc["mean"]), std=np.asarray(doc["std"]),
                   booster=lightgbm.Booster(model_str=doc["booster"]),
                   margins=[(float(a), float(b)) for a, b in doc["margins"]],
                   train_seconds=doc["train_seconds"])
