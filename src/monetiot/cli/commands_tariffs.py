"""Session tariffs without a database: `monetiot tariff-preview --tariff T.json --session S.json`.

Reads both files with exact decimals (no JSON number passes through a float), prices the session
(spec/tariffs.md) and prints the cost as one JSON object on stdout. Bad input prints one line on
stderr naming the field (`tariff.elements[0].price_components[1].step_size: ...`), nothing on
stdout, and exits 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from monetiot.cli import app, fail
from monetiot.domain import jsonexact
from monetiot.domain.errors import MonetiotError
from monetiot.domain.tariffs import cost_document, parse_session, parse_tariff, price_session


@app.command("tariff-preview")
def tariff_preview(
    tariff: Path = typer.Option(..., "--tariff", help="OCPI 2.2.1 Tariff object (JSON)."),
    session: Path = typer.Option(
        ..., "--session", help="Session: time_zone and charging_periods (JSON)."
    ),
) -> None:
    """Price a session under an OCPI 2.2.1 tariff and print its cost as JSON."""
    tariff_doc = _read_json(tariff, "tariff")
    session_doc = _read_json(session, "session")
    try:
        cost = price_session(
            parse_tariff(tariff_doc, path="tariff"), parse_session(session_doc, path="session")
        )
    except MonetiotError as exc:
        fail(str(exc))
        return
    typer.echo(jsonexact.dumps(cost_document(cost)))


def _read_json(path: Path, name: str) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{name}: cannot read {path}: {exc}")
    try:
        return jsonexact.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{name}: {path} is not valid JSON (line {exc.lineno}, column {exc.colno})")
    return None  # unreachable: fail() exits
