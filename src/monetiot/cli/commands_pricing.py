"""Pricing tools that need no database: `monetiot charge-preview`.

The charge file is JSON or YAML (by suffix: .yaml/.yml), its numbers read exactly (never through
a binary float). Output is the preview JSON of spec/pricing.md on stdout; an invalid charge or
input prints one line naming the field on stderr and exits 2, with nothing on stdout.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import typer

from monetiot.cli import app, fail
from monetiot.domain.errors import MonetiotError
from monetiot.domain.money import to_decimal
from monetiot.domain.pricing import parse_charge, price, to_json
from monetiot.userfiles import read_document


@app.command("charge-preview")
def charge_preview(
    charge_file: Path = typer.Argument(..., metavar="CHARGE", help="Charge file, JSON or YAML."),
    quantity: str | None = typer.Option(None, "--quantity", help="Quantity to price, e.g. 121."),
    transactions: str | None = typer.Option(
        None, "--transactions", help="Transaction amounts for the percentage models: 10,80,10000."
    ),
) -> None:
    """Price a charge for a quantity (or transactions) and print its amount and lines as JSON."""
    try:
        charge = parse_charge(read_document(charge_file, "charge"))
        result = price(
            charge,
            None if quantity is None else to_decimal(quantity, "quantity"),
            None if transactions is None else _transactions(transactions),
        )
    except MonetiotError as exc:
        fail(str(exc))
        return
    typer.echo(json.dumps(to_json(result)))


def _transactions(text: str) -> list[Decimal]:
    parts = [part.strip() for part in text.split(",")]
    if parts == [""]:
        return []
    return [to_decimal(part, f"transactions[{i}]") for i, part in enumerate(parts)]
