"""Pricing tools that need no database: `monetiot charge-preview`.

The charge file is JSON or YAML (by suffix: .yaml/.yml), its numbers read exactly (never through
a binary float). Output is the preview JSON of spec/pricing.md on stdout; an invalid charge or
input prints one line naming the field on stderr and exits 2, with nothing on stdout.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer

from monetiot.cli import app, fail
from monetiot.domain import jsonexact
from monetiot.domain.errors import InvalidInput, MonetiotError
from monetiot.domain.money import to_decimal
from monetiot.domain.pricing import parse_charge, price, to_json


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
        charge = parse_charge(_read_document(charge_file))
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


def _read_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the charge file: {exc}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _load_yaml(text, path)
    try:
        return jsonexact.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc}") from None


def _load_yaml(text: str, path: Path) -> Any:
    import yaml  # only YAML charge files pay for importing it

    class ExactLoader(yaml.SafeLoader):
        """SafeLoader that reads YAML floats as exact decimals, never as binary floats."""

    def exact_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
        text = str(loader.construct_scalar(node)).replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise InvalidInput(f"{path}: not a finite decimal: {text!r}")
        return value

    ExactLoader.add_constructor("tag:yaml.org,2002:float", exact_float)
    try:
        return yaml.load(text, Loader=ExactLoader)  # safe: ExactLoader is a SafeLoader
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InvalidInput(f"{path}: not valid YAML{line}: {problem}") from None
