"""Periods and times as people read them: the one convention of docs/api.md.

The API's period is [start, end); people read its first and last day, both inside it, in the
customer's zone. The CLI tables and the console use the same function, so they agree.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from monetiot.cli.context import cell
from monetiot.domain.timetext import period_text, time_text
from monetiot.web.console.formatting import period


def ms(text: str, tz: str = "UTC") -> int:
    at = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))
    return int(at.timestamp()) * 1000


def test_a_month_reads_first_to_last_day_in_the_customers_zone() -> None:
    nov, dec = ms("2026-11-01T00:00", "Europe/Berlin"), ms("2026-12-01T00:00", "Europe/Berlin")
    assert period_text(nov, dec, "Europe/Berlin") == "1 Nov 2026 \u2013 30 Nov 2026"
    # The same instants read in UTC start the evening before.
    assert period_text(nov, dec, "UTC") == "31 Oct 2026 \u2013 30 Nov 2026"
    # A period across the DST change in Berlin (25 Oct 2026) still ends on its last day.
    assert period_text(ms("2026-10-01T00:00", "Europe/Berlin"), nov,
                       "Europe/Berlin") == "1 Oct 2026 \u2013 31 Oct 2026"


def test_a_day_an_empty_period_and_no_period() -> None:
    day = ms("2026-11-24T00:00")
    assert period_text(day, day + 86_400_000) == "24 Nov 2026"
    assert period_text(day, day) == "24 Nov 2026"
    assert period_text(None, day) == ""


def test_an_instant_reads_with_its_zone() -> None:
    noon = ms("2026-11-24T12:00")
    assert time_text(noon) == "24 Nov 2026 12:00 UTC"
    assert time_text(noon, "Europe/Berlin") == "24 Nov 2026 13:00 CET"
    assert time_text(None) == ""


def test_the_cli_and_the_console_say_the_same() -> None:
    start, end = ms("2026-11-02T00:00", "Asia/Tokyo"), ms("2027-01-01T00:00", "Asia/Tokyo")
    row = {"period_start_ms": start, "period_end_ms": end, "created_ms": start, "in_use_ms": 5}
    assert cell(row, "period", "Asia/Tokyo") == period(start, end, "Asia/Tokyo") \
        == "2 Nov 2026 \u2013 31 Dec 2026"
    assert cell(row, "created_ms", "Asia/Tokyo") == "2 Nov 2026 00:00 JST"
    assert cell(row, "in_use_ms", "UTC") == "5"  # a duration, not a time
