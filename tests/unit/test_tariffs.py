"""Hand-checked sessions for each rule of spec/tariffs.md: restrictions, step_size, zones, bounds.

Each test builds a small tariff and session as the JSON a user would send (numbers as exact
text), prices it, and states the expected cost with the arithmetic in a comment.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from monetiot.cli import _register, app
from monetiot.domain import jsonexact
from monetiot.domain.errors import InvalidInput
from monetiot.domain.tariffs import (
    Dimension,
    SessionCost,
    cost_document,
    parse_session,
    parse_tariff,
    price_session,
)

Doc = dict[str, Any]
DAY = "2024-06-03"  # a Monday


# -- builders ---------------------------------------------------------------------------------


def component(kind: str, price: str, step: int = 1, vat: str | None = None) -> Doc:
    doc: Doc = {"type": kind, "price": price, "step_size": step}
    if vat is not None:
        doc["vat"] = vat
    return doc


def element(*components: Doc, **restrictions: Any) -> Doc:
    doc: Doc = {"price_components": list(components)}
    if restrictions:
        doc["restrictions"] = restrictions
    return doc


def tariff(*elements: Doc, **fields: Any) -> Doc:
    return {
        "country_code": "DE",
        "party_id": "ALL",
        "id": "1",
        "currency": "EUR",
        "elements": list(elements),
        "last_updated": "2024-01-01T00:00:00Z",
        **fields,
    }


def at(text: str) -> str:
    """'10:00' on DAY, or a full 'YYYY-MM-DD HH:MM', as UTC DateTime text."""
    return f"{DAY}T{text}:00Z" if len(text) == 5 else text.replace(" ", "T") + ":00Z"


def period(start: str, end: str, state: str = "CHARGING", kwh: str = "0", **extra: Any) -> Doc:
    return {
        "start_date_time": at(start),
        "end_date_time": at(end),
        "state": state,
        "energy_kwh": kwh,
        **extra,
    }


def session(*periods: Doc, tz: str = "UTC") -> Doc:
    return {"time_zone": tz, "charging_periods": list(periods)}


def cost(tariff_doc: Doc, session_doc: Doc) -> SessionCost:
    return price_session(parse_tariff(tariff_doc), parse_session(session_doc))


def excl(tariff_doc: Doc, session_doc: Doc) -> Decimal:
    return cost(tariff_doc, session_doc).excl_vat


# -- step_size --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (1, "0.029"),  # 115.2 Wh -> 116 Wh x 0.25/kWh (the spec's own example)
        (25, "0.03125"),  # -> 125 Wh
        (500, "0.125"),  # -> 500 Wh
    ],
)
def test_energy_step_rounds_watt_hours_up(step: int, expected: str) -> None:
    t = tariff(element(component("ENERGY", "0.25", step)))
    assert excl(t, session(period("10:00", "11:00", kwh="0.1152"))) == Decimal(expected)


def test_time_step_applies_once_to_the_session_total_not_per_period() -> None:
    t = tariff(element(component("TIME", "6", 900)))
    s = session(period("10:00", "10:04"), period("10:04", "10:08"), period("10:08", "10:12"))
    # 12 minutes -> 15 minutes x 6/h = 1.5 (per period it would be 3 x 15 minutes = 4.5)
    result = cost(t, s)
    assert result.excl_vat == Decimal("1.5")
    assert result.total_time_h == Decimal("0.25")


def test_charging_followed_by_priced_parking_rounds_only_the_parking() -> None:
    t = tariff(element(component("TIME", "6", 900), component("PARKING_TIME", "6", 900)))
    s = session(period("10:00", "10:07"), period("10:07", "10:09", "PARKING"))
    # TIME 7 min x 6/h = 0.7 (not rounded); PARKING 2 -> 15 min x 6/h = 1.5
    result = cost(t, s)
    assert result.excl_vat == Decimal("2.2")
    assert result.total_parking_time_h == Decimal("0.25")


def test_unpriced_parking_leaves_the_charging_time_to_be_rounded() -> None:
    t = tariff(element(component("TIME", "6", 900)))
    s = session(period("10:00", "10:07"), period("10:07", "10:09", "PARKING"))
    # TIME 7 -> 15 minutes x 6/h = 1.5; the free parking does not count
    assert excl(t, s) == Decimal("1.5")


def test_rounded_excess_is_billed_at_the_last_element_price() -> None:
    t = tariff(
        element(component("TIME", "1.2", 1800), start_time="00:00", end_time="17:00"),
        element(component("TIME", "2.4", 900), start_time="17:00", end_time="00:00"),
    )
    result = cost(t, session(period("16:35", "17:10")))
    # 25 min x 1.2/h = 0.5; 35 -> 45 min in all, so 10 + 10 min x 2.4/h = 0.8
    assert result.excl_vat == Decimal("1.3")
    assert [(line.excl_vat, line.price) for line in result.lines] == [
        (Decimal("0.5"), Decimal("1.2")),
        (Decimal("0.8"), Decimal("2.4")),
    ]


def test_energy_in_an_unpriced_period_is_not_rounded_up() -> None:
    t = tariff(element(component("ENERGY", "0.2", 1000), start_time="10:00", end_time="11:00"))
    # 1.5 kWh spread over 2 h: 0.75 kWh priced -> 1000 Wh x 0.2 = 0.2 (not 2000 Wh)
    result = cost(t, session(period("10:00", "12:00", kwh="1.5")))
    assert result.excl_vat == Decimal("0.2")
    assert result.total_energy_kwh == Decimal("1.75")


def test_step_size_zero_means_no_rounding() -> None:
    t = tariff(element(component("TIME", "6", 0)))
    assert excl(t, session(period("10:00", "10:07"))) == Decimal("0.7")


# -- time of day, day of week, dates, time zones ------------------------------------------------


def two_rates(**restrictions: Any) -> Doc:
    """TIME at 2/h while `restrictions` hold, else 1/h."""
    return tariff(
        element(component("TIME", "2", 1), **restrictions), element(component("TIME", "1", 1))
    )


def test_time_of_day_is_the_asset_local_time() -> None:
    # 15:00-17:00 UTC is 17:00-19:00 in Amsterdam (CEST): 1 h at 1, 1 h at 2
    t = two_rates(start_time="18:00")
    assert excl(t, session(period("15:00", "17:00"), tz="Europe/Amsterdam")) == Decimal("3")
    assert excl(t, session(period("15:00", "17:00"))) == Decimal("2")  # all before 18:00 UTC


def test_end_time_0000_means_the_end_of_the_day() -> None:
    t = two_rates(start_time="20:00", end_time="00:00")
    assert excl(t, session(period("19:00", "21:00"))) == Decimal("3")
    # 23:30-00:30: half an hour at 2 before midnight, half an hour at 1 after
    s = session(period("2024-06-03 23:30", "2024-06-04 00:30"))
    assert excl(t, s) == Decimal("1.5")


def test_end_before_start_wraps_past_midnight() -> None:
    t = two_rates(start_time="22:00", end_time="06:00")
    # 21:00-07:00: 8 h at 2, 2 h at 1
    assert excl(t, session(period("21:00", "2024-06-04 07:00"))) == Decimal("18")


def test_end_time_alone_is_exclusive() -> None:
    t = two_rates(end_time="08:00")
    assert excl(t, session(period("07:00", "09:00"))) == Decimal("3")


def test_day_of_week_follows_the_local_date() -> None:
    t = two_rates(day_of_week=["SUNDAY"])
    s = period("2024-06-08 21:30", "2024-06-08 23:30")  # Saturday in UTC
    # Amsterdam: Saturday 23:30 - Sunday 01:30: 0.5 h at 1, 1.5 h at 2
    assert excl(t, session(s, tz="Europe/Amsterdam")) == Decimal("3.5")
    assert excl(t, session(s)) == Decimal("2")


def test_start_date_is_inclusive_and_end_date_exclusive() -> None:
    t = two_rates(start_date="2024-06-04", end_date="2024-06-05")
    s = session(period("2024-06-03 23:00", "2024-06-05 01:00"))
    # 1 h at 1 (June 3), 24 h at 2 (June 4), 1 h at 1 (June 5)
    assert excl(t, s) == Decimal("50")


def test_clocks_going_forward_skip_part_of_a_time_window() -> None:
    # Amsterdam, 31 March 2024: 02:00 CET becomes 03:00 CEST. 23:00Z-03:00Z is local 00:00-05:00.
    t = tariff(element(component("TIME", "1", 1), start_time="02:30", end_time="04:00"))
    result = cost(t, session(period("2024-03-30 23:00", "2024-03-31 03:00"), tz="Europe/Amsterdam"))
    # 02:30-03:00 never happens: only local 03:00-04:00 (01:00Z-02:00Z) is priced
    assert result.excl_vat == Decimal("1")
    assert result.total_time_h == Decimal("4")


def test_clocks_going_back_repeat_a_time_window() -> None:
    # Amsterdam, 27 October 2024: 03:00 CEST becomes 02:00 CET; local 02:00-03:00 happens twice
    t = tariff(element(component("TIME", "1", 1), start_time="02:00", end_time="03:00"))
    s = session(period("2024-10-26 23:00", "2024-10-27 03:00"), tz="Europe/Amsterdam")
    assert excl(t, s) == Decimal("2")


# -- energy, duration, power and current --------------------------------------------------------


def test_kwh_threshold_splits_a_period_with_its_energy_spread_evenly() -> None:
    t = tariff(
        element(component("ENERGY", "0.1"), max_kwh="5"),
        element(component("ENERGY", "0.2"), min_kwh="5"),
        element(component("TIME", "4"), max_kwh="5"),
    )
    # 20 kWh over 2 h: 5 kWh x 0.1 + 15 kWh x 0.2 = 3.5; the first 5 kWh take 0.5 h x 4 = 2
    assert excl(t, session(period("10:00", "12:00", kwh="20"))) == Decimal("5.5")


def test_min_duration_is_inclusive_and_max_duration_exclusive() -> None:
    t = tariff(
        element(component("TIME", "1"), max_duration=1800),
        element(component("TIME", "2"), min_duration=1800),
    )
    assert excl(t, session(period("10:00", "11:00"))) == Decimal("1.5")  # 0.5 x 1 + 0.5 x 2


def test_duration_counts_from_the_session_start_across_periods() -> None:
    t = tariff(
        element(component("PARKING_TIME", "0", 60), max_duration=1800),
        element(component("PARKING_TIME", "6", 60)),
    )
    s = session(period("10:00", "10:20"), period("10:20", "11:00", "PARKING"))
    assert excl(t, s) == Decimal("3")  # parking 10:30-11:00 at 6/h; 10:20-10:30 free


def test_power_is_judged_per_period_min_inclusive_max_exclusive() -> None:
    t = tariff(
        element(component("ENERGY", "0.1"), min_power="11", max_power="22"),
        element(component("ENERGY", "0.5")),
    )
    s = session(
        period("10:00", "10:10", kwh="1", max_power_kw="11"),  # 11 >= 11: 0.1
        period("10:10", "10:20", kwh="1", max_power_kw="22"),  # 22 is not < 22: 0.5
        period("10:20", "10:30", kwh="1"),  # no power reported: 0.5
    )
    assert excl(t, s) == Decimal("1.1")


def test_current_restriction_does_not_hold_without_a_current() -> None:
    t = tariff(element(component("TIME", "2"), min_current="32"), element(component("TIME", "1")))
    s = session(period("10:00", "11:00", max_current_a="32"), period("11:00", "12:00"))
    assert excl(t, s) == Decimal("3")


# -- FLAT, VAT, min and max price, validity -----------------------------------------------------


def test_flat_is_charged_once_however_many_periods() -> None:
    t = tariff(element(component("FLAT", "1")))
    s = session(
        period("10:00", "10:10"), period("10:10", "10:20", "PARKING"), period("10:20", "10:30")
    )
    result = cost(t, s)
    assert result.excl_vat == Decimal("1")
    assert [(line.type, line.quantity) for line in result.lines] == [(Dimension.FLAT, 1)]


def test_flat_is_chosen_at_the_start_of_the_first_charging_period() -> None:
    t = tariff(
        element(component("FLAT", "1"), start_time="10:00", end_time="12:00"),
        element(component("FLAT", "2")),
    )
    assert excl(t, session(period("09:30", "10:30"))) == Decimal("2")
    assert excl(t, session(period("10:00", "11:00"))) == Decimal("1")


def test_vat_is_per_component_and_missing_vat_means_none() -> None:
    t = tariff(element(component("FLAT", "1", vat="20"), component("ENERGY", "0.5")))
    result = cost(t, session(period("10:00", "11:00", kwh="2")))
    assert (result.excl_vat, result.incl_vat) == (Decimal("2"), Decimal("2.2"))


def test_min_and_max_price_bound_each_total_on_its_own() -> None:
    flat_and_energy = (component("FLAT", "9", vat="0"), component("ENERGY", "0.25", vat="20"))
    t = tariff(element(*flat_and_energy), max_price={"excl_vat": "10", "incl_vat": "12"})
    # 9 + 8 kWh x 0.25 = 11 excl (above 10); 9 + 2.4 = 11.4 incl (below 12)
    result = cost(t, session(period("10:00", "11:00", kwh="8")))
    assert (result.excl_vat, result.incl_vat) == (Decimal("10"), Decimal("11.4"))
    t = tariff(element(*flat_and_energy), min_price={"excl_vat": "11.2", "incl_vat": "11"})
    result = cost(t, session(period("10:00", "11:00", kwh="8")))
    assert (result.excl_vat, result.incl_vat) == (Decimal("11.2"), Decimal("11.4"))


def test_min_price_without_incl_vat_bounds_only_the_excl_total() -> None:
    t = tariff(element(component("ENERGY", "0.25", vat="10")), min_price={"excl_vat": "5"})
    result = cost(t, session(period("10:00", "11:00", kwh="1")))
    assert (result.excl_vat, result.incl_vat) == (Decimal("5"), Decimal("0.275"))


def test_tariff_validity_window_is_inclusive() -> None:
    t = tariff(
        element(component("FLAT", "1")), start_date_time=at("10:00"), end_date_time=at("11:00")
    )
    assert excl(t, session(period("10:00", "12:00"))) == Decimal("1")
    assert excl(t, session(period("11:00", "12:00"))) == Decimal("1")
    with pytest.raises(InvalidInput) as error:
        cost(t, session(period("11:01", "12:00")))
    assert error.value.field == "tariff.end_date_time"
    with pytest.raises(InvalidInput) as error:
        cost(t, session(period("09:59", "12:00")))
    assert error.value.field == "tariff.start_date_time"


# -- reservations -------------------------------------------------------------------------------


def reservation_tariff() -> Doc:
    return tariff(
        element(component("TIME", "3", 600, vat="20"), reservation="RESERVATION"),
        element(
            component("FLAT", "4"), component("TIME", "6", 600), reservation="RESERVATION_EXPIRES"
        ),
        element(component("FLAT", "0.5"), component("ENERGY", "0.25")),
    )


def test_reservation_time_is_priced_but_not_counted_as_charging_time() -> None:
    s = session(period("10:00", "10:22", "RESERVATION"), period("10:22", "12:22", kwh="20"))
    result = cost(reservation_tariff(), s)
    # reservation 22 -> 30 min x 3/h = 1.5; FLAT 0.5; 20 kWh x 0.25 = 5
    assert result.excl_vat == Decimal("7")
    assert result.total_time_h == Decimal("2")


def test_expired_reservation_prefers_the_expires_element_wherever_it_is_listed() -> None:
    result = cost(reservation_tariff(), session(period("10:00", "11:30", "RESERVATION_EXPIRED")))
    # expiry FLAT 4 + 1.5 h x 6/h = 9 = 13; no regular FLAT without charging
    assert result.excl_vat == Decimal("13")
    assert result.total_time_h == Decimal("0")


# -- output ---------------------------------------------------------------------------------------


def test_document_matches_the_spec_example() -> None:
    t = tariff(element(component("FLAT", "0.5", vat="20"), component("ENERGY", "0.25", 100, "10")))
    s = session(
        period("10:00", "12:00", kwh="20.45", max_power_kw="11.0", max_current_a="16.0"),
        tz="Europe/Amsterdam",
    )
    assert cost_document(cost(t, s)) == {
        "currency": "EUR",
        "total_cost": {"excl_vat": "5.625", "incl_vat": "6.2375"},
        "total_energy_kwh": "20.5",
        "total_time_h": "2",
        "total_parking_time_h": "0",
        "lines": [
            {"type": "FLAT", "quantity": "1", "price": "0.5", "excl_vat": "0.5", "incl_vat": "0.6"},
            {
                "type": "ENERGY",
                "quantity": "20.5",
                "price": "0.25",
                "excl_vat": "5.125",
                "incl_vat": "5.6375",
            },
        ],
    }


# -- validation -----------------------------------------------------------------------------------


def valid_tariff() -> Doc:
    return tariff(element(component("FLAT", "0.5"), component("ENERGY", "0.25", 1, "10")))


def valid_session() -> Doc:
    return session(period("10:00", "11:00", kwh="1"), period("11:00", "11:30", "PARKING"))


TARIFF_ERRORS = [
    (
        lambda t: t["elements"][0]["price_components"][1].update(step_size="1.5"),
        "elements[0].price_components[1].step_size",
    ),
    (
        lambda t: t["elements"][0]["price_components"][0].update(price="-1"),
        "elements[0].price_components[0].price",
    ),
    (
        lambda t: t["elements"][0]["price_components"][0].update(type="KWH"),
        "elements[0].price_components[0].type",
    ),
    (
        lambda t: t["elements"][0]["price_components"][1].pop("step_size"),
        "elements[0].price_components[1].step_size",
    ),
    (
        lambda t: t["elements"][0].update(restrictions={"max_kw": 5}),
        "elements[0].restrictions.max_kw",
    ),
    (
        lambda t: t["elements"][0].update(restrictions={"start_time": "24:00"}),
        "elements[0].restrictions.start_time",
    ),
    (
        lambda t: t["elements"][0].update(restrictions={"day_of_week": ["MONDAY", "MON"]}),
        "elements[0].restrictions.day_of_week[1]",
    ),
    (
        lambda t: t["elements"][0].update(restrictions={"min_kwh": 5, "max_kwh": 2}),
        "elements[0].restrictions.max_kwh",
    ),
    (
        lambda t: t["elements"][0].update(restrictions={"min_duration": "1.5"}),
        "elements[0].restrictions.min_duration",
    ),
    (
        lambda t: t["elements"][0].update(restrictions={"reservation": "RESERVATION"}),
        "elements[0].price_components[1].type",
    ),
    (
        lambda t: t["elements"][0]["price_components"].append(component("FLAT", "1")),
        "elements[0].price_components[2].type",
    ),
    (lambda t: t.update(elements=[]), "elements"),
    (lambda t: t.update(currency="EURO"), "currency"),
    (
        lambda t: t.update(min_price={"excl_vat": "5"}, max_price={"excl_vat": "4"}),
        "max_price.excl_vat",
    ),
    (lambda t: t.update(end_date_time="tomorrow"), "end_date_time"),
]


@pytest.mark.parametrize(("mutate", "field"), TARIFF_ERRORS, ids=[f for _, f in TARIFF_ERRORS])
def test_invalid_tariff_names_the_field(mutate: Any, field: str) -> None:
    doc = valid_tariff()
    mutate(doc)
    with pytest.raises(InvalidInput) as error:
        parse_tariff(doc)
    assert error.value.field == field


SESSION_ERRORS = [
    (lambda s: s.update(time_zone="Mars/Olympus_Mons"), "time_zone"),
    (lambda s: s.pop("charging_periods"), "charging_periods"),
    (
        lambda s: s["charging_periods"][1].update(start_date_time=at("11:05")),
        "charging_periods[1].start_date_time",
    ),
    (
        lambda s: s["charging_periods"][0].update(end_date_time=at("10:00")),
        "charging_periods[0].end_date_time",
    ),
    (lambda s: s["charging_periods"][0].update(state="IDLE"), "charging_periods[0].state"),
    (lambda s: s["charging_periods"][0].update(energy_kwh="-1"), "charging_periods[0].energy_kwh"),
    (
        lambda s: s["charging_periods"][0].update(max_power_kw="fast"),
        "charging_periods[0].max_power_kw",
    ),
    (
        lambda s: s["charging_periods"][1].update(state="RESERVATION", energy_kwh="0"),
        "charging_periods[1].state",
    ),
    (lambda s: s["charging_periods"][0].update(max_power="11"), "charging_periods[0].max_power"),
]


@pytest.mark.parametrize(("mutate", "field"), SESSION_ERRORS, ids=[f for _, f in SESSION_ERRORS])
def test_invalid_session_names_the_field(mutate: Any, field: str) -> None:
    doc = valid_session()
    mutate(doc)
    with pytest.raises(InvalidInput) as error:
        parse_session(doc)
    assert error.value.field == field


# -- the command ----------------------------------------------------------------------------------


def run(tmp_path: Path, tariff_text: str, session_text: str) -> Result:
    _register()
    (tmp_path / "t.json").write_text(tariff_text, "utf-8")
    (tmp_path / "s.json").write_text(session_text, "utf-8")
    args = [
        "tariff-preview",
        "--tariff",
        str(tmp_path / "t.json"),
        "--session",
        str(tmp_path / "s.json"),
    ]
    return CliRunner().invoke(app, args)


def test_cli_reads_json_numbers_exactly(tmp_path: Path) -> None:
    t = (
        '{"currency": "EUR", "elements": [{"price_components": '
        '[{"type": "ENERGY", "price": 0.1, "step_size": 1}]}]}'
    )
    result = run(tmp_path, t, jsonexact.dumps(session(period("10:00", "11:00", kwh="3"))))
    assert result.exit_code == 0, result.stderr
    # 3 x 0.1 through binary floats would be 0.30000000000000004
    assert jsonexact.loads(result.stdout)["total_cost"] == {"excl_vat": "0.3", "incl_vat": "0.3"}


def test_cli_invalid_input_exits_2_with_one_line_naming_the_field(tmp_path: Path) -> None:
    doc = valid_tariff()
    doc["elements"][0]["price_components"][1]["step_size"] = "1.5"
    result = run(tmp_path, jsonexact.dumps(doc), jsonexact.dumps(valid_session()))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("tariff.elements[0].price_components[1].step_size: ")


def test_cli_invalid_json_exits_2(tmp_path: Path) -> None:
    result = run(tmp_path, jsonexact.dumps(valid_tariff()), '{"time_zone": ')
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("session: ")
