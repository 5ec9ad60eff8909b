"""Issue 11, money: each defect the outside check found, reproduced through `monetiot simulate`
(or the command that showed it), with the invoices worked out by hand first.

Hand computations (EUR, customers in UTC unless said; shares are days over days):
- half cent: 21.03 a month, started April 6: 25 of April's 30 days, 21.03 x 25/30 = 17.525
  exactly, half away from zero -> 17.53 (was 17.52). One device from April 6 at 21.03 per
  device-period: 25/30 device-periods -> 17.53 too; May's fee in advance 21.03: 38.56.
- upgrade credit: 21.03 paid on April 1 for April; upgraded on April 6 to 30 a month: the
  unused 25/30 comes back as 17.525 -> 17.53, the same as a charge for that share; the new fee
  30 x 25/30 = 25.00, less the 17.53 of credit: 7.47.
- coupons: a fee of 100; 20 % applied first, then a fixed 30: 100 - 20 = 80, 80 - 30 = 50.00,
  whatever the coupons are called; the other way round, 100 - 30 = 70, 70 - 20 % = 56.00.
- minimum commitment 100 a month, started April 6, 10 units at 1.00: the minimum is prorated
  like the fee, 100 x 25/30 = 83.333..., so the true-up is 83.333... - 10 = 73.33: 83.33.
- daylight saving (Europe/Berlin, March 2026 has a 23-hour day): started March 15, 17 of 31
  days; the fee of 31 in advance is 17.00 and the device at 31 per device-period is 17.00 too
  (by hours it would be 407/743 x 31 = 16.98: both now count days).
- inclusive tax 20 %: a fee of 24 holds 24 - 24/1.2 = 4.00 of tax; subtotal (before tax) 20.00,
  tax 4.00, total 24.00.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monetiot.cli import _register, app

HEADER = "start: {start}\nend: {end}\n"


def simulate(tmp_path: Path, text: str) -> Any:
    _register()
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return CliRunner().invoke(app, ["simulate", str(path)])


def invoices(tmp_path: Path, text: str) -> list[dict[str, Any]]:
    result = simulate(tmp_path, text)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["invoices"])


def refused(tmp_path: Path, text: str) -> str:
    result = simulate(tmp_path, text)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    return str(result.stderr.strip())


def plan(recurring: str, extra: str = "") -> str:
    return ("plans:\n  - {id: p, currency: EUR, billing_period: monthly" + extra
            + ", recurring: [" + recurring + "]}\n")


FEE = "{id: fee, name: Fee, kind: flat, price: '21.03', timing: in_advance}"
DEVICES = "{id: dev, name: Devices, kind: per_active_device, price: '21.03'}"


def test_an_exact_half_cent_of_proration_rounds_away_from_zero(tmp_path: Path) -> None:
    got = invoices(tmp_path, "name: half cent\nstart: 2026-04-01T00:00:00Z\n"
                   "end: 2026-05-01T00:00:00Z\n" + plan(f"{FEE}, {DEVICES}") + """
customers: [{id: c, timezone: UTC, devices: [{id: d1, from: 2026-04-06T00:00:00Z}]}]
subscriptions: [{id: s, customer: c, plan: p, start: 2026-04-06T00:00:00Z}]
""")
    assert [i["total"] for i in got] == ["17.53", "38.56"]
    fee, devices = got[0]["lines"][0], got[1]["lines"][0]
    assert (fee["amount"], fee["amount_due"], fee["details"]["share"]) == (
        "17.525", "17.53", "5/6")
    assert (devices["amount"], devices["amount_due"]) == ("17.525", "17.53")


def test_an_upgrade_credits_the_same_share_it_would_charge(tmp_path: Path) -> None:
    got = invoices(tmp_path, """name: upgrade
start: 2026-04-01T00:00:00Z
end: 2026-04-07T00:00:00Z
plans:
  - {id: a, currency: EUR, billing_period: monthly,
     recurring: [{id: fee, name: Fee A, kind: flat, price: "21.03", timing: in_advance}]}
  - {id: b, currency: EUR, billing_period: monthly,
     recurring: [{id: fee, name: Fee B, kind: flat, price: "30", timing: in_advance}]}
customers: [{id: c, timezone: UTC}]
subscriptions: [{id: s, customer: c, plan: a, start: 2026-04-01T00:00:00Z}]
changes:
  - {at: 2026-04-06T00:00:00Z, action: change_plan, subscription: s, plan: b, when: now}
""")
    assert [i["total"] for i in got] == ["21.03", "7.47"]
    assert [(x["kind"], x["amount_due"]) for x in got[1]["lines"]] == [
        ("recurring", "25.00"), ("credit", "-17.53")]


COUPONS = """name: coupons
start: 2026-01-01T00:00:00Z
end: 2026-01-02T00:00:00Z
plans:
  - {{id: p, currency: EUR, billing_period: monthly,
     recurring: [{{id: fee, name: Fee, kind: flat, price: "100", timing: in_advance}}]}}
customers: [{{id: c, timezone: UTC}}]
subscriptions: [{{id: s, customer: c, plan: p, start: 2026-01-01T00:00:00Z}}]
changes:
  - {{at: 2026-01-01T00:00:00Z, action: coupon, subscription: s, coupon: {first}}}
  - {{at: 2026-01-01T00:00:00Z, action: coupon, subscription: s, coupon: {second}}}
"""


@pytest.mark.parametrize(("pct", "fixed"), [("zzz", "aaa"), ("aaa", "zzz")])
def test_coupons_apply_in_the_order_they_were_applied_never_by_name(
        tmp_path: Path, pct: str, fixed: str) -> None:
    percent = f"{{id: {pct}, kind: percentage, percent: '20'}}"
    amount = f"{{id: {fixed}, kind: fixed, amount: '30'}}"
    got = invoices(tmp_path, COUPONS.format(first=percent, second=amount))
    assert got[0]["total"] == "50.00"
    assert [x["amount_due"] for x in got[0]["lines"]] == ["100.00", "-20.00", "-30.00"]
    got = invoices(tmp_path, COUPONS.format(first=amount, second=percent))
    assert got[0]["total"] == "56.00"


def test_the_minimum_commitment_of_a_partial_first_period_is_prorated(tmp_path: Path) -> None:
    got = invoices(tmp_path, """name: minimum
start: 2026-04-01T00:00:00Z
end: 2026-05-01T00:00:00Z
meters: [{id: units, event_type: use, property: n, aggregation: SUM}]
plans:
  - {id: p, currency: EUR, billing_period: monthly, minimum_commitment: "100",
     usage: [{id: use, name: Use, meter: units, charge: {model: per_unit, unit_price: "1"}}]}
customers: [{id: c, timezone: UTC}]
subscriptions: [{id: s, customer: c, plan: p, start: 2026-04-06T00:00:00Z}]
usage: [{customer: c, at: 2026-04-10T12:00:00Z, type: use, data: {n: "10"}}]
""")
    (april,) = got
    assert [(x["kind"], x["amount_due"]) for x in april["lines"]] == [
        ("usage", "10.00"), ("minimum_true_up", "73.33")]
    assert april["total"] == "83.33"


def test_flat_fees_and_devices_prorate_by_the_same_days_in_a_dst_month(tmp_path: Path) -> None:
    got = invoices(tmp_path, """name: dst
start: 2026-03-01T00:00:00Z
end: 2026-04-01T00:00:00Z
plans:
  - {id: p, currency: EUR, billing_period: monthly, recurring: [
      {id: fee, name: Fee, kind: flat, price: "31", timing: in_advance},
      {id: dev, name: Devices, kind: per_active_device, price: "31"}]}
customers: [{id: c, timezone: Europe/Berlin, devices: [{id: d1, from: 2026-03-14T23:00:00Z}]}]
subscriptions: [{id: s, customer: c, plan: p, start: 2026-03-14T23:00:00Z}]
""")
    assert [x["amount_due"] for i in got for x in i["lines"]][:2] == ["17.00", "17.00"]


def test_with_inclusive_tax_the_subtotal_is_before_tax(tmp_path: Path) -> None:
    got = invoices(tmp_path, """name: inclusive
start: 2026-01-01T00:00:00Z
end: 2026-02-01T00:00:00Z
plans:
  - {id: p, currency: EUR, billing_period: monthly,
     recurring: [{id: fee, name: Fee, kind: flat, price: "24"}]}
customers: [{id: c, timezone: UTC, tax_rate: "20", tax_inclusive: true}]
subscriptions: [{id: s, customer: c, plan: p, start: 2026-01-01T00:00:00Z}]
""")
    assert [(i["subtotal"], i["tax"], i["total"]) for i in got] == [("20.00", "4.00", "24.00")]


USAGE = """name: bad usage
start: 2026-01-01T00:00:00Z
end: 2026-02-01T00:00:00Z
meters: [{{id: n, event_type: use, property: n, aggregation: SUM}}]
plans:
  - {{id: p, currency: EUR, billing_period: monthly,
     usage: [{{id: use, name: Use, meter: n, charge: {{model: per_unit, unit_price: "0.05"}}}}]}}
customers: [{{id: c, timezone: UTC}}]
subscriptions: [{{id: s, customer: c, plan: p, start: 2026-01-01T00:00:00Z}}]
usage:
  - {{customer: c, at: 2026-01-05T00:00:00Z, type: use, data: {{n: "1"}}}}
  - {{customer: c, at: 2026-01-06T00:00:00Z, type: use, data: {{n: {value}}}}}
"""


@pytest.mark.parametrize(("value", "why"), [
    ('"2e27"', "too large"), ("1e30", "too large"), ('"1e999"', "too large"),
    ('"1e10000000"', "too large"), ('"1e-400000"', "too precise"),
    ('"NaN"', "is not a number"), ('"abc"', "is not a number"), ("true", "is not a number"),
    ('"Infinity"', "is not a number"),
])
def test_usage_beyond_the_limits_or_not_a_number_is_refused_naming_the_row(
        tmp_path: Path, value: str, why: str) -> None:
    message = refused(tmp_path, USAGE.format(value=value))
    assert "usage[1]" in message and why in message and "data.n" in message
    assert len(message) < 400


def test_currencies_are_iso_4217(tmp_path: Path) -> None:
    message = refused(tmp_path, "name: x\nstart: 2026-01-01T00:00:00Z\n"
                      "end: 2026-02-01T00:00:00Z\n" + plan(FEE).replace("EUR", "XYZ"))
    assert "plans[0].currency: 'XYZ' is not an ISO 4217 currency code" in message
    message = refused(tmp_path, "name: x\nstart: 2026-01-01T00:00:00Z\n"
                      "end: 2026-02-01T00:00:00Z\n" + plan(FEE) + """
customers: [{id: c, timezone: UTC}]
changes: [{at: 2026-01-01T00:00:00Z, action: top_up, customer: c, amount: "5",
           currency: XYZ}]
""")
    assert "changes[0].currency" in message and "XYZ" in message


def test_scenario_errors_name_the_file_line_and_field_path(tmp_path: Path) -> None:
    message = refused(tmp_path, """name: x
start: 2026-01-01T00:00:00Z
end: 2026-02-01T00:00:00Z
plans:
  - id: p
    currency: EUR
    billing_period: monthly
    recurring:
      - {id: fee, name: Fee, kind: flat, price: "abc"}
""")
    assert message.startswith(f"{tmp_path / 'scenario.yaml'}:9: plans[0].recurring[0].price: ")
    (tmp_path / "plan.yaml").write_text("id: p\ncurrency: EUR\nbilling_period: weekly\n")
    message = refused(tmp_path, "name: x\nstart: 2026-01-01T00:00:00Z\n"
                      "end: 2026-02-01T00:00:00Z\nplans: [{file: plan.yaml}]\n")
    assert message.startswith(f"{tmp_path / 'plan.yaml'}:3: billing_period: ")
    assert "plans[0]" in message
    message = refused(tmp_path, "name: x\nstart: 2026-01-01T00:00:00Z\n"
                      "end: 2026-02-01T00:00:00Z\n" + plan(FEE)
                      + "customers: [{id: c, timezone: UTC}]\nsubscriptions: [{plan: p}]\n")
    assert message.endswith("subscriptions[0].customer: required")


def test_charge_preview_advise_and_outcome_preview_refuse_huge_numbers_in_one_line(
        tmp_path: Path) -> None:
    _register()
    root = Path(__file__).resolve().parents[2] / "examples"
    charge = tmp_path / "charge.json"
    charge.write_text('{"model": "per_unit", "unit_price": "999999999999999"}')
    runs = [["charge-preview", str(charge), "--quantity", "999999999999999"],
            ["charge-preview", str(charge), "--quantity", "2e27"]]
    for value in ("1e30", "1e400000"):
        usage = tmp_path / f"usage-{value}.csv"
        usage.write_text((root / "advisor" / "usage.csv").read_text().replace(
            "farm-a,2025-01,water_m3,0\n", f"farm-a,2025-01,water_m3,{value}\n", 1))
        runs.append(["advise", str(root / "advisor" / "assumptions.yaml"), "--usage",
                     str(usage)])
        contract = tmp_path / f"contract-{value}.yaml"
        contract.write_text((root / "outcomes" / "office-heating.yaml").read_text().replace(
            "use: 15650", f"use: {value}"))
        runs.append(["outcome-preview", str(contract)])
    for args in runs:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert "too large" in result.stderr or "largest amount" in result.stderr, args


def test_a_bill_beyond_the_largest_amount_is_a_named_error_for_its_run(tmp_path: Path) -> None:
    """Three readings of 999,999,999,999,999 (each accepted) at 999 a unit: about 3 x 10^18,
    beyond the largest amount billed (10^15): the run names the line, no traceback."""
    big = "'999999999999999'"
    text = USAGE.format(value=big).replace('unit_price: "0.05"', 'unit_price: "999"')
    text = text.replace('data: {n: "1"}', f"data: {{n: {big}}}")
    text += f"  - {{customer: c, at: 2026-01-07T00:00:00Z, type: use, data: {{n: {big}}}}}\n"
    message = refused(tmp_path, text)
    assert "billing subscription 's'" in message and "largest amount" in message
    assert "'use'" in message
