"""NAB's standard profile re-implemented: it reproduces the published anchors and rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from monetiot.insights.nab import (
    REWARD_LOW_FN,
    STANDARD,
    Window,
    probation_rows,
    scaled_sigmoid,
    score_file,
)
from monetiot.insights.nab_evaluation import detect
from monetiot.insights.series_files import read_series, read_windows, windows_for

NAB = Path(__file__).resolve().parents[1] / "fixtures" / "nab"
FILES = {"ambient_temperature_system_failure.csv": 2,
         "machine_temperature_system_failure.csv": 4, "nyc_taxi.csv": 5}


def _file(name: str) -> tuple[int, list[Window]]:
    series = read_series(NAB / name)
    key = f"realKnownCause/{name}"
    windows = read_windows(NAB / "combined_windows_subset.json")
    return len(series.values), windows_for(series, key, windows[key], NAB)


def _published(detector: str, profile: str = "standard") -> dict[str, dict[str, str]]:
    with (NAB / "published_per_file_scores.csv").open() as handle:
        return {row["File"].split("/")[1]: row for row in csv.DictReader(handle)
                if row["Detector"] == detector and row["Profile"] == profile}


@pytest.mark.parametrize("name", FILES)
def test_the_null_detector_reproduces_the_published_row(name: str) -> None:
    rows, windows = _file(name)
    got = score_file(rows, [], windows)
    published = _published("null")[name]
    assert got.score == pytest.approx(float(published["Score"])) == -FILES[name]
    assert (got.tp, got.fp, got.fn) == (0, 0, int(published["FN"]))


@pytest.mark.parametrize("name", FILES)
def test_a_perfect_detector_scores_one_per_window(name: str) -> None:
    rows, windows = _file(name)
    got = score_file(rows, [w.first for w in windows], windows)
    assert got.score == pytest.approx(FILES[name])
    assert got.windows_detected == got.windows == FILES[name]


@pytest.mark.parametrize("detector", ["bayesChangePt", "expose", "skyline", "windowedGaussian",
                                      "twitterADVec", "earthgeckoSkyline"])
def test_published_rows_without_detections_are_reproduced(detector: str) -> None:
    for name, row in _published(detector).items():
        if int(row["TP"]) or int(row["FP"]):
            continue
        rows, windows = _file(name)
        got = score_file(rows, [], windows)
        assert got.score == pytest.approx(float(row["Score"]))
        assert got.fn == int(row["FN"])


def test_windows_are_centred_by_row_count_as_the_readme_says() -> None:
    widths = {name: {w.width for w in _file(name)[1]} for name in FILES}
    assert widths == {"ambient_temperature_system_failure.csv": {363},
                      "machine_temperature_system_failure.csv": {567}, "nyc_taxi.csv": {207}}


def test_the_scaled_sigmoid_and_the_probation() -> None:
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scaled_sigmoid(3.5) == -1.0
    assert probation_rows(22695) == 750 and probation_rows(1000) == 150


def test_detection_position_and_false_positive_weighting() -> None:
    windows = [Window(2000, 2099)]
    early = score_file(5000, [2000], windows).score
    late = score_file(5000, [2099], windows).score
    assert early == pytest.approx(1.0) and -0.01 < late < 0.05
    # Only the first detection in a window counts; extra ones are free.
    assert score_file(5000, [2000, 2050], windows).score == pytest.approx(1.0)
    # A false alarm before the first window costs fpWeight; right after a window almost nothing.
    before = score_file(5000, [1000, 2000], windows).score - 1.0
    just_after = score_file(5000, [2000, 2101], windows).score - 1.0
    far_after = score_file(5000, [2000, 4500], windows).score - 1.0
    assert before == pytest.approx(-0.11)
    assert -0.11 < far_after < just_after < 0
    # Detections in the probation period are not scored at all.
    assert score_file(5000, [10], windows).score == -1.0
    assert score_file(5000, [], windows, REWARD_LOW_FN).score == -2.0
    assert STANDARD.fp_weight == 0.11


def test_the_evaluation_runs_the_live_path_and_skips_late_rows() -> None:
    series = read_series(NAB / "machine_temperature_system_failure.csv")
    detections = detect(series)
    repeated = range(10149, 10161)  # the repeated hour of 2014-01-07 02:00-02:55
    assert series.times_ms[10149] < series.times_ms[10148]
    assert not set(detections) & set(repeated)
    assert detections
