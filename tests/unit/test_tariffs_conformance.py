"""Every case of the tariffs conformance file, priced through the real `monetiot tariff-preview`.

The cases come from the OCPI 2.2.1 specification's examples (with its errata). Expected amounts
are exact decimals compared as numbers ("5.0" equals "5"); any expected field that is not a
number (a currency, a line's type) is compared as text. A case expecting an `error` must exit 2
with one line on stderr naming the field and nothing on stdout.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from monetiot.cli import _register, app
from monetiot.domain import jsonexact

FIXTURE = Path(__file__).parents[1] / "fixtures" / "conformance" / "tariffs.json"
CASES: list[dict[str, Any]] = jsonexact.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]


def tariff_preview(tmp_path: Path, tariff: object, session: object) -> Result:
    """Run `monetiot tariff-preview --tariff T --session S` on the two documents."""
    _register()
    tariff_path, session_path = tmp_path / "tariff.json", tmp_path / "session.json"
    tariff_path.write_text(jsonexact.dumps(tariff), "utf-8")
    session_path.write_text(jsonexact.dumps(session), "utf-8")
    # Typer runs a lone command without its name; once the app has several it is a group.
    several = len(app.registered_commands) + len(app.registered_groups) > 1
    name = ["tariff-preview"] if several else []
    args = [*name, "--tariff", str(tariff_path), "--session", str(session_path)]
    return CliRunner().invoke(app, args)


def assert_matches(expected: Any, actual: Any, where: str) -> None:
    """Every field of `expected` is in `actual` with the same value (numbers as numbers)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            assert_matches(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_matches(want, got, f"{where}[{index}]")
    elif _number(expected) is not None and _number(actual) is not None:
        assert _number(actual) == _number(expected), f"{where}: {actual} != {expected}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def _number(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def test_fixture_has_cases_with_unique_ids() -> None:
    ids = [case["id"] for case in CASES]
    assert ids and len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_conformance_case(tmp_path: Path, case: dict[str, Any]) -> None:
    result = tariff_preview(tmp_path, case["tariff"], case["session"])
    expected: dict[str, Any] = dict(case["expected"])
    if "error" in expected:
        error = expected.pop("error")
        field = error.get("field", "") if isinstance(error, dict) else str(error)
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1
        assert field in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    assert_matches(expected, jsonexact.loads(result.stdout), case["id"])
