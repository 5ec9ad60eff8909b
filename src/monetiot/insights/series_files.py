"""Reading evaluation inputs: `timestamp,value` CSV series and NAB-layout window files.

Invariants: a series file has the header `timestamp,value` and exactly two fields per row; a
timestamp is ISO 8601 (`2014-01-07 02:55:00`, with or without fraction or offset; no offset
means UTC) and becomes epoch milliseconds; a value is a finite number. Windows are matched to
rows by time value, not text, and each must cover at least one row of its file, lie inside the
file's time range, and not overlap another. Every error is an `InvalidInput` naming the file
and the 1-based line (or the window's key and index).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monetiot.domain.errors import InvalidInput
from monetiot.insights.nab import Window


@dataclass(frozen=True)
class Series:
    """One file's readings in file order (which may repeat or go back in time)."""

    name: str
    times_ms: tuple[int, ...]
    values: tuple[float, ...]


def parse_time_ms(text: str) -> int:
    """Epoch milliseconds of an ISO 8601 timestamp; no offset means UTC."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def is_series_file(path: Path) -> bool:
    """Whether the file's first line is the `timestamp,value` header."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
    except OSError:
        return False
    return [c.strip().lower() for c in first.split(",")] == ["timestamp", "value"]


def read_series(path: Path, name: str | None = None) -> Series:
    """A `timestamp,value` CSV file."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror}") from None
    times: list[int] = []
    values: list[float] = []
    with handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            if line == 1:
                if [c.strip().lower() for c in row] != ["timestamp", "value"]:
                    raise InvalidInput(f"{path}:1: the header must be 'timestamp,value'")
                continue
            if not row:
                continue
            if len(row) != 2:
                raise InvalidInput(f"{path}:{line}: expected 2 columns (timestamp,value), "
                                   f"found {len(row)}")
            try:
                times.append(parse_time_ms(row[0]))
            except ValueError:
                raise InvalidInput(f"{path}:{line}: not a timestamp: {row[0]!r}") from None
            try:
                value = float(row[1])
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise InvalidInput(f"{path}:{line}: not a finite number: {row[1]!r}")
            values.append(value)
    if not times:
        raise InvalidInput(f"{path}: no readings")
    return Series(name or path.name, tuple(times), tuple(values))


def read_windows(path: Path) -> dict[str, list[tuple[int, int]]]:
    """NAB's layout: `{"category/NAME.csv": [[start, end], ...]}`, times as epoch ms."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise InvalidInput(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: expected an object of file name -> list of windows")
    out: dict[str, list[tuple[int, int]]] = {}
    for key, windows in data.items():
        if not isinstance(windows, list):
            raise InvalidInput(f"{path}: {key}: expected a list of [start, end] windows")
        pairs = []
        for i, window in enumerate(windows):
            where = f"{path}: {key} window {i}"
            if not (isinstance(window, list) and len(window) == 2
                    and all(isinstance(t, str) for t in window)):
                raise InvalidInput(f"{where}: expected [start, end] timestamps")
            try:
                start, end = parse_time_ms(window[0]), parse_time_ms(window[1])
            except ValueError:
                raise InvalidInput(f"{where}: not a timestamp in {window}") from None
            if end < start:
                raise InvalidInput(f"{where}: ends before it starts")
            pairs.append((start, end))
        out[key] = pairs
    return out


def windows_for(series: Series, key: str, windows: list[tuple[int, int]],
                source: Path) -> list[Window]:
    """The windows of `key` as row ranges of `series`, checked against the file."""
    times = series.times_ms
    first, last = min(times), max(times)
    rows: list[Window] = []
    for i, (start, end) in enumerate(sorted(windows)):
        where = f"{source}: {key} window {i}"
        if start < first or end > last:
            raise InvalidInput(f"{where} [{_iso(start)}, {_iso(end)}] lies outside "
                               f"{series.name} ({_iso(first)} to {_iso(last)})")
        inside = [r for r, t in enumerate(times) if start <= t <= end]
        if not inside:
            raise InvalidInput(f"{where} covers no row of {series.name}")
        window = Window(inside[0], inside[-1])
        if rows and window.first <= rows[-1].last:
            raise InvalidInput(f"{where} overlaps the window before it")
        rows.append(window)
    return rows


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
