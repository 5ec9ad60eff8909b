"""Meters: which events count, which property is measured, and how it is aggregated.

A meter selects events by type (exact, or a prefix ending in `.*`), optional equality filters on
data properties, and groups by optional data properties. Invariants: a meter's definition is
validated once, with errors naming the field; `measure` never guesses a number from text that is
not an exact decimal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from monetiot.domain.errors import InvalidInput
from monetiot.domain.events import Event, Value
from monetiot.domain.money import number_problem

HOUR_MS = 3_600_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")

CONNECTED_MINUTES = "connected_minutes"
"""Built-in meter every tenant has: minutes in which a device was heard from."""


class Aggregation(StrEnum):
    SUM = "SUM"
    COUNT = "COUNT"
    MIN = "MIN"
    MAX = "MAX"
    AVG = "AVG"
    UNIQUE_COUNT = "UNIQUE_COUNT"
    LATEST = "LATEST"
    TIME_WEIGHTED_SUM = "TIME_WEIGHTED_SUM"


NUMERIC = {
    Aggregation.SUM, Aggregation.MIN, Aggregation.MAX, Aggregation.AVG,
    Aggregation.LATEST, Aggregation.TIME_WEIGHTED_SUM,
}


@dataclass(frozen=True, slots=True)
class Meter:
    id: str
    name: str
    event_type: str
    aggregation: Aggregation
    property: str | None = None
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    group_by: tuple[str, ...] = ()

    def selects(self, event: Event) -> bool:
        if self.event_type.endswith(".*"):
            if not event.type.startswith(self.event_type[:-1]):
                return False
        elif self.event_type != "*" and event.type != self.event_type:
            return False
        for name, allowed in self.filters.items():
            if _scalar_text(lookup(event.data, name)) not in allowed:
                return False
        return True

    def group_key(self, event: Event) -> str:
        if not self.group_by:
            return ""
        values = [_scalar_text(lookup(event.data, name)) for name in self.group_by]
        return json.dumps(values, separators=(",", ":"))

    def measure(self, event: Event) -> Decimal | str | None:
        """The value this event contributes, or None when it carries none the meter can use."""
        if self.aggregation is Aggregation.COUNT:
            return Decimal(1)
        raw = lookup(event.data, self.property or "")
        if self.aggregation is Aggregation.UNIQUE_COUNT:
            return _scalar_text(raw)
        return exact_number(raw)


def reading_problem(meters: Sequence[Meter], event: Event) -> str | None:
    """Why a meter cannot count the value `event` carries for it, or None.

    A numeric meter that selects the event needs its property to be a number monetiot accepts
    (JSON number or decimal text) or absent (`null` or missing: the event carries no reading).
    Anything else ("NaN", "abc", true, a list) is refused rather than counted as nothing.
    """
    for meter in meters:
        if meter.aggregation not in NUMERIC or not meter.selects(event):
            continue
        path = meter.property or ""
        raw = lookup(event.data, path)
        if raw is None:
            continue
        what = f"meter {meter.id!r} ({meter.aggregation.value}) measures it"
        value = exact_number(raw)
        if value is None and isinstance(raw, str) and len(raw) <= 1000:
            try:
                value = Decimal(raw.strip())
            except InvalidOperation:
                value = None
        if value is None or not value.is_finite():
            shown = json.dumps(raw if len(str(raw)) <= 40 else f"{str(raw)[:40]}...",
                               default=str)
            return f"data.{path}: {shown} is not a number, and {what}"
        problem = number_problem(value)
        if problem is not None:
            return f"data.{path}: {problem}, and {what}"
    return None


def lookup(data: Mapping[str, Value], path: str) -> Value:
    """A dotted path into event data (`a.b.0.c`); None where it leads nowhere."""
    current: Value = dict(data)
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def exact_number(raw: Value) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    return None


def _scalar_text(raw: Value) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, Decimal):
        return format(raw.normalize(), "f")
    if isinstance(raw, str):
        return raw
    return json.dumps(raw, sort_keys=True, default=str)


def parse_meter(doc: Mapping[str, object]) -> Meter:
    """Validate a meter definition; errors name the field."""
    known = {"id", "name", "event_type", "aggregation", "property", "filters", "group_by"}
    for key in doc:
        if key not in known:
            raise InvalidInput("unknown field", field=str(key))
    meter_id = _required_text(doc, "id")
    if not _ID.match(meter_id):
        raise InvalidInput("use letters, digits and _ . : - (at most 100)", field="id")
    if meter_id == CONNECTED_MINUTES:
        raise InvalidInput(f"{CONNECTED_MINUTES!r} is built in", field="id")
    event_type = _required_text(doc, "event_type")
    try:
        aggregation = Aggregation(str(doc.get("aggregation", "")).upper())
    except ValueError:
        choices = ", ".join(a.value for a in Aggregation)
        raise InvalidInput(f"must be one of {choices}", field="aggregation") from None
    prop = doc.get("property")
    if prop is not None and (not isinstance(prop, str) or not prop):
        raise InvalidInput("must be a non-empty text path such as `kwh` or `power.l1`",
                           field="property")
    if aggregation is not Aggregation.COUNT and prop is None:
        raise InvalidInput(f"required for {aggregation.value}", field="property")
    filters = _parse_filters(doc.get("filters", {}))
    group_by = doc.get("group_by", [])
    if not isinstance(group_by, Sequence) or isinstance(group_by, str) or not all(
        isinstance(g, str) and g for g in group_by
    ):
        raise InvalidInput("must be a list of property names", field="group_by")
    name = doc.get("name", meter_id)
    if not isinstance(name, str):
        raise InvalidInput("must be text", field="name")
    return Meter(
        id=meter_id, name=name, event_type=event_type, aggregation=aggregation,
        property=prop, filters=filters, group_by=tuple(group_by),
    )


def _parse_filters(raw: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be an object of property: value or [values]", field="filters")
    filters: dict[str, tuple[str, ...]] = {}
    for name, allowed in raw.items():
        values = allowed if isinstance(allowed, list) else [allowed]
        texts = tuple(t for t in (_scalar_text(v) for v in values) if t is not None)
        if not texts:
            raise InvalidInput("needs at least one value", field=f"filters.{name}")
        filters[str(name)] = texts
    return filters


def _required_text(doc: Mapping[str, object], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("required text", field=name)
    return value.strip()


def meter_to_doc(meter: Meter) -> dict[str, object]:
    return {
        "id": meter.id, "name": meter.name, "event_type": meter.event_type,
        "aggregation": meter.aggregation.value, "property": meter.property,
        "filters": {k: list(v) for k, v in meter.filters.items()},
        "group_by": list(meter.group_by),
    }
