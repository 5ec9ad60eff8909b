"""Time as devices write it, turned into UTC epoch milliseconds exactly.

Invariants:
- no float ever touches a time: seconds are `Decimal`, RFC 3339 fractions are read as digits;
- sub-millisecond parts are rounded once, half to even;
- every result lies in [1970-01-01T00:00:00.000Z, 9999-12-31T23:59:59.999Z], so it can be stored
  and printed; anything outside is a `ValueError` with a message a user can act on.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal

MAX_TIME_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_WIDE = Context(prec=100)
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def check_ms(ms: int) -> int:
    """`ms` itself, if it is a time monetiot can store."""
    if not 0 <= ms <= MAX_TIME_MS:
        raise ValueError(f"time {ms} ms is outside 1970-01-01 .. 9999-12-31")
    return ms


def ms_from_seconds(seconds: Decimal) -> int:
    """Epoch seconds (exact) to epoch milliseconds, rounded half to even."""
    if not seconds.is_finite() or (not seconds.is_zero() and seconds.adjusted() > 12):
        raise ValueError(f"time {seconds} s is outside 1970-01-01 .. 9999-12-31")
    # scaleb is exact; the quantize context only needs room for the 16 integer digits left.
    whole = seconds.scaleb(3).quantize(Decimal(1), rounding=ROUND_HALF_EVEN, context=_WIDE)
    return check_ms(int(whole))


def ms_from_rfc3339(text: str) -> int:
    """An RFC 3339 date-time (any offset; 'Z' or '-00:00' for UTC) to UTC epoch milliseconds."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 date-time: {text!r} (e.g. 2026-11-24T10:15:00.250Z)")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction, _, sign, off_hours, off_minutes = match.group(7, 8, 9, 10, 11)
    try:
        days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        raise ValueError(f"not a calendar date: {text!r}") from None
    # Second 60 is a leap second (RFC 3339 allows it); POSIX time counts it as the next second.
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError(f"not a time of day: {text!r}")
    offset = 0
    if sign is not None:
        if int(off_hours) > 23 or int(off_minutes) > 59:
            raise ValueError(f"not a UTC offset: {text!r}")
        offset = (int(off_hours) * 60 + int(off_minutes)) * (1 if sign == "+" else -1)
    seconds = days * 86_400 + hour * 3_600 + (minute - offset) * 60 + second
    sub_ms = 0
    if fraction:
        sub_ms = int(Decimal("0." + fraction).scaleb(3).quantize(Decimal(1), ROUND_HALF_EVEN))
    return check_ms(seconds * 1000 + sub_ms)
