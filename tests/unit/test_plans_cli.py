"""`monetiot plans preview` offline, and how a bad plan or usage file is reported (file, line,
field, one line on stderr, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from monetiot.cli import _register, app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"

PLAN = """\
id: metered
currency: EUR
billing_period: monthly
usage:
  - id: energy
    meter: energy_kwh
    charge:
      model: graduated
      tiers:
        - {up_to: 1000, unit_price: 0.100000000000000001}
        - {up_to: null, unit_price: 0.10}
"""


def preview(tmp_path: Path, plan: str, usage: str, *options: str,
            plan_name: str = "plan.yaml", usage_name: str = "usage.yaml") -> object:
    _register()
    (tmp_path / plan_name).write_text(plan)
    (tmp_path / usage_name).write_text(usage)
    return CliRunner().invoke(app, ["plans", "preview", str(tmp_path / plan_name),
                                    "--usage", str(tmp_path / usage_name), *options])


def test_preview_json_reads_yaml_numbers_exactly(tmp_path: Path) -> None:
    result = preview(tmp_path, PLAN, "usage: {energy_kwh: 3}\n", "--json")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    out = json.loads(result.stdout)  # type: ignore[attr-defined]
    (line,) = out["lines"]
    assert line["amount"] == "0.300000000000000003"
    assert line["amount_due"] == "0.30" and out["total"] == "0.30"
    assert line["explanation"][0]["unit_price"] == "0.100000000000000001"


def test_a_plan_error_names_the_file_line_and_field(tmp_path: Path) -> None:
    bad = PLAN.replace("{up_to: null, unit_price: 0.10}", "{up_to: 900, unit_price: 0.10}")
    result = preview(tmp_path, bad, "usage: {}\n")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    stderr = result.stderr.strip()  # type: ignore[attr-defined]
    assert len(stderr.splitlines()) == 1
    assert stderr.startswith(f"{tmp_path / 'plan.yaml'}:11: usage[0].charge.tiers[1].up_to: ")


def test_a_missing_field_points_at_the_object_that_lacks_it(tmp_path: Path) -> None:
    result = preview(tmp_path, PLAN.replace("    meter: energy_kwh\n", ""), "usage: {}\n")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert ":5: usage[0].meter: missing" in result.stderr  # type: ignore[attr-defined]


def test_a_usage_table_error_names_its_line(tmp_path: Path) -> None:
    result = preview(tmp_path, PLAN, "period_index: 0\nusage:\n  energy_kvh: 3\n")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "usage.yaml:3: usage.energy_kvh: the plan prices no meter 'energy_kvh'" \
        in result.stderr  # type: ignore[attr-defined]


def test_duplicate_keys_and_broken_yaml_are_refused_with_their_line(tmp_path: Path) -> None:
    result = preview(tmp_path, PLAN + "currency: USD\n", "usage: {}\n")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "not valid YAML at line 12: duplicate key 'currency' (first on line 2)" \
        in result.stderr  # type: ignore[attr-defined]
    result = preview(tmp_path, "id: [x\n", "usage: {}\n")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "not valid YAML" in result.stderr  # type: ignore[attr-defined]


def test_json_plans_are_read_exactly_and_errors_name_the_field(tmp_path: Path) -> None:
    plan = {"id": "j", "currency": "EUR", "billing_period": "monthly",
            "recurring": [{"id": "f", "kind": "flat", "price": 0.5}]}
    text = json.dumps(plan)
    result = preview(tmp_path, text, "{}", "--json", plan_name="p.json", usage_name="u.json")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert json.loads(result.stdout)["total"] == "0.50"  # type: ignore[attr-defined]
    result = preview(tmp_path, text.replace('"flat"', '"flat_fee"'), "{}",
                     plan_name="p.json", usage_name="u.json")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert f"{tmp_path / 'p.json'}: recurring[0].kind: unknown value 'flat_fee'" \
        in result.stderr  # type: ignore[attr-defined]


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    _register()
    result = CliRunner().invoke(app, ["plans", "preview", str(tmp_path / "absent.yaml"),
                                      "--usage", str(tmp_path / "u.yaml")])
    assert result.exit_code == 2
    assert "cannot read the plan file" in result.stderr
