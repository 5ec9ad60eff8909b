"""C-MAPSS files and the remaining-useful-life model (small, fast configurations)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.insights.cmapss import read_histories, read_rul
from monetiot.insights.rul import RulModel, RulSettings, features
from monetiot.insights.rul_evaluation import nasa_score

CMAPSS = Path(__file__).resolve().parents[1] / "fixtures" / "cmapss"
SMALL = RulSettings(trees=120, learning_rate=0.08)


def test_the_fd001_files_parse_to_the_documented_shape() -> None:
    train = read_histories(CMAPSS / "train_FD001.txt")
    test = read_histories(CMAPSS / "test_FD001.txt")
    assert [e.unit for e in train] == list(range(1, 101))
    assert sum(e.cycles for e in train) == 20631 and sum(e.cycles for e in test) == 13096
    assert (min(e.cycles for e in train), max(e.cycles for e in train)) == (128, 362)
    assert (min(e.cycles for e in test), max(e.cycles for e in test)) == (31, 303)
    assert all(len(row) == 24 for e in train for row in e.rows)
    rul = read_rul(CMAPSS / "RUL_FD001.txt", units=100)
    assert (min(rul), max(rul), len(rul)) == (7, 145, 100)


def test_a_wrong_column_count_names_the_file_and_line(tmp_path: Path) -> None:
    lines = (CMAPSS / "train_FD001.txt").read_text().splitlines()[:5]
    lines[3] = lines[3].rsplit(" ", 3)[0]
    bad = tmp_path / "train.txt"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput, match=rf"^{bad}:4: expected 26 columns, found 25$"):
        read_histories(bad)


def test_a_cycle_gap_names_the_line(tmp_path: Path) -> None:
    lines = (CMAPSS / "train_FD001.txt").read_text().splitlines()[:5]
    del lines[2]
    bad = tmp_path / "train.txt"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput, match=r":3: unit 1 cycle 4 should be 3"):
        read_histories(bad)


def test_training_needs_two_units() -> None:
    one = [read_histories(CMAPSS / "train_FD001.txt")[0].rows]
    with pytest.raises(InvalidInput, match="at least 2"):
        RulModel.train(one, SMALL)


def test_features_are_causal() -> None:
    import numpy as np

    history = np.asarray(read_histories(CMAPSS / "train_FD001.txt")[0].rows)
    keep = np.arange(history.shape[1])
    mean, std = history.mean(axis=0), history.std(axis=0) + 1.0
    whole = features(history, keep, mean, std)
    cut = features(history[:50], keep, mean, std)
    assert np.allclose(whole[:50], cut)


def test_a_small_model_beats_a_constant_on_held_out_units() -> None:
    engines = read_histories(CMAPSS / "train_FD001.txt")
    fit, held = engines[:60], engines[60:80]
    model = RulModel.train([e.rows for e in fit], SMALL)
    rnd = random.Random(0)
    cuts = [rnd.randint(31, e.cycles) for e in held]
    truth = [min(e.cycles - c, 125) for e, c in zip(held, cuts, strict=True)]
    estimates = [model.estimate(e.rows[:c]) for e, c in zip(held, cuts, strict=True)]
    rmse = math.sqrt(sum((x.rul - t) ** 2 for x, t in zip(estimates, truth, strict=True)) / 20)
    constant = sum(truth) / len(truth)
    baseline = math.sqrt(sum((constant - t) ** 2 for t in truth) / 20)
    assert rmse < 25 < baseline
    for x in estimates:
        assert 0 <= x.low <= x.rul <= x.high and x.coverage == 0.9
    covered = sum(x.low <= t <= x.high for x, t in zip(estimates, truth, strict=True))
    assert covered >= 12  # a 90 % interval of a small model on 20 cuts
    stored = RulModel.loads(model.dumps())
    assert [stored.estimate(e.rows[:c]) for e, c in zip(held, cuts, strict=True)] == estimates


def test_the_nasa_score_punishes_late_more_than_early() -> None:
    assert nasa_score([0.0]) == 0.0
    assert nasa_score([10.0]) == pytest.approx(math.e - 1)
    assert nasa_score([-13.0]) == pytest.approx(math.e - 1)
    assert nasa_score([10.0]) > nasa_score([-10.0])
