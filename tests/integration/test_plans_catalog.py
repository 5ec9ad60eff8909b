"""The catalog use cases and the `monetiot plans` commands on a real database.

Versions are immutable and numbered without gaps; the typed plan billing loads is the plan that
was applied; the migration creates the tables the schema declares.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from monetiot.bootstrap import Platform
from monetiot.cli import _register, app, context
from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.plans import parse_plan
from monetiot.services import access, catalog
from monetiot.userfiles import read_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"


def test_the_migration_creates_the_catalog_tables(platform: Platform) -> None:
    tables = inspect(platform.engine)
    assert {c["name"] for c in tables.get_columns("plans")} == {
        "tenant_id", "id", "name", "latest_version", "created_ms"}
    assert {c["name"] for c in tables.get_columns("plan_versions")} == {
        "tenant_id", "plan_id", "version", "document", "fingerprint", "created_ms"}
    assert tables.get_pk_constraint("plan_versions")["constrained_columns"] == [
        "tenant_id", "plan_id", "version"]


def test_every_template_applies_and_loads_back_as_the_same_plan(platform: Platform) -> None:
    with platform.uow() as uow:
        access.create_tenant(uow, 1, "acme", "")
    for path in sorted(EXAMPLES.glob("*.yaml")):
        doc = read_document(path)
        with platform.uow() as uow:
            applied = catalog.apply_plan(uow, 2, "acme", doc)
        assert applied["version"] == 1 and applied["created"]
        with platform.uow(readonly=True) as uow:
            stored = catalog.load_plan(uow, "acme", applied["plan"])
        assert stored.plan == parse_plan(doc) and stored.version == 1
    with platform.uow(readonly=True) as uow:
        assert len(catalog.list_plans(uow, "acme")) == 6


def test_versions_are_numbered_in_order_and_never_change(platform: Platform) -> None:
    with platform.uow() as uow:
        access.create_tenant(uow, 1, "acme", "")
    doc = {"id": "p", "currency": "EUR", "billing_period": "monthly",
           "recurring": [{"id": "fee", "kind": "flat", "price": "10"}]}
    for price, expected in [("10", 1), ("10.0", 2), ("12", 3), ("12", 3)]:
        doc["recurring"][0]["price"] = price  # type: ignore[index]
        with platform.uow() as uow:
            assert catalog.apply_plan(uow, 5, "acme", doc)["version"] == expected
    with platform.uow(readonly=True) as uow:
        first = catalog.load_plan(uow, "acme", "p", 1)
        latest = catalog.load_plan(uow, "acme", "p")
        with pytest.raises(NotFound):
            catalog.load_plan(uow, "acme", "p", 4)
        with pytest.raises(NotFound):
            catalog.get_plan(uow, "bolt", "p")
    assert str(first.plan.recurring[0].price) == "10" and latest.version == 3


def test_an_invalid_plan_stores_nothing(platform: Platform) -> None:
    with platform.uow() as uow:
        access.create_tenant(uow, 1, "acme", "")
    with platform.uow() as uow, pytest.raises(InvalidInput):
        catalog.apply_plan(uow, 5, "acme", {"id": "p", "currency": "EUR"})
    with platform.uow(readonly=True) as uow:
        assert catalog.list_plans(uow, "acme") == []


def test_plans_commands_apply_list_and_show(sqlite_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONETIOT_DATABASE_URL", sqlite_url)
    monkeypatch.setattr(context, "_platform", None)
    _register()
    runner = CliRunner()
    assert runner.invoke(app, ["tenants", "create", "acme"]).exit_code == 0
    path = str(EXAMPLES / "hybrid.yaml")
    applied = runner.invoke(app, ["plans", "apply", path, "-t", "acme"])
    assert applied.exit_code == 0, applied.stderr
    assert json.loads(applied.stdout)["version"] == 1
    again = runner.invoke(app, ["plans", "apply", path, "-t", "acme"])
    assert json.loads(again.stdout)["created"] is False
    listed = runner.invoke(app, ["plans", "list", "-t", "acme", "--json"])
    assert [p["id"] for p in json.loads(listed.stdout)] == ["hybrid"]
    shown = runner.invoke(app, ["plans", "show", "hybrid", "--version", "1", "-t", "acme"])
    assert json.loads(shown.stdout)["document"]["minimum_commitment"] == "60"
    missing = runner.invoke(app, ["plans", "show", "nope", "-t", "acme"])
    assert missing.exit_code == 2 and "no plan 'nope'" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ncurrency: EUR\nbilling_period: weekly\n")
    refused = runner.invoke(app, ["plans", "apply", str(bad), "-t", "acme"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"{bad}:3: billing_period: unknown value 'weekly'")
    context.platform().close()


def test_concurrent_applies_never_share_a_version(platform: Platform) -> None:
    with platform.uow() as uow:
        access.create_tenant(uow, 1, "acme", "")

    def apply(price: int) -> int | None:
        doc = {"id": "p", "currency": "EUR", "billing_period": "monthly",
               "recurring": [{"id": "fee", "kind": "flat", "price": str(price)}]}
        try:
            with platform.uow() as uow:
                return int(catalog.apply_plan(uow, 5, "acme", doc)["version"])
        except Conflict:
            return None  # the loser is told to apply again; nothing half-written

    with ThreadPoolExecutor(max_workers=6) as pool:
        versions = [v for v in pool.map(apply, range(1, 13)) if v is not None]
    assert sorted(versions) == list(range(1, len(versions) + 1))
    with platform.uow(readonly=True) as uow:
        stored = catalog.get_plan(uow, "acme", "p")
    assert [v["version"] for v in stored["versions"]] == sorted(versions)
    assert stored["latest_version"] == len(versions)
