"""Insights on public benchmarks: NAB scores, C-MAPSS RUL accuracy, detector throughput.

Writes bench/results/insights.json:
- nab: per-file standard-profile score of `monetiot insights evaluate nab` beside the published
  numentaTM and best per-file scores, and the same at neighbouring thresholds (how flat the
  optimum is: one setting serves every series, so it must not be a needle);
- cmapss: RMSE and NASA score of `monetiot insights evaluate cmapss` over 5 seeds (mean,
  standard deviation, each run), training time, interval coverage;
- throughput: readings/s of `Detector.update` one reading at a time on one core, with the state
  kept in memory and with the state loaded and stored as bytes around every reading.
Each figure carries os.getloadavg() taken beside it (the machine is shared).

    .venv/bin/python bench/insights.py            # ~2 minutes
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from monetiot.insights.anomaly import Detector, SeriesState, Settings
from monetiot.insights.nab import score_file
from monetiot.insights.nab_evaluation import detect, evaluate_directory, report
from monetiot.insights.rul_evaluation import evaluate_cmapss
from monetiot.insights.series_files import read_series, read_windows, windows_for

ROOT = Path(__file__).resolve().parents[1]
NAB = ROOT / "tests" / "fixtures" / "nab"
CMAPSS = ROOT / "tests" / "fixtures" / "cmapss"


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def published(profile: str = "standard") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with (NAB / "published_per_file_scores.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["Profile"] != profile:
                continue
            entry = out.setdefault(row["File"].split("/")[1], {"best": (None, -1e9)})
            score = float(row["Score"])
            if row["Detector"] == "numentaTM":
                entry["numentaTM"] = score
            if score > entry["best"][1]:
                entry["best"] = (row["Detector"], score)
    return out


def nab() -> dict[str, Any]:
    windows_file = NAB / "combined_windows_subset.json"
    started = time.perf_counter()
    doc = report(evaluate_directory(NAB, windows_file))
    seconds = time.perf_counter() - started
    pub = published()
    files = []
    for entry in doc["files"]:  # type: ignore[attr-defined]
        p = pub[entry["file"]]
        files.append({**entry, "numentaTM": round(p["numentaTM"], 4),
                      "best_published": {"detector": p["best"][0], "score": round(p["best"][1], 4)},
                      "above_numentaTM": entry["score"] > p["numentaTM"],
                      "above_best": entry["score"] > p["best"][1]})
    windows = read_windows(windows_file)
    sensitivity = []
    for threshold in (2.5, 2.75, 3.0, 3.25, 3.5, 3.75):
        settings = dataclasses.replace(Settings(), threshold=threshold)
        row: dict[str, Any] = {"threshold": threshold}
        for entry in doc["files"]:  # type: ignore[attr-defined]
            series = read_series(NAB / entry["file"])
            key = f"realKnownCause/{entry['file']}"
            rows = windows_for(series, key, windows[key], windows_file)
            row[entry["file"]] = round(
                score_file(len(series.values), detect(series, settings), rows).score, 4)
        sensitivity.append(row)
    return {"profile": "standard", "settings": dataclasses.asdict(Settings()), "files": files,
            "total": doc["total"], "seconds": round(seconds, 2), "loadavg": load(),
            "threshold_sensitivity": sensitivity}


def cmapss(seeds: int) -> dict[str, Any]:
    runs = []
    for seed in range(seeds):
        doc = evaluate_cmapss(CMAPSS / "train_FD001.txt", CMAPSS / "test_FD001.txt",
                              CMAPSS / "RUL_FD001.txt", seed=seed)
        doc["loadavg"] = load()
        print(json.dumps(doc), flush=True)
        runs.append(doc)

    def spread(key: str) -> dict[str, float]:
        values = [r[key] for r in runs]
        return {"mean": round(statistics.mean(values), 4),
                "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
                "min": min(values), "max": max(values)}

    return {"cap": 125, "truth_clipped_at_cap": True, "seeds": seeds, "rmse": spread("rmse"),
            "nasa_score": spread("nasa_score"), "train_seconds": spread("train_seconds"),
            "interval_coverage": spread("interval_coverage"), "runs": runs}


def throughput() -> dict[str, Any]:
    series = [read_series(NAB / name) for name in sorted(os.listdir(NAB))
              if name.endswith(".csv") and name != "published_per_file_scores.csv"]
    readings = [(s.times_ms, s.values) for s in series]
    total = sum(len(t) for t, _ in readings)
    detector = Detector()
    best_memory = 0.0
    for _ in range(3):
        started = time.perf_counter()
        for times, values in readings:
            state = detector.new_state()
            for t, v in zip(times, values, strict=True):
                detector.update(state, t, v)
        best_memory = max(best_memory, total / (time.perf_counter() - started))
    memory_load = load()
    started = time.perf_counter()
    for times, values in readings:
        blob = detector.new_state().to_bytes()
        for t, v in zip(times, values, strict=True):
            state = SeriesState.from_bytes(blob)
            detector.update(state, t, v)
            blob = state.to_bytes()
    stored = total / (time.perf_counter() - started)
    return {"readings": total, "readings_per_s_state_in_memory": round(best_memory),
            "loadavg_in_memory": memory_load,
            "readings_per_s_state_from_bytes_each_reading": round(stored),
            "loadavg_from_bytes": load(), "state_bytes": len(blob), "goal": 10000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "insights.json")
    args = parser.parse_args()
    doc = {"throughput": throughput(), "nab": nab(), "cmapss": cmapss(args.seeds),
           "cpu_count": os.cpu_count()}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps({k: v for k, v in doc.items() if k != "cmapss"}, indent=2))
    print(json.dumps({k: v for k, v in doc["cmapss"].items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
