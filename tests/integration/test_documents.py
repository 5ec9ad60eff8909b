"""Invoice documents end to end, on SQLite and PostgreSQL: the PDF and the CSV exports through
the REST API and the CLI, each tenant seeing only its own invoices.

The invoices are the ones `test_documents_support` describes (checked by hand there).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_documents_support import COUPON, Invoiced, bearer, invoiced, pdf_text
from typer.testing import CliRunner

from monetiot.bootstrap import Platform
from monetiot.cli import _register, app, context
from monetiot.services import access
from monetiot.web.app import create_app

INVOICES_HEADER = ("number,id,customer,subscription,status,currency,period_start,period_end,"
                   "subtotal,tax,total,paid,issue_date,due_date")
LINES_HEADER = ("invoice_number,invoice_id,currency,position,kind,charge_id,meter_id,"
                "description,covers_start,covers_end,quantity,unit_price,amount,amount_due,"
                "tax_rate,tax_due")


@pytest.fixture
def world(platform: Platform) -> Invoiced:
    return invoiced(platform)


@pytest.fixture
def client(platform: Platform) -> TestClient:
    return TestClient(create_app(platform))


def rows(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # RFC 4180 CRLF
    return text.removesuffix("\r\n").split("\r\n")


# PDF ------------------------------------------------------------------------------------------

def test_the_pdf_is_the_invoice_a_customer_reads(world: Invoiced, client: TestClient) -> None:
    second = world.second
    response = client.get(f"/v1/invoices/{second['id']}/pdf", headers=bearer(world.acme_key))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="INV-000002.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    shown = pdf_text(response.content).splitlines()
    for text in ["acme", "INVOICE", "INV-000002", "Stadtwerke Nord AG", "billing@nord.example",
                 "1 Nov 2026", "1 Dec 2026",  # issued and due, in Berlin
                 "1 Oct \u2013 30 Nov 2026", "EUR", "Open",
                 "Active devices", "Energy", "Platform fee (in advance)",
                 "4.00", "133.45", "31.00", "0.76", "25.36", "5.89",
                 "1,234.5", "Tier 1 (up to 100)", "Tier 2 (over 100)", "113.45",
                 "168.45", "32.01", "200.46", "Tax (19%)", "Please quote INV-000002 with your "
                 "payment."]:
        assert text in shown, text
    assert shown.count("200.46") == 2  # the total, and the balance due


def test_the_pdf_of_the_first_invoice_shows_its_discount(world: Invoiced,
                                                         client: TestClient) -> None:
    response = client.get(f"/v1/invoices/{world.first['id']}/pdf",
                          headers=bearer(world.acme_key))
    shown = pdf_text(response.content).splitlines()
    for text in ["INV-000001", "1 Oct 2026", "30 Oct 2026", f"Discount: {COUPON}", "-3.10",
                 "27.90", "5.30", "33.20"]:
        assert text in shown, text
    assert "Page 1 of 1" not in shown  # one page: no page numbers


def test_a_pdf_is_only_for_its_tenant(world: Invoiced, client: TestClient) -> None:
    other_tenant = client.get(f"/v1/invoices/{world.first['id']}/pdf",
                              headers=bearer(world.globex_key))
    assert other_tenant.status_code == 404
    assert other_tenant.headers["content-type"].startswith("application/problem+json")
    own = client.get(f"/v1/invoices/{world.other['id']}/pdf", headers=bearer(world.globex_key))
    assert own.status_code == 200
    assert "Stadtwerke Nord AG" not in pdf_text(own.content)
    assert client.get(f"/v1/invoices/{world.first['id']}/pdf").status_code == 401
    with world.acme.plat.uow() as uow:
        ingest_key = access.create_api_key(uow, world.acme.now, "acme", "ingest", "d").key
    assert client.get(f"/v1/invoices/{world.first['id']}/pdf",
                      headers=bearer(ingest_key)).status_code == 403
    assert client.get("/v1/invoices/inv_nope/pdf",
                      headers=bearer(world.acme_key)).status_code == 404


# CSV ------------------------------------------------------------------------------------------

def test_the_invoices_csv_has_each_invoice_once_with_exact_amounts(world: Invoiced,
                                                                    client: TestClient) -> None:
    response = client.get("/v1/exports/invoices.csv", headers=bearer(world.acme_key))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="invoices.csv"'
    first, second = world.first["id"], world.second["id"]
    assert rows(response.text) == [
        INVOICES_HEADER,
        f"INV-000001,{first},nord,sub-nord,finalized,EUR,2026-10-01,2026-10-31,"
        "27.90,5.30,33.20,0,2026-10-01,2026-10-30",
        f"INV-000002,{second},nord,sub-nord,finalized,EUR,2026-10-01,2026-11-30,"
        "168.45,32.01,200.46,0,2026-11-01,2026-12-01",
    ]


def test_the_lines_csv_has_each_line_with_its_invoice(world: Invoiced,
                                                      client: TestClient) -> None:
    response = client.get("/v1/exports/invoice-lines.csv", headers=bearer(world.acme_key))
    assert response.status_code == 200
    first, second = world.first["id"], world.second["id"]
    assert rows(response.text) == [
        LINES_HEADER,
        f"INV-000001,{first},EUR,1,recurring,fee,,Platform fee (in advance),2026-10-01,2026-10-31,"
        "1,31,31,31.00,19,5.89",
        f'INV-000001,{first},EUR,2,discount,friends,,"Discount: Friends, ""early"" 10 %",,,'
        ",,-3.10,-3.10,19,-0.59",
        f"INV-000002,{second},EUR,1,recurring,devices,,Active devices,2026-10-01,2026-10-31,"
        "2,2,4,4.00,19,0.76",
        f"INV-000002,{second},EUR,2,usage,energy,kwh,Energy,2026-10-01,2026-10-31,"
        "1234.5,,133.450,133.45,19,25.36",
        f"INV-000002,{second},EUR,3,recurring,fee,,Platform fee (in advance),2026-11-01,2026-11-30,"
        "1,31,31,31.00,19,5.89",
    ]
    parsed = list(csv.DictReader(io.StringIO(response.text)))
    assert parsed[1]["description"] == f"Discount: {COUPON}"


def test_exports_take_filters(world: Invoiced, client: TestClient) -> None:
    def numbers(**params: str) -> list[str]:
        response = client.get("/v1/exports/invoices.csv", params=params,
                              headers=bearer(world.acme_key))
        assert response.status_code == 200, response.text
        return [row.split(",")[0] for row in rows(response.text)[1:]]

    assert numbers(customer="nord", status="finalized") == ["INV-000001", "INV-000002"]
    assert numbers(status="paid") == []
    assert numbers(customer="other") == []  # globex's customer id, not acme's
    assert numbers(**{"from": "2026-09-30T22:00:00Z"}) == ["INV-000001", "INV-000002"]
    assert numbers(**{"from": "2026-09-30T22:00:01Z"}) == []
    assert numbers(to="2026-09-30T22:00:00Z") == []
    lines = client.get("/v1/exports/invoice-lines.csv", params={"status": "void"},
                       headers=bearer(world.acme_key))
    assert rows(lines.text) == [LINES_HEADER]
    for params, field in [({"status": "open"}, "status"), ({"from": "yesterday"}, "from"),
                          ({"from": "2026-10-02T00:00:00Z", "to": "2026-10-01T00:00:00Z"},
                           "to")]:
        bad = client.get("/v1/exports/invoices.csv", params=params,
                         headers=bearer(world.acme_key))
        assert (bad.status_code, bad.json()["field"]) == (422, field), (params, bad.text)


def test_an_export_holds_only_the_callers_invoices(world: Invoiced, client: TestClient) -> None:
    for path in ("/v1/exports/invoices.csv", "/v1/exports/invoice-lines.csv"):
        theirs = client.get(path, headers=bearer(world.globex_key)).text
        assert world.other["id"] in theirs
        assert world.first["id"] not in theirs and world.second["id"] not in theirs
        assert "nord" not in theirs
        ours = client.get(path, headers=bearer(world.acme_key)).text
        assert world.other["id"] not in ours
        # naming the other tenant's customer changes nothing
        named = client.get(path, params={"customer": "other"}, headers=bearer(world.acme_key))
        assert world.other["id"] not in named.text
        assert client.get(path).status_code == 401


# CLI ------------------------------------------------------------------------------------------

def test_the_cli_writes_the_pdf_and_the_exports(world: Invoiced, platform: Platform,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "_platform", platform)
    monkeypatch.chdir(tmp_path)
    _register()
    runner = CliRunner()
    second = world.second["id"]

    made = runner.invoke(app, ["invoices", "pdf", second, "-t", "acme"])
    assert made.exit_code == 0, made.output
    assert "200.46" in pdf_text((tmp_path / "INV-000002.pdf").read_bytes()).splitlines()
    out = tmp_path / "second.pdf"
    assert runner.invoke(app, ["invoices", "pdf", second, "--out", str(out),
                               "-t", "acme"]).exit_code == 0
    assert out.read_bytes() == (tmp_path / "INV-000002.pdf").read_bytes()  # same bytes
    missing = runner.invoke(app, ["invoices", "pdf", second, "-t", "globex"])
    assert missing.exit_code == 2 and f"no invoice {second!r}" in missing.stderr

    target = tmp_path / "invoices.csv"
    exported = runner.invoke(app, ["invoices", "export", "--out", str(target), "-t", "acme"])
    assert exported.exit_code == 0, exported.output
    assert rows(target.read_bytes().decode())[0] == INVOICES_HEADER
    assert len(rows(target.read_bytes().decode())) == 3
    lines = runner.invoke(app, ["invoices", "export", "--lines", "--status", "finalized",
                                "-t", "acme"])
    assert lines.exit_code == 0
    assert lines.stdout.splitlines()[0] == LINES_HEADER and len(lines.stdout.splitlines()) == 6
    bad = runner.invoke(app, ["invoices", "export", "--status", "open", "-t", "acme"])
    assert bad.exit_code == 2 and "status" in bad.stderr
