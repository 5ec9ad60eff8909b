"""Microdata: a table of records with a header, as read from an ARX-style file.

Invariants: the header names are unique and not empty; every row has exactly one field per
column; `lines` (when given) holds each row's line in the source file, so an error about a record
names the file and line where the user can find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monetiot.domain.errors import InvalidInput


@dataclass(frozen=True)
class Microdata:
    """Records (rows of text fields) under a header; `source` names the table in errors."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    source: str = "table"
    lines: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    def index(self, attribute: str, field: str) -> int:
        """The column of `attribute`; an unknown one is an error on `field`."""
        try:
            return self.header.index(attribute)
        except ValueError:
            raise InvalidInput(f"unknown attribute '{attribute}' (the columns of {self.source} "
                               f"are: {', '.join(self.header)})", field=field) from None

    def where(self, row: int) -> str:
        """`source:line` of a row (0-based index), for error messages."""
        line = self.lines[row] if self.lines else row + 2  # header on line 1
        return f"{self.source}:{line}"


def microdata(header: Sequence[str], rows: Sequence[Sequence[str]], source: str = "table",
              lines: Sequence[int] = ()) -> Microdata:
    """A checked table: unique non-empty column names, one field per column in every row."""
    names = tuple(header)
    if not names:
        raise InvalidInput(f"{source}: the table has no header")
    seen: set[str] = set()
    for name in names:
        if not name:
            raise InvalidInput(f"{source}:1: a column has no name")
        if name in seen:
            raise InvalidInput(f"{source}:1: column '{name}' appears twice")
        seen.add(name)
    table = Microdata(names, tuple(tuple(row) for row in rows), source, tuple(lines))
    for i, row in enumerate(table.rows):
        if len(row) != len(names):
            raise InvalidInput(f"{table.where(i)}: {len(row)} fields, the header has "
                               f"{len(names)}")
    return table
