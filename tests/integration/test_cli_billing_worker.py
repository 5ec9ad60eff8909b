"""`monetiot billing-worker --once` bills what is due through the real CLI and database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monetiot.cli import _register, app, context


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MONETIOT_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setattr(context, "_platform", None)
    _register()
    return CliRunner()


def test_the_worker_bills_a_subscription_that_has_started(cli: CliRunner, tmp_path: Path) -> None:
    def run(*args: str) -> str:
        result = cli.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    run("tenants", "create", "w1")
    run("customers", "create", "c1", "-t", "w1")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"id": "p", "name": "P", "currency": "EUR",
                                "billing_period": "monthly",
                                "recurring": [{"id": "fee", "name": "Fee", "kind": "flat",
                                               "price": "9", "timing": "in_advance"}]}))
    run("plans", "apply", str(plan), "-t", "w1")
    run("subscriptions", "create", "c1", "p", "--id", "s1", "--anchor", "anniversary", "-t", "w1")
    worker = cli.invoke(app, ["billing-worker", "--once"])
    assert worker.exit_code == 0, worker.output
    assert "billed 1 invoices" in worker.stderr
    listed = json.loads(run("invoices", "list", "-t", "w1", "--json"))
    assert [(i["number"], i["total"]) for i in listed] == [("INV-000001", "9.00")]
    again = cli.invoke(app, ["billing-worker", "--once"])
    assert "billed 0 invoices" in again.stderr
