"""Pricing an outcome: shared savings with floor and cap, guaranteed savings, SLA bands.

Each test is a small contract and the figures a person works out from it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.outcomes import parse_contract, preview

JAN, FEB, MAR, APR = "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"


def savings_contract(pricing: dict[str, Any], actuals: list[str],
                     baseline: str = "1000") -> dict[str, Any]:
    starts = [JAN, FEB, MAR, APR]
    return {
        "id": "c", "unit": "kWh", "baseline": {"type": "fixed", "value": baseline},
        "reporting": [{"start": starts[i], "end": starts[i + 1], "actual": a}
                      for i, a in enumerate(actuals)],
        "pricing": {"currency": "EUR", **pricing},
    }


def fees(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(p["savings"], p["fee"], p["fee_due"]) for p in preview(parse_contract(doc))["periods"]]


def test_shared_savings_are_a_share_of_their_value_between_floor_and_cap() -> None:
    # 40 % x savings x 0.3333 EUR/kWh, floor 10, cap 50
    doc = savings_contract({"form": "shared_savings", "share_percent": "40",
                            "unit_value": "0.3333", "floor": "10", "cap": "50"},
                           ["900", "980", "500"])
    assert fees(doc) == [
        ("100", "13.332", "13.33"),  # 0.4 x 100 x 0.3333
        ("20", "10", "10.00"),  # 2.6664 is below the floor
        ("500", "50", "50.00"),  # 66.66 is above the cap
    ]
    periods = preview(parse_contract(doc))["periods"]
    assert [p["pricing"]["limited_by"] for p in periods] == [None, "floor", "cap"]
    assert periods[2]["cumulative_savings"] == "620"
    assert periods[2]["cumulative_fee_due"] == "73.33"


def test_shared_savings_default_to_no_fee_without_savings_unless_the_floor_is_negative() -> None:
    pricing = {"form": "shared_savings", "share_percent": "50", "unit_value": "0.2"}
    assert fees(savings_contract(pricing, ["1100"])) == [("-100", "0", "0.00")]
    shared_loss = pricing | {"floor": "-5"}
    assert fees(savings_contract(shared_loss, ["1100", "2000"])) == [
        ("-100", "-5", "-5.00"), ("-1000", "-5", "-5.00")]
    no_floor_hit = pricing | {"floor": "-50"}
    assert fees(savings_contract(no_floor_hit, ["1100"])) == [("-100", "-10", "-10.00")]


def test_a_guaranteed_savings_shortfall_is_a_credit() -> None:
    # guarantee 200 kWh at 0.25 EUR/kWh, no fee: savings 50 -> 150 short -> -37.5
    doc = savings_contract({"form": "guaranteed_savings", "guarantee": "200",
                            "unit_value": "0.25"}, ["950", "800", "700"])
    assert fees(doc) == [("50", "-37.5", "-37.50"), ("200", "0", "0.00"), ("300", "0", "0.00")]
    first = preview(parse_contract(doc))["periods"][0]["pricing"]
    assert (first["shortfall"], first["shortfall_credit"]) == ("150", "-37.5")


def test_guaranteed_savings_with_a_fee_a_share_above_and_a_limit_on_the_credit() -> None:
    doc = savings_contract({"form": "guaranteed_savings", "guarantee": "200", "fee": "30",
                            "share_percent": "10", "unit_value": "0.25", "floor": "-20",
                            "cap": "35"}, ["600", "900", "1000"])
    assert fees(doc) == [
        ("400", "35", "35.00"),  # 30 + 10 % x 200 x 0.25 = 35: at the cap
        ("100", "5", "5.00"),  # 30 - 100 x 0.25
        ("0", "-20", "-20.00"),  # 30 - 50 = -20: the floor limits the credit exactly
    ]


def sla_contract(reporting: list[dict[str, Any]], **sla: Any) -> dict[str, Any]:
    return {
        "id": "s", "pricing": {"form": "sla", "currency": "EUR"},
        "sla": {"devices": ["g1", "g2"], "fee": "1000", "bands": [
            {"min_availability": "0", "credit_percent": "30"},
            {"min_availability": "99.9", "credit_percent": "0"},
            {"min_availability": "99", "credit_percent": "10"}], **sla},
        "reporting": reporting,
    }


def test_sla_credits_follow_the_availability_bands() -> None:
    # 1000 minutes x 2 devices = 2000 device-minutes
    start, end = "2026-01-01T00:00:00Z", "2026-01-01T16:40:00Z"
    periods = [{"start": start, "end": end, "connected_minutes": m}
               for m in ("1998", "1997", "1980", "1979")]
    result = preview(parse_contract(sla_contract(periods[:1])))
    assert result["periods"][0]["availability"] == "99.9000000000"  # exactly on the band
    rows = []
    for p in periods:
        out = preview(parse_contract(sla_contract([p])))["periods"][0]
        rows.append((out["availability"], out["pricing"]["band"]["credit_percent"], out["fee"]))
    assert rows == [("99.9000000000", "0", "1000"), ("99.8500000000", "10", "900"),
                    ("99.0000000000", "10", "900"), ("98.9500000000", "30", "700")]


def test_an_sla_credit_alone_is_a_negative_charge() -> None:
    period = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T16:40:00Z",
              "availability": "99.5"}
    out = preview(parse_contract(sla_contract([period], bill_fee=False)))["periods"][0]
    assert (out["fee"], out["fee_due"], out["pricing"]["credit"]) == ("-100", "-100.00", "-100")


def test_availability_is_cut_not_rounded_into_a_better_band() -> None:
    # 2 devices x 3 minutes = 6 device-minutes; 5 connected: 83.333...%
    period = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:03:00Z",
              "connected_minutes": "5"}
    out = preview(parse_contract(sla_contract([period])))["periods"][0]
    assert out["availability"] == "83.3333333333"
    almost = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:03:00Z",
              "availability": "99.89999999999999"}
    out = preview(parse_contract(sla_contract([almost])))["periods"][0]
    assert out["availability"] == "99.8999999999"
    assert out["pricing"]["band"]["min_availability"] == "99"


def test_money_stays_exact_until_the_line_is_rounded() -> None:
    doc = savings_contract({"form": "shared_savings", "share_percent": "33.3",
                            "unit_value": "0.123456789"}, ["999.99"])
    ((savings, fee, due),) = fees(doc)
    assert Decimal(fee) == Decimal("0.01") * Decimal("0.333") * Decimal("0.123456789")
    assert (savings, due) == ("0.01", "0.00")


@pytest.mark.parametrize(("change", "field"), [
    ({"pricing": {"form": "rent", "currency": "EUR"}}, "pricing.form"),
    ({"pricing": {"form": "shared_savings", "currency": "EUR", "share_percent": "150",
                  "unit_value": "1"}}, "pricing.share_percent"),
    ({"pricing": {"form": "shared_savings", "currency": "EUR", "share_percent": "50",
                  "unit_value": "1", "cap": "1", "floor": "2"}}, "pricing.cap"),
    ({"pricing": {"form": "shared_savings", "currency": "EUR", "share_percent": "50",
                  "unit_value": 0.2}}, "pricing.unit_value"),
    ({"pricing": {"form": "shared_savings", "currency": "EUR", "share_percent": "50",
                  "unit_value": "1", "ceiling": "1"}}, "pricing.ceiling"),
    ({"baseline": None}, "baseline"),
    ({"baseline": {"type": "regression", "periods": [
        {"start": JAN, "end": FEB, "use": "1", "variables": {"hdd": "1"}},
        {"start": FEB, "end": MAR, "use": "1", "variables": {"cdd": "1"}}]}},
     "baseline.periods[1].variables"),
    ({"reporting": [{"start": FEB, "end": JAN, "actual": "1"}]}, "reporting[0].end"),
    ({"reporting": [{"start": JAN, "end": MAR, "actual": "1"},
                    {"start": FEB, "end": APR, "actual": "1"}]}, "reporting[1].start"),
    ({"adjustments": [{"period": JAN, "amount": "5"}]}, "adjustments[0].reason"),
    ({"adjustments": [{"period": MAR, "amount": "5", "reason": "x"}]}, "adjustments[0].period"),
    ({"reporting": [{"start": JAN, "end": FEB}]}, "reporting[0].actual"),
])
def test_a_bad_contract_names_the_field(change: dict[str, Any], field: str) -> None:
    doc = savings_contract({"form": "shared_savings", "share_percent": "50",
                            "unit_value": "1"}, ["900"]) | change
    with pytest.raises(InvalidInput) as err:
        preview(parse_contract(doc))
    assert err.value.field == field


@pytest.mark.parametrize(("sla", "field"), [
    ({"bands": [{"min_availability": "99", "credit_percent": "0"}]}, "sla.bands"),
    ({"heartbeat_minutes": "7"}, "sla.heartbeat_minutes"),
    ({"device": "g3"}, "sla.devices"),
    ({"bands": [{"min_availability": "0", "credit_percent": "120"}]},
     "sla.bands[0].credit_percent"),
])
def test_a_bad_sla_names_the_field(sla: dict[str, Any], field: str) -> None:
    doc = sla_contract([{"start": JAN, "end": FEB, "availability": "99"}], **sla)
    with pytest.raises(InvalidInput) as err:
        parse_contract(doc)
    assert err.value.field == field


def test_an_sla_period_needs_its_heartbeats_and_whole_slots() -> None:
    with pytest.raises(InvalidInput) as err:
        preview(parse_contract(sla_contract([{"start": JAN, "end": FEB}])))
    assert err.value.field == "reporting[0].connected_minutes"
    odd = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:07:00Z", "availability": "1"}
    with pytest.raises(InvalidInput) as err:
        preview(parse_contract(sla_contract([odd], heartbeat_minutes=5)))
    assert err.value.field == "reporting[0].end"
