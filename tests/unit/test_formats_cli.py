"""`monetiot normalize`: what would be stored, as JSON lines; bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cbor2
import typer
from typer.testing import CliRunner

from monetiot.cli import _register, app


def run(tmp_path: Path, body: bytes | str, *options: str) -> Any:
    _register()
    path = tmp_path / "payload"
    path.write_bytes(body.encode() if isinstance(body, str) else body)
    name = ["normalize"] if getattr(typer.main.get_command(app), "commands", None) else []
    return CliRunner().invoke(app, [*name, str(path), *options])


def test_json_events_as_stored_with_exact_numbers(tmp_path: Path) -> None:
    body = ('[{"id":"a","device":"m1","type":"energy.reading",'
            '"time":"2026-11-24T11:15:00.25+01:00","data":{"kwh":0.1000000000000000000001,"phase":"L1"}},'
            '{"id":"b","customer":"acme","type":"sub.fee","time":1700000000000}]')
    result = run(tmp_path, body, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        '{"id":"a","device":"m1","customer":null,"type":"energy.reading",'
        '"time":"2026-11-24T10:15:00.250Z","data":{"kwh":0.1000000000000000000001,"phase":"L1"}}',
        '{"id":"b","device":null,"customer":"acme","type":"sub.fee",'
        '"time":"2023-11-14T22:13:20.000Z","data":{}}',
    ]


def test_senml_cbor_from_a_binary_file_with_now(tmp_path: Path) -> None:
    body = cbor2.dumps([{-2: "meter-1:", 0: "kwh", 1: "kWh", 2: 1.5, 6: -2}])
    result = run(tmp_path, body, "--format", "senml+cbor", "--now", "1700000000.5")
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    event = json.loads(line)
    assert (event["device"], event["type"], event["time"]) == (
        "meter-1", "senml.kwh", "2023-11-14T22:13:18.500Z"
    )
    assert event["data"] == {"value": 1.5, "unit": "kWh"}
    resolved = run(tmp_path, body, "--format", "senml+cbor", "--now", "1700000000.5", "--resolved")
    assert resolved.stdout.strip() == (
        '[{"n":"meter-1:kwh","u":"kWh","t":1699999998.5,"v":1.5}]'
    )


def test_cloudevents_single_and_batch_are_detected(tmp_path: Path) -> None:
    event = {"specversion": "1.0", "id": "x", "source": "/d/m1", "type": "t",
             "time": "2026-01-01T00:00:00Z"}
    single = run(tmp_path, json.dumps(event), "--format", "cloudevents")
    batch = run(tmp_path, json.dumps([event, {**event, "id": "y"}]), "--format", "cloudevents")
    assert single.exit_code == batch.exit_code == 0
    assert len(single.stdout.splitlines()) == 1 and len(batch.stdout.splitlines()) == 2
    assert json.loads(single.stdout)["device"] == "m1"


def test_senml_time_defaults_to_now(tmp_path: Path) -> None:
    result = run(tmp_path, '[{"n":"a:b","v":1}]', "--format", "senml+json")
    assert result.exit_code == 0 and json.loads(result.stdout)["time"] >= "2025"


def test_invalid_pack_exits_2_with_one_line_and_no_output(tmp_path: Path) -> None:
    pack = '[{"bn":"d:","n":"a","v":1},{"n":"b","v":1,"vs":"x"}]'
    for options in ([], ["--resolved"]):
        result = run(tmp_path, pack, "--format", "senml+json", "--now", "1700000000", *options)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr == (
            "record 1: two values (v, vs): a record has exactly one of v, vs, vb, vd\n"
        )


def test_invalid_json_event_names_record_and_field(tmp_path: Path) -> None:
    result = run(tmp_path, '[{"id":"a","type":"t","time":0}]', "--format", "json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "record 0: device, customer: an event names its device, its customer, or both\n"
    )


def test_unreadable_payload(tmp_path: Path) -> None:
    result = run(tmp_path, b"\x00", "--format", "senml+json")
    assert result.exit_code == 2 and result.stderr.startswith("payload: not valid JSON")


def test_bad_options(tmp_path: Path) -> None:
    unknown = run(tmp_path, "[]", "--format", "xml")
    assert unknown.exit_code == 2 and unknown.stderr.startswith("--format: unknown format 'xml'")
    resolved = run(tmp_path, "[]", "--format", "json", "--resolved")
    assert resolved.exit_code == 2 and resolved.stderr.startswith("--resolved:")
    now = run(tmp_path, "[]", "--format", "senml+json", "--now", "soon")
    assert now.exit_code == 2 and now.stderr.startswith("--now:")


def test_payload_from_stdin() -> None:
    _register()
    name = ["normalize"] if getattr(typer.main.get_command(app), "commands", None) else []
    result = CliRunner().invoke(
        app, [*name, "-", "--format", "senml+json", "--now", "1700000000", "--resolved"],
        input=b'[{"n":"a","v":1}]',
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == '[{"n":"a","t":1700000000,"v":1}]'
