"""The fleet: customers, devices and who a device belonged to when.

Assignment intervals are half-open [from, to). Invariants: intervals of one device never overlap;
a reassignment only closes the open interval at a time at or after its start, so who used what
before is never rewritten; an event is attributed to the customer whose interval holds its time.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from monetiot.domain.errors import Conflict, InvalidInput

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$")


def check_id(value: object, field: str) -> str:
    if value is None or value == "":
        raise InvalidInput("required", field=field)
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInput(
            "must be 1-100 letters, digits or _ . : @ - , starting with a letter or digit",
            field=field,
        )
    return value


def check_name(value: object, field: str, default: str) -> str:
    """A display name: text of at most 200 characters (the id when none is given)."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or len(value) > 200:
        raise InvalidInput("must be text of at most 200 characters", field=field)
    return value


@dataclass(frozen=True, slots=True)
class Assignment:
    customer: str
    start_ms: int
    end_ms: int | None  # None: still assigned


class AssignmentBook:
    """A device's assignment history, for resolving event times to customers quickly."""

    def __init__(self, intervals: Sequence[Assignment]) -> None:
        self.intervals = sorted(intervals, key=lambda a: a.start_ms)
        self._starts = [a.start_ms for a in self.intervals]

    def customer_at(self, time_ms: int) -> str | None:
        i = bisect_right(self._starts, time_ms) - 1
        if i < 0:
            return None
        interval = self.intervals[i]
        if interval.end_ms is not None and time_ms >= interval.end_ms:
            return None
        return interval.customer

    def check_new(self, start_ms: int) -> Assignment | None:
        """Check that an assignment may start at `start_ms`; return the open one to close."""
        if not self.intervals:
            return None
        last = self.intervals[-1]
        if start_ms < last.start_ms or (last.end_ms is not None and start_ms < last.end_ms):
            raise Conflict(
                "would rewrite history: the device was already assigned at that time "
                f"(to {last.customer!r} from {last.start_ms})",
                field="from",
            )
        return last if last.end_ms is None else None
