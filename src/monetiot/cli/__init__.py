"""The `monetiot` command: one Typer app; each command group lives in its own module.

Errors: a `MonetiotError` prints one line on stderr and exits with status 2; so does decimal
arithmetic that cannot finish exactly (a number beyond docs/limits.md that reached a
computation), never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

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
    from monetiot.currency_table import install as install_currencies

    install_currencies()  # offline commands (previews, advise, simulate) round money too
    # Imported for their side effect of adding commands to `app`; no work happens at import.
    from monetiot.cli import (
        commands_advisor,  # noqa: F401
        commands_billing,  # noqa: F401
        commands_data,  # noqa: F401
        commands_demo,  # noqa: F401
        commands_documents,  # noqa: F401
        commands_fleet,  # noqa: F401
        commands_insights,  # noqa: F401
        commands_mqtt,  # noqa: F401
        commands_outcomes,  # noqa: F401
        commands_payloads,  # noqa: F401
        commands_payments,  # noqa: F401
        commands_plans,  # noqa: F401
        commands_pricing,  # noqa: F401
        commands_privacy,  # noqa: F401
        commands_sharing,  # noqa: F401
        commands_tariffs,  # noqa: F401
        commands_users,  # noqa: F401
        commands_webhooks,  # noqa: F401
    )

    _guard_all(app)


def _guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """A command whose domain errors print one line and exit 2, however it is invoked."""
    if getattr(func, "_monetiot_guarded", False):
        return func

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonetiotError as exc:
            fail(str(exc))
        except ArithmeticError as exc:  # decimal.InvalidOperation, Overflow, Inexact...
            fail(arithmetic_message(exc))

    guarded._monetiot_guarded = True  # type: ignore[attr-defined]
    return guarded


def _guard_all(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        if command.callback is not None:
            command.callback = _guard(command.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _guard_all(group.typer_instance)


def arithmetic_message(exc: ArithmeticError) -> str:
    return (f"a number is too large or too precise to compute exactly ({type(exc).__name__}); "
            "monetiot accepts at most 15 digits before the decimal point and 18 after "
            "(docs/limits.md)")


def main() -> None:
    _register()
    try:
        app()
    except MonetiotError as exc:
        typer.echo(str(exc), err=True)
        sys.exit(2)
    except ArithmeticError as exc:
        typer.echo(arithmetic_message(exc), err=True)
        sys.exit(2)
