"""What the payload decoders share: exact JSON, how records are named, and who may publish.

Invariants:
- JSON numbers are read as `Decimal` (integers too) and never pass through a binary float;
- a payload nesting more than `MAX_DEPTH` arrays and objects is refused as a whole (with a
  reason that says so), never by exhausting the stack;
- a payload that cannot be read at all becomes one `Rejected(record="payload")` whose `raw` keeps
  what was sent: the text, or `{"hex": ...}` when the bytes are not UTF-8;
- records are named "record N", N counting from 0 in the order they were sent (as in a JSON
  Pointer), so a batch result can be matched to its input;
- a device that authenticated may publish only as itself: an event that names another device is
  rejected, one that names none is attributed to it.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from monetiot.domain.events import MAX_DEPTH, Rejected, Value, depth_problem

_JSON = msgspec.json.Decoder(float_hook=Decimal)
TOO_DEEP = "too_deep"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"


class Problem(ValueError):
    """Something sent cannot be accepted; `reason` says why, the caller knows which record."""

    code: str | None = None  # what kind of problem, when a transport answers it apart

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooDeep(Problem):
    """A payload nests deeper than monetiot reads."""

    code = TOO_DEEP


def read_json(body: bytes) -> Value:
    """Parse JSON bytes with every number an exact `Decimal`."""
    try:
        parsed = _JSON.decode(body)
    except UnicodeDecodeError:
        raise Problem("not valid JSON: the text is not UTF-8") from None
    except msgspec.DecodeError as exc:
        raise Problem(f"not valid JSON: {exc}") from None
    except RecursionError:  # the decoder's own guard: far deeper than MAX_DEPTH
        raise TooDeep(f"the payload nests more than {MAX_DEPTH} levels of arrays and "
                      "objects") from None
    problem = depth_problem(parsed)
    if problem is not None:
        raise TooDeep(problem)
    return exact(parsed)


def exact(value: object) -> Value:
    """The same JSON value with integers turned into `Decimal`, so every number has one type."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, Decimal)):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):  # only reachable from callers outside read_json
        return Decimal(repr(value))
    if isinstance(value, list):
        return [exact(item) for item in value]
    if isinstance(value, dict):
        return {str(key): exact(item) for key, item in value.items()}
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def raw_payload(body: bytes) -> object:
    """What quarantine keeps of a payload nobody could read: its text, else its bytes in hex."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": body.hex()}


def payload_rejected(reason: str, body: bytes, code: str | None = None) -> Rejected:
    return Rejected(record="payload", reason=reason, raw=raw_payload(body), code=code)


def record_label(index: int) -> str:
    return f"record {index}"


def json_kind(value: object) -> str:
    """How a user would call a JSON value's type, for error messages."""
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def claim_device(named: str | None, authenticated: str | None) -> str | None:
    """The device an event belongs to, given the device it names and the one that sent it.

    Raises `Problem` when an authenticated device publishes in another device's name.
    """
    if authenticated is None:
        return named
    if named is not None and named != authenticated:
        raise Problem(f"device may publish only as itself (payload names {named})")
    return authenticated
