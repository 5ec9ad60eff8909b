"""Payload tools that need no database: `monetiot normalize`.

`normalize` shows what monetiot would store for a payload (JSON lines), or with `--resolved` the
RFC 8428 resolved records of a SenML pack (a JSON array). Numbers are printed with exactly their
digits. Invalid input prints one line on stderr, naming the record and why, and exits 2 with
nothing on stdout.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from monetiot.cli import app, fail
from monetiot.domain.clock import SystemClock, iso_from_ms
from monetiot.domain.events import Decoded, Event, Rejected
from monetiot.domain.jsonexact import dumps

FORMAT_HELP = "json, cloudevents, cloudevents-batch, senml+json or senml+cbor"


@app.command()
def normalize(
    file: Annotated[
        Path, typer.Argument(help="The payload as a device sends it (CBOR: binary); - for stdin.")
    ],
    format_name: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)],
    now: Annotated[
        str | None,
        typer.Option(help="Receipt time in epoch seconds (relative SenML times count from it)."),
    ] = None,
    resolved: Annotated[
        bool, typer.Option("--resolved", help="Print the RFC 8428 resolved records (SenML).")
    ] = False,
) -> None:
    """Print what monetiot would store for a payload, one JSON object per line."""
    from monetiot.ingest.formats import CONTENT_TYPES, PackError, decode, resolve_payload

    if format_name not in CONTENT_TYPES:
        _fail(f"--format: unknown format {format_name!r}; use {FORMAT_HELP}")
    try:
        body = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        _fail(f"{file}: {exc.strerror or exc}")
    now_seconds = _now_seconds(now)
    if resolved:
        if not format_name.startswith("senml"):
            _fail(f"--resolved: only SenML packs have resolved records, not {format_name}")
        records = resolve_payload(body, cbor=format_name == "senml+cbor", now=now_seconds)
        if isinstance(records, PackError):
            _fail(records.message())
        typer.echo(dumps([record.to_json() for record in records]))
        return
    now_ms = int(now_seconds.scaleb(3).to_integral_value())
    results = decode(CONTENT_TYPES[format_name], body, now_ms=now_ms)
    rejected = [result for result in results if isinstance(result, Rejected)]
    if rejected:
        _fail(_first_reason(rejected))
    for result in results:
        typer.echo(_stored(result))


def _now_seconds(text: str | None) -> Decimal:
    if text is None:
        return Decimal(SystemClock().now_ms()).scaleb(-3)
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        _fail(f"--now: expected epoch seconds such as 1700000000.5, got {text!r}")
    return value


def _fail(message: str) -> NoReturn:
    fail(message)
    raise typer.Exit(2)  # fail() exits; this tells the type checker so


def _first_reason(rejected: list[Rejected]) -> str:
    """The rejection that explains the others (a SenML pack is rejected for one record's sake)."""
    own = [r for r in rejected if not r.reason.startswith("pack rejected:")]
    first = (own or rejected)[0]
    return f"{first.record}: {first.reason}"


def _stored(result: Decoded) -> str:
    assert isinstance(result, Event)
    return dumps(
        {
            "id": result.id,
            "device": result.device,
            "customer": result.customer,
            "type": result.type,
            "time": iso_from_ms(result.time_ms),
            "data": dict(result.data),
        }
    )
