"""The worked example of docs/advisor.md: `monetiot advise --example`, its figures pinned.

The subscription and product-sale figures are the ones the docs compute by hand; the ranking is
what the docs print. Also: the JSON document's shape, the HTML report, the terminal tables, and
a plan file named by the assumptions.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monetiot.cli import _register, app
from monetiot.cli.commands_advisor import load_assumptions
from monetiot.domain.advisor import MODELS, advise, parse_usage_csv
from monetiot.reports.advisor import render
from monetiot.services import advisor

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "advisor"
D = Decimal


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    assumptions, usage = advisor.example_files()
    return advisor.advise(load_assumptions(assumptions), advisor.usage_from_csv(usage))


def model(doc: dict[str, Any], model_id: str) -> dict[str, Any]:
    return next(m for m in doc["models"] if m["id"] == model_id)


def test_subscription_by_hand(doc: dict[str, Any]) -> None:
    sub = model(doc, "subscription")
    assert sub["typical_month"] == {
        "billed": D("12.00"), "data_revenue": D("0.00"), "partner_fees": D("0.00"),
        "connectivity": D("1.00"), "cloud": D("0.40"), "security": D("0.20"),
        "support": D("0.50"), "payment_fees": D("0.30"), "revenue_share": D("0.00"),
        "revenue": D("12.00"), "running_costs": D("2.40"), "margin": D("9.60")}
    assert sub["margin_per_month"] == D("9.60")
    assert (sub["ltv"], sub["cac"], sub["ltv_to_cac"]) == (D("94.05"), D("80.00"), D("1.18"))
    assert sub["hardware_per_customer"] == D("120.00")
    assert sub["cac_payback_months"] == 21
    assert (sub["break_even_month"], sub["months_losing_money"]) == (27, 26)
    first = sub["months"][0]
    assert (first["customers"], first["revenue"], first["costs"], first["acquisition"],
            first["cash_flow"]) == (D("75.00"), D("900.00"), D("9180.00"), D("6000.00"),
                                    D("-14280.00"))
    assert [m["cumulative"] for m in sub["months"][25:27]] == [D("-290.21"), D("135.60")]
    assert sub["npv"] == D("1053.46")
    assert sub["tco"] == D("432.00")
    assert "Subscription loses money for 26 months at this hardware cost (120.00 EUR per " \
           "customer)" in sub["failures"]


def test_product_sale_by_hand(doc: dict[str, Any]) -> None:
    sale = model(doc, "product_sale")
    first = sale["months"][0]
    assert (first["customers"], first["revenue"], first["costs"], first["cash_flow"]) == (
        D("100.00"), D("24900.00"), D("12714.00"), D("6186.00"))
    assert sale["margin_per_month"] == D("-2.10")
    assert (sale["ltv"], sale["ltv_to_cac"], sale["cac_payback_months"]) == (
        D("69.53"), D("1.16"), 1)
    assert sale["months"][-1]["cumulative"] == D("20.67")
    assert sale["failures"][0] == ("Product sale loses 2.10 EUR per customer every month: "
                                   "running costs of 2.10 EUR against revenue of 0.00 EUR")


def test_the_ranking_the_docs_print(doc: dict[str, Any]) -> None:
    table = [(m["rank"], m["id"], m["npv"], m["break_even_month"], m["margin_per_month"],
              m["ltv"], m["ltv_to_cac"], m["cac_payback_months"]) for m in doc["models"]]
    assert table == [
        (1, "starter", D("3271.74"), 20, D("6.17"), D("123.62"), D("1.55"), 18),
        (2, "asset_sharing", D("2677.18"), 19, D("11.11"), D("115.70"), D("1.45"), 17),
        (3, "subscription", D("1053.46"), 27, D("9.60"), D("94.05"), D("1.18"), 21),
        (4, "product_sale", D("952.88"), 1, D("-2.10"), D("69.53"), D("1.16"), 1),
        (5, "data_monetization", D("-75.21"), None, D("0.15"), D("59.25"), D("0.99"), 31),
        (6, "pay_per_use", D("-1428.58"), 32, D("9.95"), D("60.95"), D("0.76"), 20),
        (7, "outcome_based", D("-2126.67"), 33, D("7.53"), D("51.64"), D("0.65"), 30),
        (8, "platform", D("-3729.16"), None, D("6.74"), D("30.28"), D("0.38"), 30),
    ]
    assert doc["recommendation"]["id"] == "starter"
    assert doc["recommendation"]["model"] == "hybrid"
    assert doc["recommendation"]["reasons"][-3:] == [
        "the answer changes to Asset sharing if every price point is 20 % lower",
        "the answer changes to Asset sharing if hardware per device is 20 % higher",
        "the answer changes to Asset sharing if churn is 20 % lower",
    ]
    moving = [s["assumption"] for s in doc["sensitivity"] if s["moves_answer"]]
    assert moving == ["prices", "hardware_per_device", "churn"]
    starter = model(doc, "starter")
    assert starter["break_even_price"] == {"price_point": "monthly_fee", "now": D(7),
                                           "break_even": D("5.97")}


def test_the_document_s_shape(doc: dict[str, Any]) -> None:
    assert {m["model"] for m in doc["models"]} == {*MODELS, "hybrid"}
    assert doc["history"] == {"source": "usage.csv", "from": "2025-01", "to": "2025-12",
                              "months": 12, "profiles": 3,
                              "meters": ["data_mb", "events", "water_m3"]}
    for m in doc["models"]:
        assert len(m["months"]) == 36
        running = D(0)
        for month in m["months"]:  # the months add up on paper
            assert month["cash_flow"] == (month["revenue"] - month["costs"]
                                          - month["acquisition"])
            running += month["cash_flow"]
            assert month["cumulative"] == running
    rows = doc["sensitivity"]
    best = doc["models"][0]["id"]
    swings = [abs(r["high"][best] - r["low"][best]) for r in rows]
    assert swings == sorted(swings, reverse=True)


def test_the_html_report_is_self_contained(doc: dict[str, Any]) -> None:
    page = render(doc)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2  # cash flow per model, tornado
    assert "<polyline" in page and "<rect" in page
    assert not re.search(r"<script|<link|src=|https?://(?!www\.w3\.org/2000/svg)", page)
    assert "Recommended: Starter" in page
    assert "Subscription loses money for 26 months at this hardware cost" in page


def test_advise_example_on_the_command_line(tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["advise", "--example", "--html", str(report)],
                           env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Recommended: Starter (hybrid)" in result.output
    assert "Subscription loses money for 26 months" in result.output
    assert "<svg" in report.read_text()
    as_json = runner.invoke(app, ["advise", "--example", "--json"])
    assert as_json.exit_code == 0, as_json.output
    parsed = json.loads(as_json.output)
    assert model(parsed, "subscription")["ltv"] == "94.05"  # exact text, never a float


def test_command_line_errors_are_one_line(tmp_path: Path) -> None:
    _register()
    runner = CliRunner()
    bad = tmp_path / "a.yaml"
    bad.write_text("currency: EUR\nprospects: 10\nmodels:\n  subscription:\n"
                   "    monthly_fee: -3\n    churn: 0.1\n")
    result = runner.invoke(app, ["advise", str(bad), "--usage", str(EXAMPLE / "usage.csv")])
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        "a.yaml:5: models.subscription.monthly_fee: must not be negative, got -3")
    missing = runner.invoke(app, ["advise", str(EXAMPLE / "assumptions.yaml")])
    assert missing.exit_code == 2
    assert "--usage CSV or --tenant" in missing.output


def test_a_model_can_name_a_plan_file(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(
        "id: gateway\ncurrency: EUR\nbilling_period: monthly\n"
        "recurring:\n  - {id: fee, name: Fee, kind: flat, price: '15'}\n")
    (tmp_path / "a.yaml").write_text(
        "currency: EUR\nprospects: 10\nchurn: '0.02'\n"
        "hybrids:\n  - {id: gw, plan_file: plan.yaml}\n")
    a = load_assumptions(tmp_path / "a.yaml")
    advice = advise(a, parse_usage_csv("device,month,meter,quantity\nd,2026-01,kwh,1\n"))
    assert advice.best.units[0].billed == 15
