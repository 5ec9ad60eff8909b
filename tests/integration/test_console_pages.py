"""The operator console's pages show the seeded tenant's figures, priced by hand in
test_console_support: MRR, ARR, revenue by month and business model, the projected bill, fleet
health, and every list and detail page. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from test_console_support import EXPECTED, NOW, Seeded, month_totals, seed

from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import FixedClock
from monetiot.domain.plans import parse_plan
from monetiot.services.revenue import business_model
from monetiot.settings import Settings
from monetiot.web.app import create_app
from monetiot.web.console.charts import Series, bar_chart, nice_step


def sign_in(client: TestClient, email: str, password: str, tenant: str = "acme") -> str:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = client.post("/login", data={"csrf_token": token.group(1), "tenant": tenant,
                                         "email": email, "password": password},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def values(html: str, chart_id: str, series: str | None = None) -> dict[str, str]:
    """category -> data-value of the bars or points of one chart (one series, or all)."""
    figure = re.search(rf'<figure class="chart-figure" id="{re.escape(chart_id)}">(.*?)</figure>',
                       html, re.S)
    assert figure is not None, f"no chart {chart_id}"
    out = {}
    for m in re.finditer(r'<(?:rect|circle) class="(?:bar|point)"[^>]*?data-series="([^"]*)"'
                         r'[^>]*?data-category="([^"]*)"[^>]*?data-value="([^"]*)"',
                         figure.group(1)):
        if series is None or m.group(1) == series:
            out[m.group(2)] = m.group(3)
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Seeded]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}"
        yield from _seeded(url)
    else:
        from test_api_support import PG_ADMIN_URL, _pg_admin

        name = f"monetiot_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield from _seeded(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seeded(url: str) -> Iterator[Seeded]:
    plat = bootstrap(Settings(database_url=url), clock=FixedClock(NOW))
    try:
        yield seed(plat)
    finally:
        plat.close()


@pytest.fixture
def operator(seeded: Seeded) -> TestClient:
    client = TestClient(create_app(seeded.platform))
    assert sign_in(client, Seeded.OPERATOR, seeded.passwords[Seeded.OPERATOR]) == "/console"
    return client


def test_home_shows_mrr_arr_and_revenue_priced_by_hand(operator: TestClient,
                                                      seeded: Seeded) -> None:
    html = operator.get("/console").text
    assert re.search(r'id="mrr-EUR">.*?EUR 40\.00', html, re.S)
    assert re.search(r'id="arr-EUR">.*?EUR 480\.00', html, re.S)
    assert values(html, "revenue-month-EUR") == EXPECTED["revenue_by_month"]
    assert {k: Decimal(v) for k, v in values(html, "revenue-month-EUR").items()} == \
        month_totals(seeded)
    hybrid = values(html, "revenue-model-EUR", "Hybrid")
    assert hybrid == EXPECTED["hybrid_by_month"]
    per_use = values(html, "revenue-model-EUR", "Pay per use")
    assert {k: v for k, v in per_use.items() if Decimal(v)} == EXPECTED["pay_per_use_by_month"]
    assert values(html, "revenue-customer-EUR", "Alpha Farms")["2026-11"] == "60.00"
    # the numbers are also printed, for people and for pages read without the SVG
    assert re.search(r'<text class="value"[^>]*>76\.00</text>', html)


def test_home_shows_fleet_health(operator: TestClient) -> None:
    html = operator.get("/console").text
    assert values(html, "devices-by-state") == {"Online": "1", "Offline": "2",
                                                "Never seen": "1"}
    assert re.search(r'id="quarantine-open">.*?<div class="kpi-value">1</div>', html, re.S)
    assert re.search(r'id="ingest-rate">.*?<div class="kpi-value">1</div>', html, re.S)
    kwh = values(html, "usage-kwh")  # the last 14 days, UTC: Nov 15 is 3 + 3 + 2 kWh
    assert len(kwh) == 14 and kwh["11-15"] == "8" and kwh["11-16"] == "0"


def test_every_operator_page_opens(operator: TestClient, seeded: Seeded) -> None:
    invoice = seeded.invoices["alpha"][-1]
    for path in ("/console", "/console/usage", "/console/usage?meter=kwh&days=60",
                 "/console/customers", "/console/customers/alpha", "/console/devices",
                 "/console/devices?state=online", "/console/devices/alpha-d1",
                 "/console/plans", "/console/plans/basic", "/console/subscriptions",
                 "/console/invoices", "/console/invoices?status=finalized&customer=beta",
                 f"/console/invoices/{invoice['id']}", "/console/quarantine",
                 "/console/quarantine?status=all",
                 f"/console/quarantine/{seeded.quarantined}", "/console/webhooks"):
        answer = operator.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
        assert answer.headers["content-type"].startswith("text/html")
        assert "script-src" not in answer.headers["content-security-policy"]
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store"
        assert "<script" not in answer.text


def test_customer_page_projects_the_bill(operator: TestClient) -> None:
    html = operator.get("/console/customers/alpha").text
    assert re.search(r'class="num projected-total" data-value="57.42"', html)
    assert re.search(r'class="num usage-to-date" data-meter="kwh" data-value="90"', html)
    assert re.search(r'id="customer-mrr-EUR">.*?EUR 40\.00', html, re.S)
    assert "Alpha Farms" in html and "Beta Buildings" not in html


def test_subscriptions_and_plans_show_mrr_and_business_model(operator: TestClient) -> None:
    html = operator.get("/console/subscriptions").text
    assert 'data-value="40.00"' in html and 'data-value="0.00"' in html
    plans = operator.get("/console/plans").text
    assert re.search(r"Basic</a>.*?Hybrid", plans, re.S)
    assert re.search(r"Metered energy</a>.*?Pay per use", plans, re.S)


def test_invoice_detail_and_pdf(operator: TestClient, seeded: Seeded) -> None:
    invoice = seeded.invoices["alpha"][-1]
    html = operator.get(f"/console/invoices/{invoice['id']}").text
    assert f'id="invoice-total" data-value="{invoice["total"]}"' in html
    assert "Platform fee" in html and f'/console/invoices/{invoice["id"]}/pdf' in html
    pdf = operator.get(f"/console/invoices/{invoice['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="{invoice["number"]}.pdf"' in pdf.headers["content-disposition"]


def test_a_tenant_never_sees_another_tenants_rows(operator: TestClient, seeded: Seeded) -> None:
    assert operator.get(f"/console/customers/{seeded.other_customer}").status_code == 404
    assert operator.get(f"/console/invoices/{seeded.other_invoice}").status_code == 404
    assert operator.get(f"/console/invoices/{seeded.other_invoice}/pdf").status_code == 404
    assert "gamma" not in operator.get("/console/customers").text
    assert "gamma" not in operator.get("/console/devices").text


def test_unknown_things_are_html_404_pages(operator: TestClient) -> None:
    answer = operator.get("/console/devices/nope")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "no device" in answer.text


# the pieces, on their own -------------------------------------------------------------------

@pytest.mark.parametrize(("charges", "model"), [
    ({"one_time": [{"id": "d", "name": "D", "kind": "device_sale", "amount": "9",
                    "per": "device"}]}, "product_sale"),
    ({"recurring": [{"id": "f", "name": "F", "kind": "flat", "price": "9"}]}, "subscription"),
    ({"usage": [{"id": "u", "name": "U", "meter": "m",
                 "charge": {"model": "per_unit", "unit_price": "1"}}]}, "pay_per_use"),
    ({"recurring": [{"id": "f", "name": "F", "kind": "flat", "price": "9"}],
      "usage": [{"id": "u", "name": "U", "meter": "m",
                 "charge": {"model": "per_unit", "unit_price": "1"}}]}, "hybrid"),
    ({"minimum_commitment": "10"}, "other"),
])
def test_the_business_model_is_read_from_the_plans_charges(charges: dict[str, object],
                                                           model: str) -> None:
    plan = parse_plan({"id": "p", "name": "P", "currency": "EUR", "billing_period": "monthly",
                       **charges})
    assert business_model(plan) == model


def test_nice_steps() -> None:
    assert [nice_step(Decimal(x)) for x in ("76", "1000", "3", "0.4", "0")] == [
        Decimal(20), Decimal("250"), Decimal(1), Decimal("0.1"), Decimal(1)]


def test_a_bar_chart_carries_exact_values_a_title_and_a_table() -> None:
    svg = str(bar_chart("c", "Revenue", ["2026-10", "2026-11"],
                        [Series("Revenue", [Decimal("1313.41"), Decimal("0.10")])], unit="EUR"))
    assert '<title>Revenue (EUR)</title>' in svg and 'role="img"' in svg
    assert 'data-value="1313.41"' in svg and ">1,313.41</text>" in svg
    assert '<td class="num" data-value="0.10">0.10</td>' in svg


def test_the_user_tables_match_their_migration(sqlite_platform: Platform) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from monetiot.store.schema import metadata

    with sqlite_platform.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    mine = [d for d in diff if "users" in repr(d) or "console_sessions" in repr(d)]
    assert mine == []
