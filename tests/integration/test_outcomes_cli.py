"""`monetiot outcomes create|list|show|settle` through the real entry point, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_workflow import Cli, cli, ok, write  # noqa: F401  (cli: the fixture)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "outcomes" / "office-heating.yaml"


def test_a_contract_is_stored_listed_settled_and_shown(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    ok(cli("tenants", "create", "acme"))
    ok(cli("customers", "create", "sunfield", "-t", "acme"))
    meter = {"id": "energy_kwh", "event_type": "energy.reading", "property": "kwh",
             "aggregation": "SUM"}
    ok(cli("meters", "create", write(tmp_path, "kwh.json", meter), "-t", "acme"))
    made = ok(cli("outcomes", "create", str(EXAMPLE), "-t", "acme")).json()
    assert (made["id"], made["form"]) == ("office-heating", "shared_savings")
    assert ok(cli("outcomes", "create", str(EXAMPLE), "-t", "acme")).json() == made
    listed = ok(cli("outcomes", "list", "--json", "-t", "acme")).json()
    assert [c["id"] for c in listed] == ["office-heating"]

    # no readings in January: 15440 kWh saved, the fee is capped at 300
    settled = ok(cli("outcomes", "settle", "office-heating", "--from", "2026-01-01T00:00:00Z",
                     "--to", "2026-02-01T00:00:00Z", "-t", "acme")).json()
    assert (settled["figures"]["savings"], settled["fee_due"]) == ("15440", "300.00")
    december = ok(cli("outcomes", "settle", "office-heating", "--from", "2025-12-01",
                      "--to", "2026-01-01", "--var", "hdd=500", "-t", "acme")).json()
    assert december["figures"]["baseline"] == "14000"
    shown = ok(cli("outcomes", "show", "office-heating", "-t", "acme")).json()
    assert [s["start"][:10] for s in shown["settlements"]] == ["2025-12-01", "2026-01-01"]

    bad = cli("outcomes", "settle", "office-heating", "--from", "2026-02-01",
              "--to", "2026-03-01", "--var", "hdd", "-t", "acme")
    assert (bad.code, bad.out) == (2, "") and len(bad.err.strip().splitlines()) == 1
    missing = cli("outcomes", "settle", "nope", "--from", "2026-02-01", "--to", "2026-03-01",
                  "-t", "acme")
    assert missing.code == 2 and missing.err.strip() == "contract: no outcome contract 'nope'"
    text = EXAMPLE.read_text().replace("customer: sunfield", "customer: nobody")
    other = cli("outcomes", "create", write(tmp_path, "c.yaml", text.replace(
        "id: office-heating", "id: other")), "-t", "acme")
    assert other.code == 2 and "customer: no customer 'nobody'" in other.err
    assert json.loads(ok(cli("outcomes", "list", "--json", "-t", "acme")).out) == listed
