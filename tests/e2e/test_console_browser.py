"""The console and the portal in a real headless Chromium: sign in, open every page, check that
the charts draw the numbers priced by hand in test_console_support, download invoice PDFs, and
confirm that a customer's session cannot open another customer's pages. Every page is
screenshotted into test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import launch, pages, serve, shot
from test_console_support import EXPECTED, Seeded

pytestmark = pytest.mark.e2e

OPERATOR_PAGES = [
    ("home", "/console", "Home"),
    ("customers", "/console/customers", "Customers"),
    ("customer", "/console/customers/alpha", "Alpha Farms"),
    ("devices", "/console/devices", "Devices"),
    ("device", "/console/devices/alpha-d1", "alpha-d1"),
    ("usage", "/console/usage?meter=kwh", "Usage"),
    ("plans", "/console/plans", "Plans"),
    ("plan", "/console/plans/basic", "Basic"),
    ("subscriptions", "/console/subscriptions", "Subscriptions"),
    ("invoices", "/console/invoices", "Invoices"),
    ("quarantine", "/console/quarantine", "Quarantine"),
    ("webhooks", "/console/webhooks", "Webhooks"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def site(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from serve(tmp_path_factory.mktemp("e2e") / "console.db")


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    yield from pages(browser)


def sign_in(page: Any, site: Any, email: str) -> None:
    page.goto(site.url("/login"))
    form = page.locator("#password-login")
    form.locator("input[name=tenant]").fill("acme")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(site.seeded.passwords[email])
    form.locator("button").click()
    page.wait_for_load_state()


def bar_values(page: Any, chart: str, series: str | None = None) -> dict[str, str]:
    selector = f"#{chart} rect.bar" + (f'[data-series="{series}"]' if series else "")
    return {r.get_attribute("data-category"): r.get_attribute("data-value")
            for r in page.locator(selector).all()}


def test_operator_signs_in_opens_every_page_and_reads_the_charts(site: Any,
                                                                 open_page: Any) -> None:
    page = open_page()
    page.goto(site.url("/console"))
    assert page.url.startswith(site.url("/login?next="))
    shot(page, "login")
    sign_in(page, site, Seeded.OPERATOR)
    assert page.url == site.url("/console")
    for name, path, heading in OPERATOR_PAGES:
        response = page.goto(site.url(path))
        assert response.status == 200, path
        assert heading in page.locator("h1").inner_text(), path
        shot(page, f"console-{name}")

    page.goto(site.url("/console"))
    assert page.locator("#mrr-EUR .kpi-value").inner_text() == "EUR 40.00"
    assert page.locator("#arr-EUR .kpi-value").inner_text() == "EUR 480.00"
    assert bar_values(page, "revenue-month-EUR") == EXPECTED["revenue_by_month"]
    labels = page.locator("#revenue-month-EUR svg text.value").all_text_contents()
    assert labels == ["30.00", "60.00", "76.00"]
    # drawn to scale: the bars' rendered heights follow their values
    heights = [r.bounding_box()["height"]
               for r in page.locator("#revenue-month-EUR rect.bar").all()]
    assert 0 < heights[0] < heights[1] < heights[2]
    assert heights[2] / heights[0] == pytest.approx(76 / 30, rel=0.02)
    assert bar_values(page, "revenue-model-EUR", "Hybrid") == EXPECTED["hybrid_by_month"]
    assert page.locator("#revenue-model-EUR svg text.total").all_text_contents() == [
        "30.00", "60.00", "76.00"]
    assert bar_values(page, "devices-by-state") == {"Online": "1", "Offline": "2",
                                                    "Never seen": "1"}
    assert page.locator("#revenue-month-EUR svg").get_attribute("role") == "img"
    # the table behind each chart opens without script
    page.locator("#revenue-month-EUR details summary").click()
    assert "76.00" in page.locator("#revenue-month-EUR table").inner_text()

    page.goto(site.url("/console/customers/alpha"))
    assert page.locator(".projected-total").inner_text() == f"EUR {EXPECTED['alpha_projected']}"


def test_operator_downloads_an_invoice_pdf_and_replays_quarantine(site: Any,
                                                                  open_page: Any) -> None:
    page = open_page()
    sign_in(page, site, Seeded.OPERATOR)
    invoice = site.seeded.invoices["alpha"][-1]
    page.goto(site.url(f"/console/invoices/{invoice['id']}"))
    assert page.locator("#invoice-total").inner_text() == f"EUR {invoice['total']}"
    shot(page, "console-invoice")
    with page.expect_download() as info:
        page.locator("#pdf").click()
    download = info.value
    assert download.suggested_filename == f"{invoice['number']}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.goto(site.url(f"/console/quarantine/{site.seeded.quarantined}"))
    shot(page, "console-quarantine-entry")
    page.locator("#replay").click()
    page.wait_for_load_state()
    assert "Replayed: ingest took it" in page.locator("main").inner_text()


def test_customer_portal_shows_only_its_own_data(site: Any, open_page: Any) -> None:
    page = open_page()
    sign_in(page, site, Seeded.ALPHA)
    assert page.url == site.url("/portal")
    assert page.locator(".projected-total").inner_text() == f"EUR {EXPECTED['alpha_projected']}"
    assert page.locator('.usage-to-date[data-meter="kwh"]').inner_text() == "90"
    mine = site.seeded.invoices["alpha"]
    for name, path in (("overview", "/portal"), ("usage", "/portal/usage"),
                       ("devices", "/portal/devices"), ("device", "/portal/devices/alpha-d1"),
                       ("invoices", "/portal/invoices"),
                       ("invoice", f"/portal/invoices/{mine[-1]['id']}")):
        assert page.goto(site.url(path)).status == 200, path
        text = page.locator("main").inner_text()
        assert "Beta" not in text and "beta-d1" not in text, path
        shot(page, f"portal-{name}")
    with page.expect_download() as info:
        page.locator("#pdf").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")

    theirs = site.seeded.invoices["beta"][-1]["id"]
    for path in (f"/portal/invoices/{theirs}", f"/portal/invoices/{theirs}/pdf",
                 "/portal/devices/beta-d1", f"/portal/invoices/{site.seeded.other_invoice}"):
        response = page.goto(site.url(path))
        assert response.status == 404, path
        assert "Beta Buildings" not in page.content()
    for path in ("/console", "/console/customers/beta", f"/console/invoices/{theirs}"):
        response = page.goto(site.url(path))
        assert response.status == 403, path
        assert "Beta Buildings" not in page.content()
    shot(page, "portal-forbidden-console")


def test_pages_read_without_javascript_and_an_admin_key_signs_in(site: Any,
                                                                 open_page: Any) -> None:
    page = open_page(java_script_enabled=False)
    page.goto(site.url("/login"))
    page.locator("#key-login input[name=key]").fill(site.seeded.admin_key)
    page.locator("#key-login button").click()
    page.wait_for_load_state()
    assert page.url == site.url("/console")
    assert page.locator("#revenue-month-EUR rect.bar").count() == 3
    assert re.search(r"admin key", page.locator("header").inner_text())
    shot(page, "console-home-no-javascript")
    page.locator("header button", has_text="Sign out").click()
    page.wait_for_load_state()
    assert page.url == site.url("/login")
    assert page.goto(site.url("/console")).url.startswith(site.url("/login"))
