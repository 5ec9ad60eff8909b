"""Meters: which events count, what is measured, how values are grouped; definitions name the
field at fault."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.events import Event
from monetiot.domain.meters import (
    Aggregation,
    Meter,
    exact_number,
    lookup,
    meter_to_doc,
    parse_meter,
)


def ev(type: str = "energy.reading", **data: Any) -> Event:
    return Event(id="e", type=type, time_ms=0, device="d1", data=data)


def meter(**doc: Any) -> Meter:
    base: dict[str, Any] = {"id": "m", "event_type": "energy.reading", "aggregation": "SUM",
                            "property": "kwh"}
    return parse_meter(base | doc)


# parse_meter ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"event_type": "x", "aggregation": "SUM", "property": "v"}, "id"),
        ({"id": "", "event_type": "x", "aggregation": "SUM", "property": "v"}, "id"),
        ({"id": "has space", "event_type": "x", "aggregation": "SUM", "property": "v"}, "id"),
        ({"id": "-lead", "event_type": "x", "aggregation": "SUM", "property": "v"}, "id"),
        ({"id": "a" * 101, "event_type": "x", "aggregation": "SUM", "property": "v"}, "id"),
        ({"id": "connected_minutes", "event_type": "x", "aggregation": "COUNT"}, "id"),
        ({"id": "m", "aggregation": "SUM", "property": "v"}, "event_type"),
        ({"id": "m", "event_type": "  ", "aggregation": "SUM", "property": "v"}, "event_type"),
        ({"id": "m", "event_type": 5, "aggregation": "SUM", "property": "v"}, "event_type"),
        ({"id": "m", "event_type": "x", "property": "v"}, "aggregation"),
        ({"id": "m", "event_type": "x", "aggregation": "MEDIAN", "property": "v"},
         "aggregation"),
        ({"id": "m", "event_type": "x", "aggregation": "SUM"}, "property"),
        ({"id": "m", "event_type": "x", "aggregation": "TIME_WEIGHTED_SUM"}, "property"),
        ({"id": "m", "event_type": "x", "aggregation": "UNIQUE_COUNT"}, "property"),
        ({"id": "m", "event_type": "x", "aggregation": "SUM", "property": ""}, "property"),
        ({"id": "m", "event_type": "x", "aggregation": "SUM", "property": 3}, "property"),
        ({"id": "m", "event_type": "x", "aggregation": "COUNT", "filters": ["a"]}, "filters"),
        ({"id": "m", "event_type": "x", "aggregation": "COUNT", "filters": {"phase": []}},
         "filters.phase"),
        ({"id": "m", "event_type": "x", "aggregation": "COUNT", "filters": {"phase": None}},
         "filters.phase"),
        ({"id": "m", "event_type": "x", "aggregation": "COUNT", "group_by": "phase"},
         "group_by"),
        ({"id": "m", "event_type": "x", "aggregation": "COUNT", "group_by": ["ok", ""]},
         "group_by"),
        ({"id": "m", "event_type": "x", "aggregation": "COUNT", "name": 7}, "name"),
        ({"id": "m", "event_type": "x", "aggregation": "COUNT", "porperty": "v"}, "porperty"),
    ],
)
def test_parse_meter_errors_name_the_field(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_meter(doc)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_parse_meter_defaults_and_normalises() -> None:
    m = parse_meter({"id": "m.1", "event_type": " energy.* ", "aggregation": "count"})
    assert m.aggregation is Aggregation.COUNT
    assert m.event_type == "energy.*"
    assert m.name == "m.1"
    assert m.property is None
    assert m.filters == {}
    assert m.group_by == ()


def test_a_meter_document_round_trips() -> None:
    doc = {"id": "kwh", "name": "Energy", "event_type": "energy.*", "aggregation": "SUM",
           "property": "power.kwh", "filters": {"phase": ["L1", "L2"], "on": True},
           "group_by": ["phase"]}
    m = parse_meter(doc)
    assert m.filters == {"phase": ("L1", "L2"), "on": ("true",)}
    out = meter_to_doc(m)
    assert parse_meter(out) == m
    assert out["filters"] == {"phase": ["L1", "L2"], "on": ["true"]}


# selects --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("event_type", "type", "selected"),
    [
        ("energy.reading", "energy.reading", True),
        ("energy.reading", "energy.readings", False),
        ("energy.reading", "energy", False),
        ("energy.*", "energy.reading", True),
        ("energy.*", "energy.reading.l1", True),
        ("energy.*", "energy", False),
        ("energy.*", "energyx.reading", False),
        ("energy.*", "water.energy.reading", False),
        ("*", "anything.at.all", True),
    ],
)
def test_selects_by_exact_type_or_wildcard_prefix(
    event_type: str, type: str, selected: bool
) -> None:
    assert meter(event_type=event_type).selects(ev(type)) is selected


def test_filters_are_equality_on_data_with_any_of_several_values() -> None:
    m = meter(filters={"phase": ["L1", "L2"], "site.zone": "north"})
    assert m.selects(ev(phase="L1", site={"zone": "north"}))
    assert m.selects(ev(phase="L2", site={"zone": "north"}))
    assert not m.selects(ev(phase="L3", site={"zone": "north"}))
    assert not m.selects(ev(phase="L1", site={"zone": "south"}))
    assert not m.selects(ev(phase="L1"))  # a missing property never matches


def test_filters_compare_numbers_and_booleans_as_the_user_wrote_them() -> None:
    m = meter(filters={"slot": Decimal(3), "ok": True})
    assert m.selects(ev(slot=Decimal(3), ok=True))
    assert m.selects(ev(slot=Decimal("3.0"), ok=True))  # 3.0 is 3
    assert m.selects(ev(slot="3", ok="true"))
    assert not m.selects(ev(slot=Decimal(4), ok=True))
    assert not m.selects(ev(slot=Decimal(3), ok=False))


def test_filters_treat_equal_decimals_as_equal_whatever_their_trailing_zeros() -> None:
    # 3.0 already matches 3; 1.50 must match 1.5 in the same way.
    m = meter(filters={"rate": Decimal("1.5")})
    assert m.selects(ev(rate=Decimal("1.50")))


def test_filters_combine_with_a_wildcard_type() -> None:
    m = meter(event_type="energy.*", filters={"phase": "L1"})
    assert m.selects(ev("energy.export", phase="L1"))
    assert not m.selects(ev("energy.export", phase="L2"))
    assert not m.selects(ev("water.flow", phase="L1"))


# group keys -----------------------------------------------------------------------------------

def test_group_key_is_empty_without_group_by() -> None:
    assert meter().group_key(ev(phase="L1")) == ""


def test_group_key_lists_the_values_in_group_by_order() -> None:
    m = meter(group_by=["phase", "site.zone"])
    key = m.group_key(ev(phase="L1", site={"zone": "north"}))
    assert key == '["L1","north"]'
    assert m.group_key(ev(site={"zone": "north"}, phase="L1")) == key
    assert m.group_key(ev(phase="L1")) == '["L1",null]'
    assert m.group_key(ev(phase="L2", site={"zone": "north"})) != key


def test_group_key_of_numbers_does_not_depend_on_their_spelling() -> None:
    m = meter(group_by=["slot"])
    assert m.group_key(ev(slot=Decimal("2"))) == m.group_key(ev(slot=Decimal("2.00")))
    assert m.group_key(ev(slot=Decimal("2.5"))) == m.group_key(ev(slot=Decimal("2.50")))


# measure --------------------------------------------------------------------------------------

def test_count_measures_one_per_event_whatever_it_carries() -> None:
    m = meter(aggregation="COUNT", property=None)
    assert m.measure(ev()) == Decimal(1)
    assert m.measure(ev(kwh="junk")) == Decimal(1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Decimal("0.125"), Decimal("0.125")),
        ("0.125", Decimal("0.125")),
        (" 7 ", Decimal(7)),
        ("123456789012345678901234567890.5", Decimal("123456789012345678901234567890.5")),
        ("abc", None),
        ("NaN", None),
        ("Infinity", None),
        (Decimal("NaN"), None),
        (True, None),
        (None, None),
        ([Decimal(1)], None),
        ({"v": Decimal(1)}, None),
    ],
)
def test_numeric_meters_measure_only_exact_numbers(raw: Any, expected: Decimal | None) -> None:
    for aggregation in ("SUM", "MIN", "MAX", "AVG", "LATEST", "TIME_WEIGHTED_SUM"):
        assert meter(aggregation=aggregation).measure(ev(kwh=raw)) == expected
    assert exact_number(raw) == expected


def test_a_missing_property_measures_nothing() -> None:
    assert meter().measure(ev(other=Decimal(1))) is None


def test_unique_count_measures_the_value_as_text() -> None:
    m = meter(aggregation="UNIQUE_COUNT", property="user")
    assert m.measure(ev(user="u-1")) == "u-1"
    assert m.measure(ev(user=Decimal(10))) == "10"
    assert m.measure(ev(user=Decimal("10.0"))) == "10"
    assert m.measure(ev(user=False)) == "false"
    assert m.measure(ev()) is None


def test_property_paths_reach_into_objects_and_arrays() -> None:
    data: dict[str, Any] = {"power": {"phases": [{"kw": Decimal("1.5")}, {"kw": Decimal(2)}]}}
    assert lookup(data, "power.phases.1.kw") == Decimal(2)
    assert lookup(data, "power.phases.2.kw") is None
    assert lookup(data, "power.phases.x") is None
    assert lookup(data, "power.kw.deeper") is None
    assert meter(property="power.phases.0.kw").measure(ev(**data)) == Decimal("1.5")


def test_a_reading_a_meter_measures_must_be_a_number_within_the_limits() -> None:
    from decimal import Decimal

    from monetiot.domain.events import Event
    from monetiot.domain.meters import parse_meter, reading_problem

    meters = [parse_meter({"id": "kwh", "event_type": "energy", "aggregation": "SUM",
                           "property": "kwh"}),
              parse_meter({"id": "users", "event_type": "energy",
                           "aggregation": "UNIQUE_COUNT", "property": "user"})]

    def problem(value: object) -> str | None:
        return reading_problem(meters, Event("e", "energy", 0, "d", None,
                                             {"kwh": value, "user": True}))  # type: ignore[dict-item]

    assert problem(Decimal("0.125")) is None and problem(" 2.5 ") is None
    assert problem(None) is None  # no reading
    for junk in ("NaN", "abc", True, [Decimal(1)], {"v": Decimal(1)}, "Infinity"):
        assert "is not a number, and meter 'kwh' (SUM) measures it" in (problem(junk) or "")
    assert "too large" in (problem("2e27") or "")
    assert "too precise" in (problem(Decimal("1E-19")) or "")
    other = Event("e", "water", 0, "d", None, {"kwh": "NaN"})
    assert reading_problem(meters, other) is None  # no meter selects it


def test_nesting_is_measured_without_recursion() -> None:
    from monetiot.domain.events import data_problem, nesting_depth

    deep: object = 1
    for _ in range(100_000):
        deep = [deep]
    assert nesting_depth(deep) == 33  # stops counting past the limit
    assert nesting_depth({"a": [1, {"b": 2}]}) == 3
    assert "nests more than 32" in (data_problem({"x": deep}) or "")  # type: ignore[dict-item]
