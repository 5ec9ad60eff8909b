"""The anomaly detector run over a directory of series and scored with NAB's rules.

Invariants: every series (a `.csv` under the directory whose header is `timestamp,value`;
other CSVs, such as NAB's result tables, are not series and are skipped) goes through
`Detector.update` one reading at a time, in file order, with the default `Settings` and a state
round-tripped through `to_bytes`/`from_bytes` every `STORE_EVERY` readings, as the live
subscriber stores it; a row's detection is the verdict's `anomaly` flag (late rows never
detect). Files are evaluated sorted by relative path; a file's windows are the entry whose key
is its relative path or ends with `/NAME.csv`; a file without an entry is an error, entries
without a file are ignored (NAB's full label file can be used with a subset of its data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monetiot.domain.errors import InvalidInput
from monetiot.insights.anomaly import Detector, SeriesState, Settings
from monetiot.insights.nab import STANDARD, FileScore, Profile, score_file
from monetiot.insights.series_files import (
    Series,
    is_series_file,
    read_series,
    read_windows,
    windows_for,
)

STORE_EVERY = 100


@dataclass(frozen=True)
class FileResult:
    file: str
    detections: tuple[int, ...]
    score: FileScore


def detect(series: Series, settings: Settings | None = None) -> list[int]:
    """Rows where the detector raises an anomaly, run as live (state stored periodically)."""
    detector = Detector(settings)
    state = detector.new_state()
    rows = []
    for i, (t, v) in enumerate(zip(series.times_ms, series.values, strict=True)):
        if detector.update(state, t, v).anomaly:
            rows.append(i)
        if i % STORE_EVERY == STORE_EVERY - 1:
            state = SeriesState.from_bytes(state.to_bytes())
    return rows


def evaluate_directory(data: Path, windows_file: Path, profile: Profile = STANDARD,
                       settings: Settings | None = None) -> list[FileResult]:
    if not data.is_dir():
        raise InvalidInput(f"{data}: not a directory", field="data")
    windows = read_windows(windows_file)
    files = sorted(p for p in data.rglob("*.csv") if p.is_file() and is_series_file(p))
    if not files:
        raise InvalidInput(f"{data}: no timestamp,value .csv files", field="data")
    results = []
    for path in files:
        relative = path.relative_to(data).as_posix()
        key = _key(relative, path.name, windows)
        if key is None:
            raise InvalidInput(f"{windows_file}: no windows for {relative} (expected a key "
                               f"like 'category/{path.name}')")
        series = read_series(path, relative)
        rows = windows_for(series, key, windows[key], windows_file)
        detections = detect(series, settings)
        results.append(FileResult(relative, tuple(detections),
                                  score_file(len(series.values), detections, rows, profile)))
    return results


def _key(relative: str, name: str, windows: dict[str, list[tuple[int, int]]]) -> str | None:
    if relative in windows:
        return relative
    matches = [k for k in windows if k == name or k.endswith("/" + name)]
    return matches[0] if len(matches) == 1 else None


def report(results: list[FileResult]) -> dict[str, object]:
    """The JSON document of `monetiot insights evaluate nab --json`."""
    files = [{"file": r.file, "score": round(r.score.score, 6), "tp": r.score.tp,
              "fp": r.score.fp, "fn": r.score.fn} for r in results]
    return {"files": files, "total": round(sum(r.score.score for r in results), 6),
            "profile": STANDARD.name}
