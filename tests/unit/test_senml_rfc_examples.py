"""Every example of RFC 8428 sections 5 and 6, and the section 4 rules, via `monetiot normalize`.

The packs in tests/fixtures/senml/ are the RFC's text (section 6: the bytes of its hex dump); the
resolved forms are the RFC's own in section 5.1.4 and derived by hand by section 4.6 elsewhere.
`now` is 1700000000, as in the conformance file. The printed form is the spec's: a JSON array of
objects with exactly n, u, t, the value field, s and bver (not 10), in that order, with numbers
printed as plain JSON numbers holding the exact decimal digits.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from monetiot.cli import _register, app
from monetiot.domain import jsonexact

FIXTURES = Path(__file__).parents[1] / "fixtures" / "senml"
EXAMPLES: dict[str, Any] = jsonexact.loads((FIXTURES / "examples.json").read_text("utf-8"))
RULES: dict[str, Any] = jsonexact.loads((FIXTURES / "rules.json").read_text("utf-8"))
CONFORMANCE = Path(__file__).parents[1] / "fixtures" / "conformance" / "senml.json"
KEY_ORDER = ("n", "u", "t", "v", "vs", "vb", "vd", "s", "bver")


def normalize(path: Path, format_name: str, now: str, *options: str) -> Any:
    _register()
    # Typer runs a lone command without its name; once the app has several it is a group.
    name = ["normalize"] if getattr(typer.main.get_command(app), "commands", None) else []
    return CliRunner().invoke(
        app, [*name, "--format", format_name, str(path), "--now", now, *options]
    )


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


def check_printed_form(stdout: str) -> list[dict[str, Any]]:
    """The spec's output: keys in order, no other keys, plain numbers with exact digits."""
    records: list[dict[str, Any]] = jsonexact.loads(stdout)
    for record in records:
        keys = list(record)
        assert keys == [key for key in KEY_ORDER if key in record], keys
        assert sum(key in record for key in ("v", "vs", "vb", "vd")) <= 1
        assert "v" in record or "vs" in record or "vb" in record or "vd" in record or "s" in record
        assert record.get("bver") != 10
    # Plain numbers (1.320067464e+09 prints as 1320067464); `same` then compares exact values,
    # so binary-float noise such as 1.2000000000000002 cannot pass either.
    numbers: list[str] = []
    json.loads(stdout, parse_float=numbers.append, parse_int=numbers.append)
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", number) for number in numbers), numbers
    return records


@pytest.mark.parametrize("case", EXAMPLES["cases"], ids=[c["id"] for c in EXAMPLES["cases"]])
def test_rfc_example_resolves_as_the_rfc_says(case: dict[str, Any]) -> None:
    result = normalize(FIXTURES / case["payload"], case["format"], EXAMPLES["now"], "--resolved")
    assert result.exit_code == 0, result.stderr
    printed = check_printed_form(result.stdout)
    expected = jsonexact.loads((FIXTURES / case["resolved"]).read_text("utf-8"))
    assert same(printed, expected), (printed, expected)


@pytest.mark.parametrize("case", EXAMPLES["cases"], ids=[c["id"] for c in EXAMPLES["cases"]])
def test_rfc_example_is_stored_as_one_event_per_resolved_record(case: dict[str, Any]) -> None:
    result = normalize(FIXTURES / case["payload"], case["format"], EXAMPLES["now"])
    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    expected = jsonexact.loads((FIXTURES / case["resolved"]).read_text("utf-8"))
    assert len(events) == len(expected) == len({event["id"] for event in events})


def test_every_example_of_sections_5_and_6_is_covered() -> None:
    sections = {case["id"].split("-")[0] for case in EXAMPLES["cases"]}
    assert sections == {"5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.5", "5.1.6", "5.1.7", "6"}
    ids = {case["id"] for case in EXAMPLES["cases"]}
    assert {"5.1.2-multiple-datapoints-a", "5.1.2-multiple-datapoints-b"} <= ids
    assert {"5.1.7-thermostat", "5.1.7-lights-on", "5.1.7-lights-off"} <= ids


def test_cbor_fixture_is_the_rfc_hex_dump_and_the_conformance_payload() -> None:
    data = bytearray()
    for line in (FIXTURES / "rfc8428-6-cbor.hexdump.txt").read_text("ascii").splitlines():
        offset, *octets = line.split("|")[0].split()
        assert int(offset, 16) == len(data)
        data += bytes(int(octet, 16) for octet in octets)
    assert len(data) == 0xC3
    assert bytes(data) == (FIXTURES / "rfc8428-6-cbor.cbor").read_bytes()
    conformance = jsonexact.loads(CONFORMANCE.read_text("utf-8"))["cases"]
    assert any(case.get("payload_hex") == data.hex() for case in conformance)


def test_cbor_and_json_of_section_5_1_2_print_the_same_text() -> None:
    now = EXAMPLES["now"]
    cbor = normalize(FIXTURES / "rfc8428-6-cbor.cbor", "senml+cbor", now, "--resolved")
    text = normalize(
        FIXTURES / "rfc8428-5.1.2-multiple-datapoints-b.json", "senml+json", now, "--resolved"
    )
    assert cbor.exit_code == text.exit_code == 0
    assert cbor.stdout == text.stdout
    assert cbor.stdout.startswith(
        '[{"n":"urn:dev:ow:10e2073a0108006:voltage","u":"V","t":1276020076.001,"v":120.1,'
        '"bver":5},{"n":"urn:dev:ow:10e2073a0108006:current","u":"A","t":1276020071.001,'
        '"v":1.2,"bver":5},'
    )
    # The half-precision 1.5 of the dump (f9 3e 00) prints like the JSON's 1.5.
    assert '"t":1276020074.001,"v":1.5,' in cbor.stdout


def test_section_5_1_4_times_print_as_plain_numbers() -> None:
    result = normalize(
        FIXTURES / "rfc8428-5.1.3-multiple-measurements.json",
        "senml+json",
        EXAMPLES["now"],
        "--resolved",
    )
    assert result.stdout.startswith(
        '[{"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1320067464,"v":20},'
    )


@pytest.mark.parametrize("case", RULES["cases"], ids=[c["id"] for c in RULES["cases"]])
def test_rule(tmp_path: Path, case: dict[str, Any]) -> None:
    path = tmp_path / "pack.json"
    path.write_text(jsonexact.dumps(case["payload"]), encoding="utf-8")
    result = normalize(path, "senml+json", RULES["now"], "--resolved")
    if "expected_error" in case:
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith(case["expected_error"]), result.stderr
        return
    assert result.exit_code == 0, result.stderr
    printed = check_printed_form(result.stdout)
    assert same(printed, case["expected_resolved"]), (printed, case["expected_resolved"])
