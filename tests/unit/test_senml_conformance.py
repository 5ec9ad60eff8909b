"""Every case of the SenML conformance file, run through the real `monetiot normalize --resolved`.

A case gives a pack (JSON `payload`, or CBOR `payload_hex`), the receipt time `now` in epoch
seconds, and either the RFC 8428 resolved records or `expected_error`. Numbers are compared as
exact decimals (the file writes 1700000000.0 where monetiot may print 1700000000); an error case
must exit 2 with one line on stderr and nothing on stdout.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from monetiot.cli import _register, app
from monetiot.domain import jsonexact

FIXTURE = Path(__file__).parents[1] / "fixtures" / "conformance" / "senml.json"
CASES: list[dict[str, Any]] = jsonexact.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]


def normalize(tmp_path: Path, case: dict[str, Any], *options: str) -> Any:
    """Run `monetiot normalize --format F FILE --now NOW options...` on the case's payload."""
    _register()
    path = tmp_path / "payload"
    if "payload_hex" in case:
        path.write_bytes(bytes.fromhex(case["payload_hex"]))
    else:
        path.write_text(jsonexact.dumps(case["payload"]), encoding="utf-8")
    # Typer runs a lone command without its name; once the app has several it is a group.
    name = ["normalize"] if getattr(typer.main.get_command(app), "commands", None) else []
    args = [*name, "--format", case["format"], str(path), "--now", str(case["now"]), *options]
    return CliRunner().invoke(app, args)


def same(actual: Any, expected: Any) -> bool:
    """Equal as JSON values, numbers by exact value (and never a boolean for a number)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, Decimal):
        return isinstance(actual, Decimal) and actual == expected
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(same(actual[key], expected[key]) for key in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)


def test_fixture_has_cases_with_unique_ids() -> None:
    ids = [case["id"] for case in CASES]
    assert ids and len(ids) == len(set(ids))
    assert all("expected_resolved" in case or case.get("expected_error") for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_conformance_case(tmp_path: Path, case: dict[str, Any]) -> None:
    result = normalize(tmp_path, case, "--resolved")
    if case.get("expected_error"):
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith(("record ", "payload: "))
        return
    assert result.exit_code == 0, result.stderr
    resolved = jsonexact.loads(result.stdout)
    assert same(resolved, case["expected_resolved"]), (resolved, case["expected_resolved"])


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_conformance_case_as_stored_events(tmp_path: Path, case: dict[str, Any]) -> None:
    """Without --resolved: one event per resolved record, at the resolved time, or the error."""
    result = normalize(tmp_path, case)
    if case.get("expected_error"):
        assert result.exit_code == 2 and result.stdout == ""
        return
    assert result.exit_code == 0, result.stderr
    events = [jsonexact.loads(line) for line in result.stdout.splitlines()]
    expected = case["expected_resolved"]
    assert len(events) == len(expected)
    assert len({event["id"] for event in events}) == len(events)
    for event, record in zip(events, expected, strict=True):
        assert event["type"].startswith("senml")
        assert record["n"].startswith(event["device"])
        ms = int((record["t"] * 1000).to_integral_value())
        assert event["time"][:19] == _iso_seconds(ms)
        value = next(record[k] for k in ("v", "vs", "vb", "vd") if k in record)
        assert same(event["data"]["value"], value)


def _iso_seconds(ms: int) -> str:
    from monetiot.domain.clock import iso_from_ms

    return iso_from_ms(ms)[:19]
