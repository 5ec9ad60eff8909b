"""SenML on the wire: `application/senml+json` and `application/senml+cbor` bytes to records.

Both readers produce the SenML data model that `senml.resolve_pack` works on: one mapping per
record from label name ("bn", "v", ...) to its value, with exact numbers and `vd` as bytes.

Invariants:
- JSON numbers are `Decimal` from their text; a CBOR float is the `Decimal` of the shortest
  text that reads back at the width it was sent (`cbor_reader`: a float32 120.1 is 120.1), a
  CBOR decimal fraction (tag 4) the exact `Decimal`; only non-finite floats stay `float`, for
  the resolver to refuse;
- CBOR is read strictly by `cbor_reader`: duplicate keys, truncation, bytes after the pack and
  tags other than decimal fractions and bignums are errors, not guesses;
- CBOR labels are the integers of RFC 8428 section 6; a text key is an extension label (section
  6: "no additional integer map keys"), so only one ending in '_' survives, to be rejected as not
  understood, and text keys that spell a regular label ("v") are ignored like any unknown label;
- `vd` is base64url text (padding optional) in JSON and a byte string in CBOR; anything else is
  passed on as it is, for the resolver to reject;
- `raws` keeps every record as sent, JSON-able (CBOR labels by name, bytes in base64url), so a
  rejected record can be quarantined whole.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from decimal import Decimal

from monetiot.ingest.formats.cbor_reader import CborError
from monetiot.ingest.formats.cbor_reader import loads as read_exact_cbor
from monetiot.ingest.formats.common import Problem, json_kind
from monetiot.ingest.formats.common import read_json as read_exact_json

CBOR_LABELS: dict[int, str] = {
    -1: "bver", -2: "bn", -3: "bt", -4: "bu", -5: "bv", -6: "bs",
    0: "n", 1: "u", 2: "v", 3: "vs", 4: "vb", 5: "s", 6: "t", 7: "ut", 8: "vd",
}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


@dataclass(frozen=True, slots=True)
class WirePack:
    records: list[object]
    raws: list[object]


def read_json(body: bytes) -> WirePack:
    """Parse a SenML JSON pack; raises `Problem` when it is not a JSON array."""
    parsed = read_exact_json(body)
    if not isinstance(parsed, list):
        raise Problem(f"a SenML pack is a JSON array of records, not {json_kind(parsed)}")
    records: list[object] = []
    for item in parsed:
        if isinstance(item, dict) and isinstance(item.get("vd"), str):
            data = _base64url(str(item["vd"]))
            records.append({**item, "vd": data} if data is not None else item)
        else:
            records.append(item)
    return WirePack(records=records, raws=list(parsed))


def read_cbor(body: bytes) -> WirePack:
    """Parse a SenML CBOR pack; raises `Problem` when it is not one CBOR array."""
    try:
        parsed = read_exact_cbor(body)
    except CborError as exc:
        raise Problem(f"not valid CBOR: {exc.reason}") from None
    if not isinstance(parsed, list):
        raise Problem(f"a SenML pack is a CBOR array of records, not {_cbor_kind(parsed)}")
    records: list[object] = []
    for item in parsed:
        if isinstance(item, dict):
            records.append(_labelled(item))
        else:
            records.append(item)
    return WirePack(records=records, raws=[_json_able(item) for item in parsed])


def _labelled(record: dict[object, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in record.items():
        if isinstance(key, int) and not isinstance(key, bool) and key in CBOR_LABELS:
            out[CBOR_LABELS[key]] = value
        elif isinstance(key, str) and key.endswith("_"):
            out[key] = value
    return out


def _base64url(text: str) -> bytes | None:
    if not _BASE64URL.fullmatch(text) or len(text.rstrip("=")) % 4 == 1:
        return None
    body = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        return None


def _cbor_kind(value: object) -> str:
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, bytes):
        return "a byte string"
    return json_kind(value)


def _json_able(value: object) -> object:
    """A CBOR value as JSON: labels by name, bytes as base64url, numbers as `Decimal`."""
    if isinstance(value, dict):
        return {
            CBOR_LABELS.get(key, str(key)) if isinstance(key, int) else str(key): _json_able(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_json_able(item) for item in value]
    if isinstance(value, bytes):
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")
    if isinstance(value, float):  # only nan and infinities: JSON has no number for them
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value
