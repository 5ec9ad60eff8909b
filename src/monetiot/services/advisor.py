"""Advisor use cases: the fleet's usage history (from the store or a CSV file) and the advice.

`usage_from_store` reads, for every meter the assumptions and the models' plans name, the usage
per device and calendar month (UTC) from the meters' rollups (`services.metering.usage`), over
the assumptions' `history` months or the twelve whole months before now. `usage_from_csv` reads
a `device,month,meter,quantity` file. `advise` runs the pure advisor and returns its JSON-ready
document. Read-only: nothing is written, so nothing is committed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monetiot.domain.advisor import (
    Assumptions,
    UsageHistory,
    UsageRow,
    advice_to_json,
    history_from_rows,
    month_index,
    month_text,
    parse_usage_csv,
)
from monetiot.domain.advisor import advise as advise_pure
from monetiot.domain.errors import InvalidInput, NotFound
from monetiot.services import metering
from monetiot.store.engine import UnitOfWork

HISTORY_MONTHS = 12
# In a checkout the worked example is examples/advisor; a wheel carries it inside the package.
_PACKAGED = Path(__file__).resolve().parents[1] / "examples" / "advisor"
EXAMPLE_DIR = _PACKAGED if _PACKAGED.is_dir() else \
    Path(__file__).resolve().parents[3] / "examples" / "advisor"


def advise(assumptions: Assumptions, history: UsageHistory) -> dict[str, Any]:
    return advice_to_json(advise_pure(assumptions, history))


def example_files() -> tuple[Path, Path]:
    """The worked example of docs/advisor.md: its assumptions and usage files."""
    assumptions, usage = EXAMPLE_DIR / "assumptions.yaml", EXAMPLE_DIR / "usage.csv"
    if not assumptions.is_file() or not usage.is_file():
        raise InvalidInput(f"the worked example is not installed here (looked in {EXAMPLE_DIR})")
    return assumptions, usage


def usage_from_csv(path: Path) -> UsageHistory:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the usage file: {exc}", field="usage") from None
    return parse_usage_csv(text, path.name)


def history_months(a: Assumptions, now_ms: int, start: str | None = None,
                   end: str | None = None) -> tuple[str, str]:
    """The months to read: given, else the assumptions' `history`, else the twelve whole
    calendar months before now (UTC)."""
    now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    last = now.year * 12 + now.month - 2  # the month before the current one
    first_text = start or a.history_from or month_text(last - HISTORY_MONTHS + 1)
    last_text = end or a.history_to or month_text(last)
    if month_index(last_text, "history.to") < month_index(first_text, "history.from"):
        raise InvalidInput(f"{last_text} is before {first_text}", field="history.to")
    return first_text, last_text


def usage_from_store(uow: UnitOfWork, tenant: str, a: Assumptions, now_ms: int,
                     start: str | None = None, end: str | None = None) -> UsageHistory:
    """Usage per device and month of every meter the advice needs, from the tenant's rollups."""
    first, last = history_months(a, now_ms, start, end)
    start_ms = _month_start(month_index(first))
    end_ms = _month_start(month_index(last) + 1)
    rows: list[UsageRow] = []
    for meter, field in sorted(a.named_meters().items()):
        query = metering.UsageQuery(meter=meter, start_ms=start_ms, end_ms=end_ms,
                                    window="month", tz="UTC", group_by=("device",))
        try:
            found = metering.usage(uow, tenant, query, now_ms)
        except NotFound:
            raise InvalidInput(f"the tenant has no meter {meter!r}", field=field) from None
        for row in found:
            if row.get("device") is None or row["value"] is None:
                continue
            month = datetime.fromtimestamp(row["from_ms"] / 1000, tz=UTC)
            rows.append(UsageRow(str(row["device"]), f"{month.year:04d}-{month.month:02d}",
                                 meter, row["value"]))
    return history_from_rows(rows, f"tenant {tenant}, {first} to {last}")


def _month_start(index: int) -> int:
    moment = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    return int(moment.timestamp() * 1000)
