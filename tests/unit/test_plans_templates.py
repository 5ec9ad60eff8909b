"""The business-model templates of examples/plans, each priced on its usage table.

For every template, tests/fixtures/plans/NAME.usage.yaml is a period's usage and NAME.golden.txt
the lines and total a person can check by hand (`monetiot plans preview` prints the same text).
To change a golden file on purpose, rerun the preview and check the new numbers by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from monetiot.cli import _register, app
from monetiot.domain.plans import parse_period_inputs, parse_plan, price_period, rating_text
from monetiot.userfiles import read_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "plans"
FIXTURES = ROOT / "tests" / "fixtures" / "plans"
TEMPLATES = ["product-sale", "subscription-basic", "subscription-pro", "subscription-enterprise",
             "pay-per-use", "hybrid"]


def test_every_template_has_a_usage_table_and_a_golden_file() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.yaml")) == sorted(TEMPLATES)
    assert sorted(p.name.removesuffix(".golden.txt") for p in FIXTURES.glob("*.golden.txt")) \
        == sorted(TEMPLATES)
    readme = (EXAMPLES / "README.md").read_text()
    assert all(f"{name}.yaml" in readme for name in TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_explains_itself_in_a_header_comment(name: str) -> None:
    header = (EXAMPLES / f"{name}.yaml").read_text().split("\nid:")[0]
    assert header.startswith("# ") and "Use " in header and len(header.splitlines()) >= 4


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_prices_its_usage_table_as_the_golden_file_says(name: str) -> None:
    plan = parse_plan(read_document(EXAMPLES / f"{name}.yaml"))
    usage = parse_period_inputs(read_document(FIXTURES / f"{name}.usage.yaml"), plan)
    rating = price_period(plan, usage)
    assert rating_text(plan, rating) == (FIXTURES / f"{name}.golden.txt").read_text()
    assert rating.total == sum(line.amount_due for line in rating.lines)


@pytest.mark.parametrize("name", TEMPLATES)
def test_plans_preview_prints_the_golden_text(name: str) -> None:
    _register()
    result = CliRunner().invoke(app, ["plans", "preview", str(EXAMPLES / f"{name}.yaml"),
                                      "--usage", str(FIXTURES / f"{name}.usage.yaml")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (FIXTURES / f"{name}.golden.txt").read_text()
