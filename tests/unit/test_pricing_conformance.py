"""Every case of the pricing conformance file, priced through the real `monetiot charge-preview`.

Expected amounts are exact decimals: `amount` is compared as a number (the cases write "3.0" or
"150" as their source suites did), `amount_due` as text, since its scale is the currency's minor
unit. A case expecting an error must exit 2 with one line naming the field and print nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monetiot.cli import _register, app
from monetiot.domain import jsonexact

FIXTURE = Path(__file__).parents[1] / "fixtures" / "conformance" / "pricing.json"
CASES: list[dict[str, Any]] = jsonexact.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]
NUMERIC = {"amount", "quantity"}


def preview(tmp_path: Path, charge: object, *options: str, suffix: str = ".json") -> Any:
    """Run `monetiot charge-preview CHARGE options...` and return the CliRunner result."""
    _register()
    path = tmp_path / f"charge{suffix}"
    path.write_text(charge if isinstance(charge, str) else jsonexact.dumps(charge), "utf-8")
    return CliRunner().invoke(app, ["charge-preview", str(path), *options])


def input_options(case_input: dict[str, Any]) -> list[str]:
    options: list[str] = []
    if "quantity" in case_input:
        options += ["--quantity", str(case_input["quantity"])]
    if "transactions" in case_input:
        options += ["--transactions", ",".join(str(t) for t in case_input["transactions"])]
    return options


def test_fixture_has_cases_with_unique_ids() -> None:
    ids = [case["id"] for case in CASES]
    assert ids and len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_conformance_case(tmp_path: Path, case: dict[str, Any]) -> None:
    result = preview(tmp_path, case["charge"], *input_options(case["input"]))
    expected: dict[str, Any] = case["expected"]
    if "error" in expected:
        error = expected["error"]
        field = error.get("field", "") if isinstance(error, dict) else str(error)
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1
        assert field in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    output = json.loads(result.stdout)
    for key, want in expected.items():
        if key in NUMERIC:
            assert Decimal(output[key]) == Decimal(str(want)), (key, output)
        else:
            assert output[key] == want, (key, output)
    assert sum(Decimal(line["amount"]) for line in output["lines"]) == Decimal(output["amount"])


def test_preview_prints_the_spec_example(tmp_path: Path) -> None:
    charge = {"model": "package", "package_size": "10", "package_price": "100"}
    result = preview(tmp_path, charge, "--quantity", "121")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "currency": "EUR",
        "quantity": "121",
        "amount": "1300",
        "amount_due": "1300.00",
        "lines": [{"kind": "package", "quantity": "13", "unit_price": "100", "amount": "1300"}],
    }


def test_transactions_option_prices_the_percentage_example(tmp_path: Path) -> None:
    charge = {
        "model": "percentage",
        "rate": "1.3",
        "fixed_fee": "2",
        "free_events": 3,
        "free_amount": "250",
    }
    result = preview(tmp_path, charge, "--transactions", "50, 100,250,400")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["amount"] == "11.15"


def test_yaml_charge_numbers_are_read_exactly(tmp_path: Path) -> None:
    charge = "model: per_unit\ncurrency: KWD\nunit_price: 0.100000000000000001\n"
    result = preview(tmp_path, charge, "--quantity", "3", suffix=".yaml")
    assert result.exit_code == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["amount"] == "0.300000000000000003"
    assert output["amount_due"] == "0.300"


def test_json_numbers_are_read_exactly(tmp_path: Path) -> None:
    charge = '{"model": "per_unit", "unit_price": 0.100000000000000001}'
    result = preview(tmp_path, charge, "--quantity", "3")
    assert json.loads(result.stdout)["amount"] == "0.300000000000000003"


@pytest.mark.parametrize(
    ("charge", "options", "field"),
    [
        ({"model": "tiered"}, ["--quantity", "1"], "model"),
        (
            {"model": "graduated", "tiers": [{"up_to": "10"}, {"up_to": "10"}, {"up_to": None}]},
            ["--quantity", "1"],
            "tiers[1].up_to",
        ),
        ({"model": "per_unit", "unit_price": "-1"}, ["--quantity", "1"], "unit_price"),
        ({"model": "package", "package_price": "1"}, ["--quantity", "1"], "package_size"),
        ({"model": "per_unit", "unit_price": "1"}, ["--quantity", "ten"], "quantity"),
        ({"model": "per_unit", "unit_price": "1"}, ["--transactions", "1"], "transactions"),
        ({"model": "percentage", "rate": "1"}, ["--transactions", "1,-2"], "transactions[1]"),
        ("{not json", ["--quantity", "1"], "not valid JSON"),
    ],
)
def test_invalid_input_exits_2_with_one_line_naming_the_field(
    tmp_path: Path, charge: object, options: list[str], field: str
) -> None:
    result = preview(tmp_path, charge, *options)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(field) or field in result.stderr


def test_invalid_yaml_exits_2(tmp_path: Path) -> None:
    result = preview(tmp_path, "model: [per_unit\n", "--quantity", "1", suffix=".yml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "not valid YAML" in result.stderr


def test_missing_charge_file_exits_2(tmp_path: Path) -> None:
    _register()
    result = CliRunner().invoke(
        app, ["charge-preview", str(tmp_path / "absent.json"), "--quantity", "1"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
