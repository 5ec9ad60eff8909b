"""Outcome contracts end to end: contract -> events -> settle -> billing run -> invoice line.

The invoice line of a settled period carries the fee and the very figures `outcome-preview`
prints for that period (model, adjusted baseline, actual, savings, fee), so a customer can check
the bill against the preview. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_api_support import (
    MINUTE,
    SharedDatabase,
    Tenant,
    World,
    event,
    iso,
    ms,
    shared_database,
)

from monetiot.bootstrap import Platform
from monetiot.domain.clock import iso_from_ms
from monetiot.userfiles import read_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "outcomes"
HOUR = 60 * MINUTE
PLAN = {"id": "service", "name": "Service", "currency": "EUR", "billing_period": "monthly",
        "recurring": [{"id": "fee", "name": "Service fee", "kind": "flat", "price": "10",
                       "timing": "in_arrears"}]}

db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    yield db.world()


def example(name: str, **changes: Any) -> str:
    """An example contract as the JSON body of a request (YAML dates as text, numbers exact)."""
    return json.dumps(read_document(EXAMPLES / f"{name}.yaml") | changes, default=str)


def post(tenant: Tenant, path: str, body: str | dict[str, Any], expect: int) -> Any:
    content = body if isinstance(body, str) else json.dumps(body)
    return tenant.call("POST", path, content=content, expect=expect,
                       headers={**tenant.auth, "Content-Type": "application/json"}).json()


def setup_customer(world: World, customer: str, start: str, devices: tuple[str, ...]) -> Tenant:
    a = world.a
    a.customer(customer)
    for device in devices:
        a.device(device, customer=customer, assigned_from=ms(start) - 30 * 24 * HOUR)
    a.call("PUT", "/v1/plans/service", json=PLAN, expect=201)
    a.call("POST", "/v1/subscriptions", json={"id": f"{customer}-sub", "customer": customer,
                                              "plan": "service", "start_ms": ms(start)},
           expect=201)
    return a


def outcome_lines(a: Tenant) -> list[dict[str, Any]]:
    lines = []
    for invoice in a.get("/v1/invoices")["invoices"]:
        for line in a.get(f"/v1/invoices/{invoice['id']}")["lines"]:
            if line["kind"] == "outcome":
                lines.append(line | {"invoice_end": invoice["period_end_ms"]})
    return sorted(lines, key=lambda line: line["covers_start_ms"])


def same_figures(line: dict[str, Any], preview: dict[str, Any], period: dict[str, Any]) -> None:
    """The line's details are the preview's contract head plus the period's figures."""
    head = {k: preview[k] for k in ("contract", "form", "currency", "unit", "model")}
    details = {k: v for k, v in line["details"].items() if k != "pending_charge"}
    assert details == head | period
    assert line["amount"] == period["fee"]
    assert line["amount_due"] == period["fee_due"]


def test_the_worked_example_is_billed_with_the_figures_of_its_preview(world: World) -> None:
    clock = world.platform.clock
    clock.at_ms = ms("2026-01-01T00:00Z")  # type: ignore[attr-defined]
    a = setup_customer(world, "sunfield", "2026-01-01T00:00Z", ("meter-1",))
    a.meter("energy_kwh", "energy.reading", "SUM", "kwh")
    contract = example("office-heating")
    made = post(a, "/v1/outcome-contracts", contract, 201)
    assert made == {"id": "office-heating", "customer": "sunfield", "form": "shared_savings",
                    "currency": "EUR", "created_ms": clock.now_ms(),
                    "created": iso_from_ms(clock.now_ms())}
    assert post(a, "/v1/outcome-contracts", contract, 200) == made  # the same again
    other = post(a, "/v1/outcome-contracts",
                 example("office-heating", description="Another agreement"), 409)
    assert other["field"] == "id"
    preview = post(a, "/v1/outcomes/preview", contract, 200)

    months = [("2026-01-01", "2026-02-01", ["6000", "7100"]),
              ("2026-02-01", "2026-03-01", ["9000.5", "5649.5"]),
              ("2026-03-01", "2026-04-01", ["4000", "6130"])]
    for n, (start, end, readings) in enumerate(months):
        clock.at_ms = ms(f"{start}T00:00Z") + 20 * 24 * HOUR  # type: ignore[attr-defined]
        a.send([event(f"r-{n}-{i}", clock.now_ms() - (10 - i) * HOUR, device="meter-1",
                      type="energy.reading", kwh=kwh) for i, kwh in enumerate(readings)],
               expect=200)
        period = {"start": f"{start}T00:00:00Z", "end": f"{end}T00:00:00Z"}
        early = post(a, "/v1/outcome-contracts/office-heating/settle", period, 422)
        assert early["field"] == "end"
        clock.at_ms = ms(f"{end}T00:00Z")  # type: ignore[attr-defined]
        settled = post(a, "/v1/outcome-contracts/office-heating/settle", period, 201)
        assert settled["charge_id"] == f"outcome:office-heating:{start}T00:00:00.000Z"
        again = post(a, "/v1/outcome-contracts/office-heating/settle", period, 200)
        assert again == settled

    clock.at_ms = ms("2026-04-01T01:00Z")  # type: ignore[attr-defined]
    a.call("POST", "/v1/billing/run")
    a.call("POST", "/v1/billing/run")  # a re-run bills nothing twice
    lines = outcome_lines(a)
    assert [line["amount_due"] for line in lines] == ["215.87", "0.00", "300.00"]
    for line, period, (_, end, _) in zip(lines, preview["periods"], months, strict=True):
        same_figures(line, preview, period)
        assert line["invoice_end"] == ms(f"{end}T00:00Z")  # on the invoice of its month
    assert lines[0]["description"] == (
        "Shared savings Sunfield office heating retrofit 1 Jan 2026 – 31 Jan 2026: 2340 kWh "
        "saved, 50 % at 0.1845 EUR/kWh")
    assert (lines[0]["quantity"], lines[0]["unit_price"]) == ("2340", "0.09225")
    assert lines[2]["quantity"] is None  # capped: not quantity x unit price
    assert lines[2]["details"]["cumulative_savings"] == "5590"
    assert lines[2]["details"]["model"]["r2"] == "0.9898260140"

    shown = a.get("/v1/outcome-contracts/office-heating")
    assert shown["document"]["pricing"]["unit_value"] == "0.1845"
    assert [s["invoice_id"] is not None for s in shown["settlements"]] == [True] * 3
    assert [s["fee_due"] for s in shown["settlements"]] == ["215.87", "0.00", "300.00"]
    listed = a.get("/v1/outcome-contracts", params={"customer": "sunfield"})
    assert [c["id"] for c in listed["outcome_contracts"]] == ["office-heating"]
    assert world.b.get("/v1/outcome-contracts") == {"outcome_contracts": []}


def test_a_guaranteed_savings_shortfall_is_a_negative_line(world: World) -> None:
    clock = world.platform.clock
    clock.at_ms = ms("2026-05-01T00:00Z")  # type: ignore[attr-defined]
    a = setup_customer(world, "northmill", "2026-05-01T00:00Z", ("meter-2",))
    a.meter("energy_kwh", "energy.reading", "SUM", "kwh")
    contract = example("compressed-air-guarantee")
    post(a, "/v1/outcome-contracts", contract, 201)
    preview = post(a, "/v1/outcomes/preview", contract, 200)
    for n, (start, end, kwh) in enumerate([("2026-05-01", "2026-06-01", "38500"),
                                           ("2026-06-01", "2026-07-01", "40600")]):
        clock.at_ms = ms(f"{start}T00:00Z") + 10 * 24 * HOUR  # type: ignore[attr-defined]
        a.send([event(f"m-{n}", clock.now_ms() - HOUR, device="meter-2",
                      type="energy.reading", kwh=kwh)], expect=200)
        clock.at_ms = ms(f"{end}T00:00Z")  # type: ignore[attr-defined]
        post(a, "/v1/outcome-contracts/compressed-air/settle",
             {"start": f"{start}T00:00:00Z", "end": f"{end}T00:00:00Z"}, 201)
    a.call("POST", "/v1/billing/run")
    lines = outcome_lines(a)
    assert [line["amount_due"] for line in lines] == ["85.00", "-356.00"]
    for line, period in zip(lines, preview["periods"][1:], strict=True):
        # cumulative figures count only the periods settled: April was not
        settled = period | {"cumulative_savings": line["details"]["cumulative_savings"],
                            "cumulative_fee_due": line["details"]["cumulative_fee_due"]}
        same_figures(line, preview, settled)
    assert lines[1]["details"]["pricing"]["shortfall_credit"] == "-756"
    assert "3600 kWh short of the guarantee, credited" in lines[1]["description"]
    june = next(i for i in a.get("/v1/invoices")["invoices"]
                if i["period_end_ms"] == ms("2026-07-01T00:00Z"))
    assert june["total"] == "-346.00"  # 10 service fee - 356 credit


def test_sla_availability_comes_from_heartbeats(world: World) -> None:
    a = world.a
    now = world.platform.clock.now_ms()
    start = now - 10 * HOUR
    a.customer("sunfield")
    for device in ("gateway-1", "gateway-2", "gateway-3"):
        a.device(device, customer="sunfield", assigned_from=start - HOUR)
    contract = {
        "id": "gw-sla", "customer": "sunfield", "pricing": {"form": "sla", "currency": "EUR"},
        "sla": {"devices": ["gateway-1", "gateway-2"], "heartbeat_minutes": 5, "fee": "200",
                "bill_fee": False, "bands": [
                    {"min_availability": "99.5", "credit_percent": "0"},
                    {"min_availability": "95", "credit_percent": "25"},
                    {"min_availability": "0", "credit_percent": "50"}]},
    }
    post(a, "/v1/outcome-contracts", contract, 201)
    slots = range(120)  # 10 hours of 5-minute slots
    beats = [event(f"g1-{s}", start + s * 5 * MINUTE + MINUTE, device="gateway-1",
                   type="heartbeat", rssi="-60") for s in slots]
    outage = range(40, 52)  # gateway-2 silent for an hour: 12 slots
    beats += [event(f"g2-{s}", start + s * 5 * MINUTE + 2 * MINUTE, device="gateway-2",
                    type="heartbeat", rssi="-70") for s in slots if s not in outage]
    beats += [event(f"g2-{s}-again", start + s * 5 * MINUTE + 4 * MINUTE, device="gateway-2",
                    type="heartbeat", rssi="-70") for s in (1, 2)]  # a slot counts once
    beats += [event("g1-before", start - MINUTE, device="gateway-1", type="heartbeat"),
              *(event(f"g3-{s}", start + s * 5 * MINUTE, device="gateway-3",
                      type="heartbeat") for s in slots)]  # not in the contract
    assert a.send(beats, expect=200).json()["accepted"] == len(beats)

    settled = post(a, "/v1/outcome-contracts/gw-sla/settle",
                   {"start": iso(start), "end": iso(now)}, 201)
    figures = settled["figures"]
    assert (figures["connected_minutes"], figures["possible_minutes"],
            figures["availability"]) == ("1140", 1200, "95.0000000000")  # 228 of 240 slots
    assert (figures["pricing"]["band"], figures["fee"]) == (
        {"min_availability": "95", "credit_percent": "25"}, "-50")
    preview = post(a, "/v1/outcomes/preview", contract | {"reporting": [
        {"start": iso(start), "end": iso(now), "connected_minutes": "1140"}]}, 200)
    invoice = post(a, "/v1/customers/sunfield/charges/invoice", {}, 200)["invoice"]
    (line,) = a.get(f"/v1/invoices/{invoice['id']}")["lines"]
    same_figures(line, preview, preview["periods"][0])
    assert line["amount_due"] == "-50.00"
    assert line["description"].endswith("availability 95 %, service credit 25 %")


def test_settling_refuses_what_it_cannot_measure(world: World) -> None:
    a = world.a
    clock = world.platform.clock
    clock.at_ms = ms("2026-04-01T00:00Z")  # type: ignore[attr-defined]
    a.customer("sunfield")
    contract = json.loads(example("office-heating"))
    assert post(a, "/v1/outcome-contracts", json.dumps(contract), 404)["field"] == "meter"
    a.meter("energy_kwh", "energy.reading", "SUM", "kwh")
    nobody = post(a, "/v1/outcome-contracts", json.dumps(contract | {"customer": "x"}), 404)
    assert nobody["field"] == "customer"
    no_meter = {k: v for k, v in contract.items() if k != "meter"}
    assert post(a, "/v1/outcome-contracts", json.dumps(no_meter), 422)["field"] == "meter"
    bad_fit = contract | {"id": "bad", "baseline": {"type": "regression", "periods": [
        {"start": "2025-01-01", "end": "2025-02-01", "use": "1", "variables": {"hdd": "1"}},
        {"start": "2025-02-01", "end": "2025-03-01", "use": "2", "variables": {"hdd": "1"}},
        {"start": "2025-03-01", "end": "2025-04-01", "use": "3", "variables": {"hdd": "1"}}]}}
    assert post(a, "/v1/outcome-contracts", json.dumps(bad_fit), 422)["field"] == \
        "baseline.periods"
    post(a, "/v1/outcome-contracts", json.dumps(contract), 201)
    settle = "/v1/outcome-contracts/office-heating/settle"
    assert post(a, "/v1/outcome-contracts/nope/settle", {}, 404)["field"] == "contract"
    unlisted = {"start": "2025-12-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}
    assert post(a, settle, unlisted, 422)["field"] == "variables.hdd"
    made = post(a, settle, unlisted | {"variables": {"hdd": "500"}, "adjustments": [
        {"amount": "-100", "reason": "office closed for a week"}]}, 201)
    assert (made["figures"]["adjusted_baseline"], made["figures"]["actual"]) == ("13900", "0")
    overlapping = {"start": "2025-12-15T00:00:00Z", "end": "2026-01-15T00:00:00Z",
                   "variables": {"hdd": "1"}}
    assert post(a, settle, overlapping, 409)["field"] == "start"
    fixed = {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z",
             "variables": {"hdd": "1"}}
    assert post(a, settle, fixed, 409)["field"] == "variables"


def test_the_outcome_tables_match_their_migration(platform: Platform) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from monetiot.store.schema import metadata

    with platform.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "outcome_" in repr(d)] == []
