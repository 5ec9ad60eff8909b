"""The `monetiot` command end to end, on SQLite and PostgreSQL, through its real entry point.

`main()` runs as a shell would run it (argv in, exit status, stdout and stderr out); the
database comes from MONETIOT_DATABASE_URL. A tenant is created, keys made, a fleet registered,
files of events sent, usage read, and the quarantine worked through. Bad input exits 2 with one
line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cbor2
import pytest
from fastapi.testclient import TestClient

from monetiot.cli import context, main
from monetiot.domain.clock import iso_from_ms
from monetiot.web.app import create_app

HOUR = 3_600_000


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli(Protocol):
    def __call__(self, *args: str) -> Run: ...


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    monkeypatch.setenv("MONETIOT_DATABASE_URL", database_url)
    monkeypatch.delenv("MONETIOT_TENANT", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: no wrapping
    context._platform = None

    def run(*args: str) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["monetiot", *args])
        code, crash = 0, ""
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception:  # what a shell would see: a traceback and status 1
            code, crash = 1, traceback.format_exc()
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err + crash)

    try:
        yield run
    finally:
        if context._platform is not None:
            context._platform.close()
        context._platform = None


def ok(run: Run) -> Run:
    assert run.code == 0, (run.code, run.out, run.err)
    return run


def hour_now() -> int:
    now = time.time_ns() // 1_000_000
    return now - now % HOUR


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        path.write_text(json.dumps(content))
    return str(path)


def test_tenant_keys_customers_and_devices(cli: Cli) -> None:
    made = ok(cli("tenants", "create", "acme", "--name", "Acme Energy")).json()
    assert made["tenant"] == "acme"
    admin_key = made["admin_key"]
    assert admin_key.startswith("mk_")
    read = ok(cli("keys", "create", "read", "--name", "dashboard", "-t", "acme")).json()
    assert read["scope"] == "read" and read["key"].startswith("mk_")
    keys = ok(cli("keys", "list", "--json", "-t", "acme")).json()
    assert {k["scope"] for k in keys} == {"admin", "read"}
    assert all("key" not in k and "secret_hash" not in k for k in keys)  # shown once only
    ok(cli("keys", "revoke", read["id"], "-t", "acme"))
    revoked = {k["id"]: k for k in ok(cli("keys", "list", "--json", "-t", "acme")).json()}
    assert revoked[read["id"]]["revoked_ms"] is not None

    customer = ok(cli("customers", "create", "c1", "--timezone", "Europe/Paris",
                      "--email", "ops@acme.example", "-t", "acme")).json()
    assert customer["timezone"] == "Europe/Paris"
    assert [c["id"] for c in ok(cli("customers", "list", "--json", "-t", "acme")).json()] == ["c1"]
    device = ok(cli("devices", "create", "d1", "--customer", "c1", "-t", "acme")).json()
    assert device["credentials"]["username"] == "acme/d1"
    shown = ok(cli("devices", "show", "d1", "-t", "acme")).json()
    assert [a["customer"] for a in shown["assignments"]] == ["c1"]
    table = ok(cli("devices", "list", "-t", "acme")).out
    assert "d1" in table and "never_seen" in table
    assert [d["id"] for d in ok(cli("devices", "list", "--customer", "c1", "--json",
                                    "-t", "acme")).json()] == ["d1"]

    # What the CLI printed works against the REST API, for this tenant only.
    api = TestClient(create_app(context.platform()))
    auth = {"Authorization": f"Bearer {admin_key}"}
    assert api.get("/v1/customers/c1", headers=auth).json()["email"] == "ops@acme.example"
    assert api.get("/v1/customers", headers={
        "Authorization": f"Bearer {read['key']}"}).status_code == 401  # revoked
    ok(cli("tenants", "create", "bolt"))
    assert ok(cli("customers", "list", "--json", "-t", "bolt")).json() == []
    assert cli("devices", "show", "d1", "-t", "bolt").code == 2


def test_send_files_read_usage_and_work_the_quarantine(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(cli("tenants", "create", "acme"))
    monkeypatch.setenv("MONETIOT_TENANT", "acme")  # the tenant may come from the environment
    ok(cli("customers", "create", "c1"))
    ok(cli("devices", "create", "d1"))
    h = hour_now()
    assigned = ok(cli("devices", "assign", "d1", "c1", "--from", iso_from_ms(h - 3 * HOUR)))
    assert assigned.json() == {"device": "d1", "customer": "c1", "from_ms": h - 3 * HOUR}
    meter = ok(cli("meters", "create", write(tmp_path, "kwh.json", {
        "id": "kwh", "event_type": "energy", "aggregation": "SUM", "property": "kwh"}))).json()
    assert meter["aggregation"] == "SUM"
    assert "kwh" in ok(cli("meters", "list")).out

    t1 = iso_from_ms(h - 2 * HOUR + 10 * 60_000)
    t2 = iso_from_ms(h - HOUR + 20 * 60_000)
    events = write(tmp_path, "events.json",
                   '[{"id":"e1","type":"energy","time":"' + t1 + '","device":"d1",'
                   '"data":{"kwh":0.1}},'
                   '{"id":"e2","type":"energy","time":"' + t2 + '","device":"d1",'
                   '"data":{"kwh":0.2}},'
                   '{"id":"e3","type":"energy","time":"' + t2 + '","device":"d2",'
                   '"data":{"kwh":5}}]')
    sent = ok(cli("send", events)).json()
    assert (sent["accepted"], sent["duplicate"], sent["rejected"]) == (2, 0, 1)
    assert "unknown device 'd2'" in sent["results"][2]["reason"]
    again = ok(cli("send", events)).json()
    assert (again["accepted"], again["duplicate"], again["rejected"]) == (0, 2, 1)

    senml = write(tmp_path, "pack.cbor", cbor2.dumps(
        [{-2: "d1:", -3: (h - HOUR) // 1000 + 1800, 0: "kwh", 2: 1}]))
    assert ok(cli("send", senml, "--format", "senml+cbor")).json()["accepted"] == 1

    start, end = iso_from_ms(h - 3 * HOUR), iso_from_ms(h)
    usage = ok(cli("usage", "kwh", "--from", start, "--to", end, "--window", "hour",
                   "--json")).json()
    assert [u["value"] for u in usage] == ["0", "0.1", "0.2"]
    total = ok(cli("usage", "kwh", "--from", start, "--to", end, "--group-by", "customer",
                   "--json")).json()
    assert total == [{"meter": "kwh", "from_ms": h - 3 * HOUR, "to_ms": h, "customer": "c1",
                      "value": "0.3"}]
    table = ok(cli("usage", "kwh", "--from", start, "--to", end)).out
    assert "0.3" in table

    entries = ok(cli("quarantine", "list", "--json")).json()
    assert len(entries) == 2  # e3, rejected twice: both deliveries are kept
    first = entries[0]["id"]
    assert "unknown device" in ok(cli("quarantine", "show", str(first))).json()["reason"]
    ok(cli("devices", "create", "d2", "--customer", "c1"))
    replayed = ok(cli("quarantine", "replay", str(first))).json()
    assert replayed["status"] == "replayed"
    assert replayed["records"][0]["status"] == "accepted"
    rest = ok(cli("quarantine", "replay", "--all")).json()
    assert rest == {"replayed": 1, "still_open": 0}  # the second copy is now a duplicate
    assert ok(cli("quarantine", "list", "--json")).json() == []
    statuses = {e["status"] for e in ok(cli("quarantine", "list", "--status", "all",
                                            "--json")).json()}
    assert statuses == {"replayed"}
    total = ok(cli("usage", "kwh", "--from", start, "--to", end, "--json")).json()
    assert total[0]["value"] == "5.3"


def test_replay_with_a_corrected_file_and_discard(cli: Cli, tmp_path: Path) -> None:
    ok(cli("tenants", "create", "acme"))
    ok(cli("customers", "create", "c1", "-t", "acme"))
    ok(cli("devices", "create", "d1", "--customer", "c1", "-t", "acme"))
    bad = write(tmp_path, "bad.json", '{"id":"x1","type":"energy","device":"d1"}')
    (result,) = ok(cli("send", bad, "-t", "acme")).json()["results"]
    assert result["reason"].startswith("time: required")
    entry = str(result["quarantine_id"])
    fixed = write(tmp_path, "fixed.json", json.dumps({
        "id": "x1", "type": "energy", "device": "d1",
        "time": iso_from_ms(hour_now() - HOUR), "data": {"kwh": "1"}}))
    out = ok(cli("quarantine", "replay", entry, "--with", fixed,
                 "--content-type", "application/json", "-t", "acme")).json()
    assert out["status"] == "replayed"
    again = cli("quarantine", "replay", entry, "-t", "acme")
    assert again.code == 2 and again.err.count("\n") == 1 and "replayed" in again.err
    (other,) = ok(cli("send", write(tmp_path, "x.txt", "not json"), "-t", "acme")
                  ).json()["results"]
    ok(cli("quarantine", "discard", str(other["quarantine_id"]), "-t", "acme"))
    listed = ok(cli("quarantine", "list", "--status", "all", "--json", "-t", "acme")).json()
    assert [e["status"] for e in listed] == ["replayed", "discarded"]
    assert listed[1]["raw"] == "not json"


BAD_INPUT: list[tuple[list[str], str]] = [
    (["tenants", "create", "bad id"], "id:"),
    (["tenants", "create", "acme"], "exists"),
    (["keys", "create", "root", "-t", "acme"], "scope:"),
    (["keys", "create", "read", "-t", "nosuch"], "tenant"),
    (["keys", "revoke", "nope", "-t", "acme"], "key_id:"),
    (["customers", "create", "c1", "--timezone", "Mars/Olympus", "-t", "acme"], "timezone:"),
    (["customers", "create", "c9", "-t", "nosuch"], "tenant"),
    (["devices", "create", "d9", "--customer", "nobody", "-t", "acme"], "customer:"),
    (["devices", "show", "nope", "-t", "acme"], "device:"),
    (["devices", "assign", "nope", "c1", "-t", "acme"], "device:"),
    (["devices", "assign", "d1", "c1", "--from", "noon", "-t", "acme"], "from:"),
    (["send", "EVENTS", "--format", "xml", "-t", "acme"], "--format"),
    (["send", "/no/such/file.json", "-t", "acme"], "/no/such/file.json"),
    (["meters", "create", "BADJSON", "-t", "acme"], "BADJSON"),
    (["meters", "create", "NOPROP", "-t", "acme"], "property:"),
    (["usage", "nope", "--from", "2026-11-24T00:00Z", "--to", "2026-11-25T00:00Z",
      "-t", "acme"], "meter:"),
    (["usage", "connected_minutes", "--from", "2026-11-24T00:30Z", "--to",
      "2026-11-25T00:00Z", "-t", "acme"], "from:"),
    (["usage", "connected_minutes", "--from", "", "--to", "2026-11-25T00:00Z", "-t", "acme"],
     "from:"),
    (["usage", "connected_minutes", "--from", "yesterday", "--to", "2026-11-25T00:00Z",
      "-t", "acme"], "from:"),
    (["usage", "connected_minutes", "--from", "2026-11-24T00:00Z", "--to",
      "2026-11-25T00:00Z", "--window", "day", "--tz", "Asia/Kolkata", "-t", "acme"], "tz:"),
    (["quarantine", "replay", "-t", "acme"], "entry_id:"),
    (["quarantine", "show", "4242", "-t", "acme"], "id:"),
    (["quarantine", "discard", "4242", "-t", "acme"], "id:"),
]


def test_bad_input_exits_2_with_one_line_on_stderr(cli: Cli, tmp_path: Path) -> None:
    ok(cli("tenants", "create", "acme"))
    ok(cli("customers", "create", "c1", "-t", "acme"))
    ok(cli("devices", "create", "d1", "--customer", "c1", "-t", "acme"))
    files = {"EVENTS": write(tmp_path, "e.json", "[]"),
             "BADJSON": write(tmp_path, "bad.json", "{not json"),
             "NOPROP": write(tmp_path, "m.json", {"id": "m", "event_type": "x",
                                                   "aggregation": "SUM"})}
    wrong: list[str] = []
    for args, says in BAD_INPUT:
        args = [files.get(a, a) for a in args]
        says = files.get(says, says)
        run = cli(*args)
        lines = run.err.splitlines()
        if run.code != 2 or len(lines) != 1 or says not in run.err or run.out:
            last = lines[-1] if lines else ""
            wrong.append(f"monetiot {' '.join(args)}: exit {run.code}, {len(lines)} stderr "
                         f"lines, last: {last[:160]!r}")
    assert not wrong, "\n" + "\n".join(wrong)
