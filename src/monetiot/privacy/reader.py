"""Reading and writing ARX-style files: `;`-separated tables with a header row, and hierarchy
files named `*hierarchy_<attribute>.csv` (no header, one row per value, levels 0..n).

Invariants: fields are read as text, exactly as written (no number parsing, no trimming); blank
lines are skipped but every row keeps its line number, so errors name the file and line; a
directory with two hierarchy files for one attribute is refused; hierarchies are only read for
the attributes asked for. The written table uses the same format, so it can be read back.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from monetiot.domain.errors import InvalidInput
from monetiot.domain.privacy import Hierarchy, Microdata, hierarchy_from_rows, microdata

DELIMITER = ";"
_HIERARCHY = re.compile(r"hierarchy_(?P<attribute>.+)\.csv$")


def read_table(path: Path) -> Microdata:
    """The table in `path`: the header, then one record per non-blank line."""
    rows = _rows(path, "table")
    if not rows:
        raise InvalidInput(f"{path.name}: the table is empty (no header row)")
    (_, header), body = rows[0], rows[1:]
    return microdata(header, [fields for _, fields in body], path.name,
                     [line for line, _ in body])


def hierarchy_files(directory: Path) -> dict[str, Path]:
    """attribute -> its hierarchy file in `directory`."""
    if not directory.is_dir():
        raise InvalidInput(f"{directory} is not a directory", field="hierarchies")
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        match = _HIERARCHY.search(path.name)
        if match is None or not path.is_file():
            continue
        attribute = match.group("attribute")
        if attribute in found:
            raise InvalidInput(f"two hierarchy files for '{attribute}': {found[attribute].name} "
                               f"and {path.name}", field="hierarchies")
        found[attribute] = path
    return found


def read_hierarchies(directory: Path, attributes: Iterable[str]) -> dict[str, Hierarchy]:
    """The hierarchies of `attributes` that `directory` holds (a missing one is reported when
    the table is prepared, naming the attribute)."""
    files = hierarchy_files(directory)
    return {name: hierarchy_from_rows(name, _rows(files[name], "hierarchy"), files[name].name)
            for name in attributes if name in files}


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write a table in the format `read_table` reads; the number of records written."""
    written = 0
    try:
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\n")
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                written += 1
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}", field="out") from None
    return written


def _rows(path: Path, what: str) -> list[tuple[int, list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as source:
            reader = csv.reader(source, delimiter=DELIMITER)
            rows = []
            for fields in reader:
                if fields:
                    rows.append((reader.line_num, fields))
            return rows
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such {what} file") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name}: not UTF-8 text ({exc.reason} at byte "
                           f"{exc.start})") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path.name}: {exc}") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read the {what} file {path}: {exc.strerror}") from None
