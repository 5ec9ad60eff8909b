"""The `monetiot` command: one Typer app; each command group lives in its own module.

Errors: a `MonetiotError` prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import sys

import typer

from monetiot.domain.errors import MonetiotError

app = typer.Typer(
    name="monetiot",
    help="Turn a fleet of connected devices into lasting revenue.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def fail(message: str) -> None:
    """Print one line on stderr and exit 2: the CLI's answer to bad input."""
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _register() -> None:
    # Imported for their side effect of adding commands to `app`; no work happens at import.
    from monetiot.cli import (
        commands_billing,  # noqa: F401
        commands_data,  # noqa: F401
        commands_demo,  # noqa: F401
        commands_fleet,  # noqa: F401
        commands_mqtt,  # noqa: F401
        commands_payloads,  # noqa: F401
        commands_plans,  # noqa: F401
        commands_pricing,  # noqa: F401
        commands_tariffs,  # noqa: F401
    )


def main() -> None:
    _register()
    try:
        app()
    except MonetiotError as exc:
        typer.echo(str(exc), err=True)
        sys.exit(2)
