"""SenML (RFC 8428): packs of sensor records, resolved (section 4.6), then turned into events.

A pack is an array of records. Base fields (bn, bt, bu, bv, bs, bver) apply to their own record and
every later one until a record sets them again. Resolving a record concatenates base name and
name, adds base time to time (a sum below 2**28 is relative to `now`, the time of receipt), uses
the base unit where the record has none, adds base value to value and base sum to sum (a base sum
alone is the sum: section 4.5.4), and keeps bver only when it is not 10.

Invariants:
- numbers stay exact: JSON numbers are `Decimal` from their text; a CBOR float becomes the
  `Decimal` of the shortest text that reads back at its own width (what a device meant by 23.1,
  whether sent as half, single or double: `cbor_reader`); arithmetic never rounds;
- a pack with one invalid record is invalid as a whole (base fields make later records depend on
  earlier ones, and the RFC has no partial reading of a pack), so every record of it is rejected:
  the bad ones with their reason, the rest naming the first bad one;
- all records of a pack have one version (section 4.4); a bver above 10 rejects the pack;
- records keep pack order (the RFC's own resolved examples do); a record made of base fields only
  (section 5.1.7 opens with `{"bn": ...}`) sets context and yields no measurement;
- an event's id is derived from the resolved name, time and unit (section 5.1.3 sends one name at
  one time in three units), so a re-sent pack is recognised and distinct records never collide.

Event mapping (the spec leaves the no-base-name case open; this is the choice made here):
- with a base name, the device is the base name without one trailing ':' or '/', and the
  measurement is the rest of the resolved name;
- without one, the device is the resolved name up to its last ':' or '/' (the whole name when it
  has none), and the measurement is what follows;
- with a `device` override (the device the transport authenticated), the device is that, the
  measurement is the record's own name, or the resolved name when it has none, and the device is
  part of the id: names in such packs are often device-local ("temp").
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from typing import Literal

from monetiot.domain.events import MAX_TYPE_LENGTH, Decoded, Event, Rejected, Value, derived_id
from monetiot.ingest.formats import senml_wire
from monetiot.ingest.formats.common import Problem, json_kind, payload_rejected, record_label
from monetiot.ingest.formats.timestamps import ms_from_seconds

VERSION = 10
RELATIVE_BELOW = Decimal(2**28)
BASE_LABELS = ("bn", "bt", "bu", "bv", "bs", "bver")
REGULAR_LABELS = ("n", "u", "v", "vs", "vb", "vd", "s", "t", "ut")
KNOWN_LABELS = frozenset(BASE_LABELS + REGULAR_LABELS)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9:./_-]*")
_EXACT = Context(prec=100, traps=[InvalidOperation, Inexact, Overflow])

ValueLabel = Literal["v", "vs", "vb", "vd"]
VALUE_LABELS: tuple[ValueLabel, ...] = ("v", "vs", "vb", "vd")
SenmlValue = Decimal | str | bool | bytes


@dataclass(frozen=True, slots=True)
class ResolvedRecord:
    """One record with every base field applied and an absolute time (epoch seconds)."""

    index: int
    name: str
    time: Decimal
    unit: str | None = None
    value_label: ValueLabel | None = None
    value: SenmlValue | None = None
    sum: Decimal | None = None
    update_time: Decimal | None = None
    version: int = VERSION
    base_name: str = ""
    own_name: str = ""

    def to_json(self) -> dict[str, Value]:
        """The resolved form the spec prints: n, u, t, the value field, s, and bver when not 10.

        Exactly these keys, in this order (the spec's list; `ut`, which RFC 8428 would keep, is
        not in it and stays on `update_time`). Numbers are `Decimal`s with the digits as sent.
        """
        out: dict[str, Value] = {"n": self.name}
        if self.unit is not None:
            out["u"] = self.unit
        out["t"] = self.time
        if self.value_label is not None:
            out[self.value_label] = _json_value(self.value)
        if self.sum is not None:
            out["s"] = self.sum
        if self.version != VERSION:
            out["bver"] = Decimal(self.version)
        return out


@dataclass(frozen=True, slots=True)
class PackError:
    """Why a pack is invalid: (record index, reason) per bad record; index None is the payload."""

    problems: tuple[tuple[int | None, str], ...]

    @property
    def first(self) -> tuple[int | None, str]:
        return self.problems[0]

    def message(self) -> str:
        index, reason = self.first
        return f"{'payload' if index is None else record_label(index)}: {reason}"


class _Invalid(ValueError):
    pass


@dataclass(slots=True)
class _Base:
    """The base fields in effect while a pack is read (they carry forward until set again)."""

    name: str = ""
    time: Decimal = Decimal(0)
    unit: str | None = None
    value: Decimal = Decimal(0)
    sum: Decimal | None = None
    version: int = VERSION


def resolve_pack(records: Sequence[object], now: Decimal) -> list[ResolvedRecord] | PackError:
    """Resolve every record of a pack (RFC 8428 section 4.6), or say which records are invalid.

    `records` map label names to values (`senml_wire` reads JSON and CBOR into this shape);
    `now` is the time of receipt in epoch seconds.
    """
    if not records:
        return PackError(((None, "a SenML pack holds one or more records; this one is empty"),))
    base = _Base()
    pack_version: int | None = None
    resolved: list[ResolvedRecord] = []
    problems: list[tuple[int | None, str]] = []
    for index, record in enumerate(records):
        try:
            if not isinstance(record, Mapping):
                raise _Invalid(f"a record is an object (a map in CBOR), not {json_kind(record)}")
            _check_labels(record)
            _take_base_fields(record, base)
            if pack_version is None:
                pack_version = base.version
            elif base.version != pack_version:
                raise _Invalid(
                    f"bver {base.version}: every record of a pack has the same version "
                    f"(earlier records: {pack_version})"
                )
            if any(label in record for label in REGULAR_LABELS) or not any(
                label in record for label in BASE_LABELS
            ):
                resolved.append(_resolve(index, record, base, now))
        except _Invalid as exc:
            problems.append((index, str(exc)))
    if problems:
        return PackError(tuple(problems))
    if not resolved:
        return PackError(((0, "no value: the pack holds base fields only"),))
    return resolved


def pack_events(resolved: Sequence[ResolvedRecord], *, device: str | None = None) -> list[Decoded]:
    """One event per resolved record (see the module docstring for device and measurement)."""
    return [_event(record, device) for record in resolved]


def resolve_payload(body: bytes, *, cbor: bool, now: Decimal) -> list[ResolvedRecord] | PackError:
    """Bytes of `application/senml+json` (or `+cbor`) to resolved records."""
    try:
        read = senml_wire.read_cbor(body) if cbor else senml_wire.read_json(body)
    except Problem as exc:
        return PackError(((None, exc.reason),))
    return resolve_pack(read.records, now)


def decode_senml(
    body: bytes, *, cbor: bool, now_ms: int, device: str | None = None
) -> list[Decoded]:
    """A SenML payload to events, or to one rejection per record when the pack is invalid."""
    try:
        read = senml_wire.read_cbor(body) if cbor else senml_wire.read_json(body)
    except Problem as exc:
        return [payload_rejected(exc.reason, body, exc.code)]
    resolved = resolve_pack(read.records, Decimal(now_ms).scaleb(-3))
    if isinstance(resolved, PackError):
        return reject_pack(resolved, read.raws, body)
    return pack_events(resolved, device=device)


def reject_pack(error: PackError, raws: Sequence[object], body: bytes) -> list[Decoded]:
    """Every record of an invalid pack rejected: the bad ones with their reason."""
    first_index, first_reason = error.first
    if first_index is None:
        return [payload_rejected(first_reason, body)]
    own = {index: reason for index, reason in error.problems if index is not None}
    because = f"pack rejected: {record_label(first_index)}: {first_reason}"
    return [
        Rejected(record=record_label(i), reason=own.get(i, because), raw=raw)
        for i, raw in enumerate(raws)
    ]


def _check_labels(record: Mapping[object, object]) -> None:
    for label in record:
        if isinstance(label, str) and label.endswith("_") and label not in KNOWN_LABELS:
            raise _Invalid(f"unknown label {label!r}: labels ending in '_' must be understood")


def _take_base_fields(record: Mapping[object, object], base: _Base) -> None:
    if "bver" in record:
        version = record["bver"]
        number = _number(version, "bver")
        if number != number.to_integral_value() or number < 1:
            raise _Invalid(f"bver {version}: a version is a positive integer")
        if number > VERSION:
            raise _Invalid(
                f"bver {number}: version newer than {VERSION}, the SenML version monetiot reads"
            )
        base.version = int(number)
    if "bn" in record:
        base.name = _text(record["bn"], "bn")
    if "bu" in record:
        base.unit = _text(record["bu"], "bu")
    if "bt" in record:
        base.time = _number(record["bt"], "bt")
    if "bv" in record:
        base.value = _number(record["bv"], "bv")
    if "bs" in record:
        base.sum = _number(record["bs"], "bs")


def _resolve(
    index: int, record: Mapping[object, object], base: _Base, now: Decimal
) -> ResolvedRecord:
    present: list[ValueLabel] = [label for label in VALUE_LABELS if label in record]
    if len(present) > 1:
        raise _Invalid(
            f"two values ({', '.join(present)}): a record has exactly one of v, vs, vb, vd"
        )
    own_name = _text(record["n"], "n") if "n" in record else ""
    name = base.name + own_name
    if not name:
        raise _Invalid("no name: a record needs n, or a base name bn")
    if not _NAME.fullmatch(name):
        raise _Invalid(
            f"name {name!r}: must start with a letter or digit and hold only "
            "A-Z a-z 0-9 - : . / _ (RFC 8428 section 4.5.1)"
        )
    time = _add(base.time, _optional_number(record, "t"))
    if time < RELATIVE_BELOW:
        time = _add(now, time)
    unit = _text(record["u"], "u") if "u" in record else base.unit
    value_label: ValueLabel | None = None
    value: SenmlValue | None = None
    if present:
        value_label = present[0]
        value = _value(present[0], record[present[0]], base)
    total = None
    if "s" in record or base.sum is not None:
        total = _add(base.sum or Decimal(0), _optional_number(record, "s"))
    elif value is None:
        raise _Invalid("no value: a record needs one of v, vs, vb, vd, or a sum s")
    update_time = _number(record["ut"], "ut") if "ut" in record else None
    return ResolvedRecord(
        index=index, name=name, time=time, unit=unit, value_label=value_label, value=value,
        sum=total, update_time=update_time, version=base.version, base_name=base.name,
        own_name=own_name,
    )


def _value(label: ValueLabel, raw: object, base: _Base) -> SenmlValue:
    if label == "v":
        return _add(base.value, _number(raw, "v"))
    if label == "vs":
        return _text(raw, "vs")
    if label == "vb":
        if not isinstance(raw, bool):
            raise _Invalid(f"vb must be true or false, not {json_kind(raw)}")
        return raw
    if not isinstance(raw, bytes):
        raise _Invalid("vd must be binary data: base64url text in JSON, a byte string in CBOR")
    return raw


def _event(record: ResolvedRecord, override: str | None) -> Decoded:
    if override is not None:
        device, measurement = override, record.own_name or record.name
        id_parts: tuple[str, ...] = ("senml", override, record.name)
    else:
        device, measurement = _split(record)
        id_parts = ("senml", record.name)
    event_type = f"senml.{measurement}" if measurement else "senml"
    try:
        if len(event_type) > MAX_TYPE_LENGTH:
            raise ValueError(f"measurement name longer than {MAX_TYPE_LENGTH} characters")
        time_ms = ms_from_seconds(record.time)
    except ValueError as exc:
        return Rejected(record=record_label(record.index), reason=str(exc), raw=record.to_json())
    data: dict[str, Value] = {}
    if record.value_label is not None:
        data["value"] = _json_value(record.value)
    if record.unit is not None:
        data["unit"] = record.unit
    if record.sum is not None:
        data["sum"] = record.sum
    seconds = format(record.time.normalize(_EXACT), "f")
    # The unit is part of the identity: RFC 8428 section 5.1.3 sends one name at one time with
    # the units %RH, lon and lat, three measurements that must not collide.
    unit = (record.unit,) if record.unit is not None else ()
    return Event(
        id=derived_id(*id_parts, seconds, *unit), type=event_type, time_ms=time_ms, device=device,
        data=data,
    )


def _split(record: ResolvedRecord) -> tuple[str, str]:
    base = record.base_name
    if base:
        if base[-1] in ":/":
            return base[:-1], record.own_name
        own = record.own_name
        return base, own[1:] if own[:1] in (":", "/") else own
    cut = max(record.name.rfind(":"), record.name.rfind("/"))
    if cut <= 0:
        return record.name, ""
    return record.name[:cut], record.name[cut + 1 :]


def _json_value(value: SenmlValue | None) -> Value:
    if isinstance(value, bytes):
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")
    return value


def _add(a: Decimal, b: Decimal) -> Decimal:
    try:
        return _EXACT.add(a, b)
    except ArithmeticError:
        raise _Invalid(f"{a} + {b} has too many digits to add exactly") from None


def _number(raw: object, label: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        raise _Invalid(f"{label} must be a number, not {json_kind(raw)}")
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _Invalid(f"{label} must be a finite number, not {raw}")
        return Decimal(repr(raw))
    number = Decimal(raw)
    if not number.is_finite():
        raise _Invalid(f"{label} must be a finite number, not {raw}")
    return number


def _optional_number(fields: Mapping[object, object], label: str) -> Decimal:
    return _number(fields[label], label) if label in fields else Decimal(0)


def _text(raw: object, label: str) -> str:
    if not isinstance(raw, str):
        raise _Invalid(f"{label} must be a string, not {json_kind(raw)}")
    return raw
