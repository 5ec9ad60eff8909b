"""Every worked scenario in examples/scenarios/ bills exactly as its golden file says.

The golden files were checked by hand: each scenario's header comment shows the arithmetic of
every invoice. A change in billing that moves one cent fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monetiot.cli import _register, app

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
NAMES = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def test_every_scenario_has_a_golden_file() -> None:
    assert NAMES, "no scenarios found"
    for name in NAMES:
        assert (SCENARIOS / f"{name}.expected.json").exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_scenario_invoices_match_the_golden_file(name: str) -> None:
    _register()
    result = CliRunner().invoke(app, ["simulate", str(SCENARIOS / f"{name}.yaml")])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    expected = json.loads((SCENARIOS / f"{name}.expected.json").read_text())
    assert got == expected


def test_hand_checked_totals() -> None:
    """The figures of the header comments, restated: the golden files agree with the hand."""
    totals = {}
    for name in NAMES:
        data = json.loads((SCENARIOS / f"{name}.expected.json").read_text())
        totals[name] = [inv["total"] for inv in data["invoices"]]
    assert totals["hybrid"] == ["34.51", "455.77", "71.40", "36.89"]
    assert totals["product-sale"] == ["252.82", "163.73", "74.73"]
    assert totals["subscription-upgrade"] == ["10.42", "20.10", "26.00", "69.75"]
    assert totals["pay-per-use"] == ["2219.40", "252.00"]
    assert totals["progressive-billing"] == ["600.00", "400.00"]


def test_an_invalid_scenario_exits_2_naming_the_field(tmp_path: Path) -> None:
    _register()
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart: 2026-01-01T00:00:00Z\nend: 2025-01-01T00:00:00Z\n")
    result = CliRunner().invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 2
    assert "end" in result.output


def test_progressive_billing_reports_each_usage_alert_once(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    from monetiot import simulation

    db = tmp_path / "kept.db"
    simulation.run(simulation.load(SCENARIOS / "progressive-billing.yaml"), db=db)
    with create_engine(f"sqlite:///{db}").connect() as conn:
        alerts = [json.loads(row[0]) for row in conn.execute(text(
            "SELECT payload FROM outbox WHERE type = 'usage.threshold_reached' ORDER BY id"))]
    assert [(a["threshold"], a["value"]) for a in alerts] == [("1000", "1500"), ("4000", "5000")]
