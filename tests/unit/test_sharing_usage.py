"""A session's periods from its device's telemetry, and their price under an OCPI tariff.

    09:00  start, in use          readings: 09:00 9 kWh (before: not counted)
    09:20  2.5 kWh                          09:20 2.5, 09:40 2.75, 10:00 2.25
    10:00  idle                             10:30 1 (after the stop: not counted)
    10:15  stop
"""

from __future__ import annotations

from decimal import Decimal

from monetiot.domain.sharing import (
    EnergyReading,
    StateReading,
    parse_policy,
    session_usage,
    state_of,
)
from monetiot.domain.tariffs import PeriodState, parse_tariff, price_session

MIN = 60_000
T0 = 1_780_000_000_000 - 1_780_000_000_000 % (60 * MIN)  # a whole hour
TARIFF = parse_tariff({"currency": "EUR", "elements": [{"price_components": [
    {"type": "FLAT", "price": "0.5", "step_size": 1},
    {"type": "ENERGY", "price": "0.3", "step_size": 1},
    {"type": "PARKING_TIME", "price": "2", "step_size": 60}]}]})


def readings() -> list[EnergyReading]:
    return [EnergyReading(T0 + m * MIN, Decimal(kwh)) for m, kwh in
            ((0, "9"), (20, "2.5"), (40, "2.75"), (60, "2.25"), (90, "1"))]


def test_periods_follow_the_state_readings_and_energy_counts_where_it_was_reported() -> None:
    usage = session_usage(T0, T0 + 75 * MIN, readings(),
                          [StateReading(T0 - 5 * MIN, False), StateReading(T0 + 60 * MIN, False)])
    assert [(p.start_ms - T0, p.end_ms - T0, p.in_use, p.energy_kwh) for p in usage.periods] == [
        (0, 60 * MIN, True, Decimal("7.5")), (60 * MIN, 75 * MIN, False, Decimal(0))]
    assert (usage.energy_kwh, usage.in_use_ms, usage.idle_ms) == (Decimal("7.5"), 60 * MIN,
                                                                  15 * MIN)
    session = usage.ocpi_session("Europe/Amsterdam")
    assert session is not None
    assert [p.state for p in session.periods] == [PeriodState.CHARGING, PeriodState.PARKING]
    cost = price_session(TARIFF, session)
    assert cost.excl_vat == Decimal("3.25")  # 0.5 + 7.5 x 0.3 + 0.25 h x 2


def test_repeated_states_merge_and_a_reading_at_the_start_sets_the_first_state() -> None:
    usage = session_usage(T0, T0 + 30 * MIN, [], [
        StateReading(T0, False), StateReading(T0 + 10 * MIN, False),
        StateReading(T0 + 20 * MIN, True), StateReading(T0 + 30 * MIN, False)])
    assert [(p.start_ms - T0, p.in_use) for p in usage.periods] == [(0, False),
                                                                     (20 * MIN, True)]
    assert usage.in_use_ms + usage.idle_ms == 30 * MIN


def test_a_session_of_no_time_has_no_periods_and_no_ocpi_session() -> None:
    usage = session_usage(T0, T0, readings(), [])
    assert usage.periods == () and usage.ocpi_session("UTC") is None
    assert usage.energy_kwh == 0


def test_state_words() -> None:
    assert [state_of(w) for w in ("in_use", "Charging", "idle", "PARKING", "off", 3)] == [
        True, True, False, False, None, None]


def test_policy_fees() -> None:
    policy = parse_policy({"free_cancellation_hours": "1.5",
                           "cancellation_fee": {"kind": "percent", "value": "50"},
                           "no_show_fee": {"kind": "flat", "value": "4.999"},
                           "no_show_grace_minutes": 10})
    start = T0 + 10 * 60 * MIN
    assert policy.cancellation_charge(start, start - 90 * MIN, Decimal("4.70"), "EUR") == 0
    assert policy.cancellation_charge(start, start - 89 * MIN, Decimal("4.70"), "EUR") == \
        Decimal("2.35")
    assert policy.no_show_charge(Decimal("4.70"), "EUR") == Decimal("5.00")
    assert policy.no_show_at(start) == start + 10 * MIN
