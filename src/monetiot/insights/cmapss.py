"""The NASA C-MAPSS run-to-failure files (train_FD00x, test_FD00x, RUL_FD00x) as engine histories.

Invariants: a file is whitespace-separated rows of exactly 26 numbers (unit, cycle, 3 settings,
21 sensors); within a unit, cycles run 1, 2, 3, ... without gaps and rows of one unit are
contiguous; any breach is an `InvalidInput` naming the file and the 1-based line. An RUL file
has one non-negative integer per line, one per test unit in unit order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monetiot.domain.errors import InvalidInput

COLUMNS = 26
SETTINGS = ("setting1", "setting2", "setting3")
SENSORS = tuple(f"s{i}" for i in range(1, 22))
CHANNELS = SETTINGS + SENSORS


@dataclass(frozen=True)
class Engine:
    """One engine's history: its id and, per cycle 1..n, the 24 channel readings."""

    unit: int
    rows: tuple[tuple[float, ...], ...]

    @property
    def cycles(self) -> int:
        return len(self.rows)


def read_histories(path: Path) -> list[Engine]:
    """The engines of a train or test file, in file order."""
    text = _read(path)
    engines: list[Engine] = []
    unit = -1
    rows: list[tuple[float, ...]] = []
    seen: set[int] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != COLUMNS:
            raise InvalidInput(f"{path}:{number}: expected {COLUMNS} columns, found {len(fields)}")
        try:
            values = [float(f) for f in fields]
        except ValueError:
            raise InvalidInput(f"{path}:{number}: not a number in {line.strip()!r}") from None
        u, cycle = int(values[0]), int(values[1])
        if values[0] != u or values[1] != cycle:
            raise InvalidInput(f"{path}:{number}: unit and cycle must be integers")
        if u != unit:
            if u in seen:
                raise InvalidInput(f"{path}:{number}: unit {u} appears again after other units")
            if rows:
                engines.append(Engine(unit, tuple(rows)))
            unit, rows = u, []
            seen.add(u)
        if cycle != len(rows) + 1:
            raise InvalidInput(f"{path}:{number}: unit {u} cycle {cycle} should be "
                               f"{len(rows) + 1} (cycles run 1, 2, 3, ... without gaps)")
        rows.append(tuple(values[2:]))
    if rows:
        engines.append(Engine(unit, tuple(rows)))
    if not engines:
        raise InvalidInput(f"{path}: no rows")
    return engines


def read_rul(path: Path, units: int | None = None) -> list[int]:
    """The true remaining life of each test unit, in unit order."""
    text = _read(path)
    values: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 1:
            raise InvalidInput(f"{path}:{number}: expected 1 column, found {len(fields)}")
        try:
            value = int(fields[0])
        except ValueError:
            raise InvalidInput(f"{path}:{number}: not an integer: {fields[0]!r}") from None
        if value < 0:
            raise InvalidInput(f"{path}:{number}: remaining life cannot be negative: {value}")
        values.append(value)
    if units is not None and len(values) != units:
        raise InvalidInput(f"{path}: {len(values)} values for {units} test units")
    return values


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read: {exc}") from None
