"""Usage history: what each device of the fleet used, per calendar month and meter.

The advisor replays this history through every business model. Each device is a *profile*: the
usage of one customer account, from the device's first month with any usage to the history's
last month (a device installed in June starts its life in June). Months a device reported
nothing in are zero usage.

Invariants: months are `YYYY-MM` and contiguous from the first month to the last one of the
whole history; quantities are exact decimals; a (device, month, meter) appears at most once;
profiles are sorted by device id, and every profile has at least one month.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import to_decimal

CSV_COLUMNS = ("device", "month", "meter", "quantity")
_MONTH = re.compile(r"([12][0-9]{3})-(0[1-9]|1[0-2])")
MAX_MONTHS = 240


@dataclass(frozen=True)
class UsageRow:
    device: str
    month: str  # YYYY-MM
    meter: str
    quantity: Decimal


@dataclass(frozen=True)
class Profile:
    """One device's usage, month by month from its first month (`first_month`)."""

    device: str
    first_month: str
    months: tuple[Mapping[str, Decimal], ...]

    def usage_at(self, age: int) -> Mapping[str, Decimal]:
        """Usage in month `age` of the customer's life: the history repeats after its end."""
        return self.months[age % len(self.months)]


@dataclass(frozen=True)
class UsageHistory:
    months: tuple[str, ...]
    profiles: tuple[Profile, ...]
    source: str = ""

    @property
    def meters(self) -> tuple[str, ...]:
        return tuple(sorted({m for p in self.profiles for month in p.months for m in month}))


def month_index(month: str, field: str = "month") -> int:
    """`YYYY-MM` as a count of months since year 0 (so that consecutive months differ by 1)."""
    match = _MONTH.fullmatch(month)
    if match is None:
        raise InvalidInput(f"expected a month like 2026-01, got {month!r}", field=field)
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def history_from_rows(rows: Iterable[UsageRow], source: str = "") -> UsageHistory:
    """Group rows into profiles; refuse a repeated (device, month, meter) and an empty history."""
    table: dict[str, dict[int, dict[str, Decimal]]] = {}
    for row in rows:
        index = month_index(row.month)
        month = table.setdefault(row.device, {}).setdefault(index, {})
        if row.meter in month:
            raise InvalidInput(f"{row.device} {row.month} {row.meter} appears twice",
                               field="usage")
        month[row.meter] = row.quantity
    if not table:
        raise InvalidInput("the usage history is empty: no device used anything", field="usage")
    first = min(i for months in table.values() for i in months)
    last = max(i for months in table.values() for i in months)
    if last - first + 1 > MAX_MONTHS:
        raise InvalidInput(f"at most {MAX_MONTHS} months of history, got {last - first + 1}",
                           field="usage")
    profiles = []
    for device in sorted(table):
        months = table[device]
        start = min(months)
        profiles.append(Profile(
            device=device, first_month=month_text(start),
            months=tuple(months.get(i, {}) for i in range(start, last + 1))))
    return UsageHistory(months=tuple(month_text(i) for i in range(first, last + 1)),
                        profiles=tuple(profiles), source=source)


def parse_usage_csv(text: str, source: str = "usage.csv") -> UsageHistory:
    """Read `device,month,meter,quantity` rows (a header line first); errors name the line."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != CSV_COLUMNS:
        raise InvalidInput(f"the first line must be the header {','.join(CSV_COLUMNS)}",
                           field=f"{source} line 1")
    rows = []
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        where = f"{source} line {number}"
        if len(record) != len(CSV_COLUMNS):
            raise InvalidInput(f"expected {len(CSV_COLUMNS)} columns, got {len(record)}",
                               field=where)
        device, month, meter, quantity = (cell.strip() for cell in record)
        if not device or not meter:
            raise InvalidInput("device and meter must not be empty", field=where)
        month_index(month, f"{where}: month")
        value = to_decimal(quantity, f"{where}: quantity")
        if value < 0:
            raise InvalidInput(f"must not be negative, got {quantity}", field=f"{where}: quantity")
        rows.append(UsageRow(device, month, meter, value))
    try:
        return history_from_rows(rows, source)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=source) from None
