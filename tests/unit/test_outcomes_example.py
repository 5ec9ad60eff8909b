"""The worked example of docs/outcomes.md, and `monetiot outcome-preview` on every example.

examples/outcomes/office-heating.yaml, by hand (the model is checked in
test_outcomes_regression.py): the published model is 8000 + 12 x HDD kWh.

    period    HDD    baseline  adjustment  adjusted  actual  savings  50 % x 0.1845  fee
    2026-01   620    15440     -           15440     13100    2340    215.865        215.865
    2026-02   540    14480     -           14480     14650    -170    -15.6825       0 (floor)
    2026-03   412.5  12950     +600        13550     10130    3420    315.495        300 (cap)
    total                                  43470     37880    5590                   515.865

The invoice lines charge 215.87, 0.00 and 300.00: 515.87.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monetiot.cli import _register, app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "outcomes"


def run(*args: str) -> object:
    _register()
    return CliRunner().invoke(app, ["outcome-preview", *args])


def test_the_worked_example_prints_the_hand_figures() -> None:
    result = run(str(EXAMPLES / "office-heating.yaml"))
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    doc = json.loads(result.stdout)  # type: ignore[attr-defined]
    model = doc["model"]
    assert (model["intercept"], model["coefficients"], model["r2"], model["cv_rmse"],
            model["nmbe"]) == ("8000.0000000000", {"hdd": "12.0000000000"}, "0.9898260140",
                               "2.5000000000", "0.0000000000")
    assert model["meets_guideline_14"] is True and doc["warnings"] == []
    rows = [(p["variables"]["hdd"], p["baseline"], p["adjusted_baseline"], p["actual"],
             p["savings"], p["pricing"]["share"], p["fee"], p["fee_due"])
            for p in doc["periods"]]
    assert rows == [
        ("620", "15440", "15440", "13100", "2340", "215.865", "215.865", "215.87"),
        ("540", "14480", "14480", "14650", "-170", "-15.6825", "0", "0.00"),
        ("412.5", "12950", "13550", "10130", "3420", "315.495", "300", "300.00"),
    ]
    assert doc["periods"][2]["adjustments"][0]["amount"] == "600"
    assert [p["cumulative_savings"] for p in doc["periods"]] == ["2340", "2170", "5590"]
    assert doc["total"] == {"adjusted_baseline": "43470", "actual": "37880", "savings": "5590",
                            "fee": "515.865", "fee_due": "515.87"}


@pytest.mark.parametrize("name", ["office-heating", "compressed-air-guarantee", "gateway-sla"])
def test_every_example_previews_as_its_expected_file(name: str) -> None:
    result = run(str(EXAMPLES / f"{name}.yaml"))
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    assert json.loads(result.stdout) == expected  # type: ignore[attr-defined]


def test_a_bad_contract_is_one_line_with_file_line_and_field(tmp_path: Path) -> None:
    text = (EXAMPLES / "office-heating.yaml").read_text().replace("cap: 300", "cap: lots")
    (tmp_path / "c.yaml").write_text(text)
    result = run(str(tmp_path / "c.yaml"))
    assert result.exit_code == 2 and result.stdout == ""  # type: ignore[attr-defined]
    stderr = result.stderr.strip()  # type: ignore[attr-defined]
    line = text.splitlines().index(next(x for x in text.splitlines() if "cap: lots" in x)) + 1
    assert stderr == f"{tmp_path / 'c.yaml'}:{line}: pricing.cap: not a decimal number: 'lots'"


def test_warnings_go_to_stderr_and_the_figures_still_print(tmp_path: Path) -> None:
    text = (EXAMPLES / "office-heating.yaml").read_text().replace("{hdd: 620}", "{hdd: 700}")
    (tmp_path / "c.yaml").write_text(text)
    result = run(str(tmp_path / "c.yaml"))
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert result.stderr.strip() == (  # type: ignore[attr-defined]
        "warning: 2026-01-01: hdd 700 is outside the baseline range 10 to 650: "
        "the model is extrapolated")
    assert json.loads(result.stdout)["periods"][0]["baseline"] == "16400"  # type: ignore[attr-defined]
