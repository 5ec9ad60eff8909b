"""`monetiot payments record|refund|list`, `invoices void|overdue` and `reminders`, on SQLite
and PostgreSQL: JSON out, a retry with the same key changes nothing, bad input is one line on
stderr and exit 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from test_payments_support import DAY, Books
from typer.testing import CliRunner

from monetiot.bootstrap import Platform
from monetiot.cli import _register, app, context
from monetiot.domain.clock import FixedClock


@pytest.fixture
def books(platform: Platform, clock: FixedClock) -> Iterator[Books]:
    context._platform = platform
    yield Books(platform, clock)
    context._platform = None


def cli(*args: str, code: int = 0) -> Any:
    _register()
    result = CliRunner().invoke(app, [*args, "--tenant", "acme"])
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return json.loads(result.stdout) if code == 0 and result.stdout.startswith(("{", "[")) \
        else result


def test_record_retry_refund_and_list(books: Books) -> None:
    invoice = books.invoice("100.00")
    paid = cli("payments", "record", invoice, "100", "--key", "k1", "--method",
               "bank_transfer", "--reference", "SEPA 1")
    assert cli("payments", "record", invoice, "100", "--key", "k1",
               "--method", "bank_transfer") == paid
    assert books.get(invoice)["status"] == "paid"
    refund = cli("payments", "refund", paid["id"], "25.5", "--key", "r1")
    assert (refund["amount"], refund["payment"]) == ("25.50", paid["id"])
    listed = cli("payments", "list", invoice, "--json")
    assert (listed["amount_due"], len(listed["payments"])) == ("25.50", 2)
    assert "SEPA 1" in cli("payments", "list", invoice).stdout


def test_void_overdue_and_reminders(books: Books) -> None:
    late, doomed = books.invoice("10.00"), books.invoice("20.00")
    assert cli("invoices", "void", doomed)["status"] == "void"
    books.clock.advance(31 * DAY)
    (row,) = cli("invoices", "overdue", "--json")
    assert (row["id"], row["days_overdue"]) == (late, 1)
    sent = cli("reminders")
    assert sent["sent"] == [{"tenant": "acme", "invoice": late, "days": 1}]
    assert cli("reminders")["sent"] == []


def test_bad_input_is_one_line_and_exit_2(books: Books) -> None:
    invoice = books.invoice("10.00")
    result = cli("payments", "record", invoice, "11", "--key", "k", code=2)
    assert result.stderr.strip().startswith("amount: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli("invoices", "void", "inv_nope", code=2).stderr.startswith("invoice: ")
