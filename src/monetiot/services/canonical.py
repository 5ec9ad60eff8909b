"""An event's canonical texts, fast: the `data` text the event store keeps, and its fingerprint.

Both are defined by the domain (`jsonexact.dumps`, `events.fingerprint`), which walks values in
Python: a few microseconds an event, a large share of ingest. msgspec writes the same bytes in C,
except for what `jsonexact` writes differently: non-ASCII text and DEL (escaped there), and
decimals in exponent form or longer than 40 characters (`number_text`). Whenever the fast text
holds any of those, or anything that might be one, the domain function answers instead, so the
result is always byte for byte the domain's (a property test holds the two together).
Event data holds JSON values only (numbers as `Decimal`, never float): the event invariant.
"""

from __future__ import annotations

import hashlib
import re

import msgspec

from monetiot.domain.events import Event
from monetiot.domain.events import fingerprint as domain_fingerprint
from monetiot.domain.jsonexact import dumps

_SORTED = msgspec.json.Encoder(decimal_format="number", order="sorted")
_PLAIN = msgspec.json.Encoder(decimal_format="number")
# Non-ASCII or DEL; a number with an exponent; a number of 39 characters or more.
_UNSURE = re.compile(rb"[\x7f-\xff]|[:,\[]-?[0-9][0-9.]*[eE]|[:,\[]-?[0-9.]{39}")


def data_text(event: Event) -> str:
    """`jsonexact.dumps(dict(event.data))`."""
    try:
        out = _PLAIN.encode(event.data)
    except (TypeError, ValueError):
        return dumps(dict(event.data))
    if _UNSURE.search(out):
        return dumps(dict(event.data))
    return out.decode()


def fingerprint(event: Event) -> str:
    """`domain.events.fingerprint(event)`."""
    try:
        out = _SORTED.encode({"type": event.type, "time": event.time_ms, "device": event.device,
                              "customer": event.customer, "data": event.data})
    except (TypeError, ValueError):
        return domain_fingerprint(event)
    if _UNSURE.search(out):
        return domain_fingerprint(event)
    return hashlib.sha256(out).hexdigest()[:32]
