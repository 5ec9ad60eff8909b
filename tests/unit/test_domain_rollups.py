"""Hourly rollups: what a batch adds to each bucket, and time-weighted integrals per customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from monetiot.domain.events import Event
from monetiot.domain.meters import HOUR_MS, parse_meter
from monetiot.domain.rollups import Attributed, Delta, Reading, bucket_of, compute_deltas, integrate

H = HOUR_MS
MIN = 60_000
T0 = 1_795_478_400_000  # 2026-11-24T00:00Z, a whole hour


def att(event_id: str, at: int, customer: str | None = "c1", device: str = "d1",
        type: str = "energy", **data: Any) -> Attributed:
    return Attributed(Event(id=event_id, type=type, time_ms=at, device=device, data=data),
                      customer)


def m(meter_id: str, aggregation: str, prop: str | None = "kwh", **doc: Any) -> Any:
    base: dict[str, Any] = {"id": meter_id, "event_type": "energy", "aggregation": aggregation}
    if prop is not None:
        base["property"] = prop
    return parse_meter(base | doc)


def test_bucket_of_floors_to_the_utc_hour() -> None:
    assert bucket_of(T0) == T0
    assert bucket_of(T0 + H - 1) == T0
    assert bucket_of(T0 + H) == T0 + H


def test_deltas_per_meter_customer_device_group_and_hour() -> None:
    meters = [m("kwh", "SUM"), m("n", "COUNT", None), m("phase", "SUM", group_by=["phase"])]
    events = [
        att("1", T0 + 5 * MIN, kwh=Decimal("0.1"), phase="L1"),
        att("2", T0 + 50 * MIN, kwh=Decimal("0.2"), phase="L2"),
        att("3", T0 + H + 1, kwh=Decimal("5"), phase="L1"),
        att("4", T0 + 10 * MIN, customer="c2", device="d2", kwh=Decimal("7"), phase="L1"),
        att("5", T0 + 20 * MIN, customer=None, device="d3", kwh=Decimal("1")),
    ]
    deltas, uniques = compute_deltas(meters, events)
    assert uniques == set()
    assert deltas[("kwh", "c1", "d1", "", T0)].sum == Decimal("0.3")  # exactly
    assert deltas[("kwh", "c1", "d1", "", T0)].count == 2
    assert deltas[("kwh", "c1", "d1", "", T0 + H)].sum == Decimal(5)
    assert deltas[("kwh", "c2", "d2", "", T0)].sum == Decimal(7)
    assert deltas[("kwh", "", "d3", "", T0)].sum == Decimal(1)  # unassigned: customer ''
    assert deltas[("n", "c1", "d1", "", T0)].count == 2
    assert deltas[("n", "c1", "d1", "", T0)].sum == Decimal(2)
    assert deltas[("phase", "c1", "d1", '["L1"]', T0)].sum == Decimal("0.1")
    assert deltas[("phase", "c1", "d1", '["L2"]', T0)].sum == Decimal("0.2")
    assert deltas[("phase", "", "d3", "[null]", T0)].sum == Decimal(1)
    assert len(deltas) == 4 + 4 + 5


def test_a_delta_keeps_min_max_and_the_latest_reading_by_event_time() -> None:
    deltas, _ = compute_deltas([m("kwh", "MAX")], [
        att("1", T0 + 30 * MIN, kwh=Decimal("3")),
        att("2", T0 + 10 * MIN, kwh=Decimal("-1")),
        att("3", T0 + 50 * MIN, kwh=Decimal("2")),
        att("4", T0 + 20 * MIN, kwh=Decimal("9")),  # arrives last, but is not the latest
    ])
    d = deltas[("kwh", "c1", "d1", "", T0)]
    assert (d.count, d.sum, d.min, d.max) == (4, Decimal(13), Decimal(-1), Decimal(9))
    assert (d.latest_ms, d.latest_value) == (T0 + 50 * MIN, Decimal(2))


def test_events_the_meter_does_not_select_or_cannot_measure_add_nothing() -> None:
    deltas, _ = compute_deltas([m("kwh", "SUM", filters={"phase": "L1"})], [
        att("1", T0, type="water", kwh=Decimal(1), phase="L1"),
        att("2", T0, kwh=Decimal(1), phase="L2"),
        att("3", T0, kwh="not a number", phase="L1"),
        att("4", T0, phase="L1"),
    ])
    assert deltas == {}


def test_unique_count_keeps_values_not_deltas_and_time_weighted_is_left_out() -> None:
    deltas, uniques = compute_deltas(
        [m("users", "UNIQUE_COUNT", "user"), m("tw", "TIME_WEIGHTED_SUM")],
        [att("1", T0, user="u1", kwh=Decimal(1)), att("2", T0 + 1, user="u1"),
         att("3", T0 + 2, user="u2"), att("4", T0 + H, user="u1")],
    )
    assert deltas == {}
    assert uniques == {(("users", "c1", "d1", "", T0), "u1"), (("users", "c1", "d1", "", T0), "u2"),
                       (("users", "c1", "d1", "", T0 + H), "u1")}


def test_deltas_are_exact_with_thirty_digit_values() -> None:
    big = Decimal("123456789012345678901234567890")
    deltas, _ = compute_deltas([m("kwh", "SUM")], [
        att("1", T0, kwh=big), att("2", T0 + 1, kwh=Decimal("0.000000001")),
    ])
    expected = Decimal("123456789012345678901234567890.000000001")
    assert deltas[("kwh", "c1", "d1", "", T0)].sum == expected


def test_delta_add_from_empty() -> None:
    d = Delta()
    d.add(Decimal("0.1"), 5)
    d.add(Decimal("0.2"), 5)  # same time: the later add wins as latest
    assert (d.count, d.sum, d.min, d.max, d.latest_ms, d.latest_value) == (
        2, Decimal("0.3"), Decimal("0.1"), Decimal("0.2"), 5, Decimal("0.2"))


# integrate: a step function over [start, end) -------------------------------------------------

def test_a_step_function_is_split_at_hour_boundaries() -> None:
    # 2 kW from 00:30 to 01:15, then 4 kW until 02:00.
    readings = [Reading(T0 + 30 * MIN, Decimal(2), "c1"),
                Reading(T0 + H + 15 * MIN, Decimal(4), "c1")]
    out = integrate(readings, T0, T0 + 2 * H)
    assert out == {
        ("c1", T0): Decimal(2) * 30 * MIN,
        ("c1", T0 + H): Decimal(2) * 15 * MIN + Decimal(4) * 45 * MIN,
    }
    assert sum(out.values()) / H == Decimal("4.5")  # kWh: 2 kW x 0.75 h + 4 kW x 0.75 h


def test_integrate_kwh_over_hours() -> None:
    readings = [Reading(T0, Decimal("1.5"), "c1"), Reading(T0 + 3 * H, Decimal(0), "c1")]
    out = integrate(readings, T0, T0 + 4 * H)
    assert {k: v / H for k, v in out.items()} == {
        ("c1", T0): Decimal("1.5"), ("c1", T0 + H): Decimal("1.5"),
        ("c1", T0 + 2 * H): Decimal("1.5"), ("c1", T0 + 3 * H): Decimal(0)}


def test_segments_belong_to_the_customer_of_the_reading_that_starts_them() -> None:
    readings = [Reading(T0, Decimal(1), "c1"), Reading(T0 + 20 * MIN, Decimal(3), "c2"),
                Reading(T0 + 40 * MIN, Decimal(5), "c1")]
    out = integrate(readings, T0, T0 + H)
    assert out == {("c1", T0): Decimal(1) * 20 * MIN + Decimal(5) * 20 * MIN,
                   ("c2", T0): Decimal(3) * 20 * MIN}


def test_integrate_clips_to_the_range_and_sorts_readings() -> None:
    readings = [Reading(T0 + 2 * H, Decimal(10), "c1"), Reading(T0 - H, Decimal(2), "c1")]
    out = integrate(readings, T0, T0 + 2 * H + 30 * MIN)
    # The reading before the range holds into it; the last one holds until the end.
    assert out == {("c1", T0): Decimal(2) * H, ("c1", T0 + H): Decimal(2) * H,
                   ("c1", T0 + 2 * H): Decimal(10) * 30 * MIN}


def test_integrate_of_nothing_is_nothing() -> None:
    assert integrate([], T0, T0 + H) == {}
    assert integrate([Reading(T0 + H, Decimal(1), "c1")], T0, T0 + H) == {}
