"""The customer portal shows a customer its own devices, usage to date with the projected bill,
invoices with PDFs, plan and entitlements; and never another customer's, nor the console."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_console_pages import sign_in
from test_console_support import EXPECTED, NOW, Seeded, seed

from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import FixedClock
from monetiot.settings import Settings
from monetiot.web.app import create_app


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    url = f"sqlite:///{tmp_path_factory.mktemp('portal') / 'portal.db'}"
    plat: Platform = bootstrap(Settings(database_url=url), clock=FixedClock(NOW))
    try:
        yield seed(plat)
    finally:
        plat.close()


@pytest.fixture
def alpha(seeded: Seeded) -> TestClient:
    client = TestClient(create_app(seeded.platform))
    assert sign_in(client, Seeded.ALPHA, seeded.passwords[Seeded.ALPHA]) == "/portal"
    return client


def test_the_overview_projects_the_bill_from_usage_to_date(alpha: TestClient) -> None:
    html = alpha.get("/portal").text
    assert re.search(r'class="num usage-to-date" data-meter="kwh" data-value="90"', html)
    assert re.search(rf'class="num projected-total" data-value="{EXPECTED["alpha_projected"]}"',
                     html)
    assert "Platform fee" in html and "Active devices" in html
    assert "data.export" in html  # an entitlement of the plan
    assert "Alpha Farms" in html


def test_each_portal_page_shows_only_the_customers_own_rows(alpha: TestClient,
                                                            seeded: Seeded) -> None:
    mine = seeded.invoices["alpha"]
    theirs = seeded.invoices["beta"]
    listing = alpha.get("/portal/invoices").text
    assert all(inv["number"] in listing for inv in mine)
    assert not any(inv["number"] in listing for inv in theirs)
    devices = alpha.get("/portal/devices").text
    assert "alpha-d1" in devices and "alpha-d2" in devices and "beta-d1" not in devices
    assert "spare-1" not in devices
    usage = alpha.get("/portal/usage").text
    assert 'id="usage-kwh"' in usage and "Beta" not in usage
    assert alpha.get("/portal/devices/alpha-d2").status_code == 200
    own = alpha.get(f"/portal/invoices/{mine[-1]['id']}")
    assert own.status_code == 200 and mine[-1]["number"] in own.text
    pdf = alpha.get(f"/portal/invoices/{mine[-1]['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_customer_can_never_open_another_customers_pages(alpha: TestClient,
                                                           seeded: Seeded) -> None:
    beta_invoice = seeded.invoices["beta"][-1]["id"]
    for path in (f"/portal/invoices/{beta_invoice}", f"/portal/invoices/{beta_invoice}/pdf",
                 "/portal/devices/beta-d1", "/portal/devices/spare-1",
                 f"/portal/invoices/{seeded.other_invoice}", "/portal/devices/gamma-d1"):
        answer = alpha.get(path)
        assert answer.status_code == 404, path
        assert "Beta" not in answer.text and "%PDF" not in answer.text


def test_a_customer_cannot_open_the_console(alpha: TestClient, seeded: Seeded) -> None:
    beta_invoice = seeded.invoices["beta"][-1]["id"]
    for path in ("/console", "/console/customers/beta", f"/console/invoices/{beta_invoice}",
                 f"/console/invoices/{beta_invoice}/pdf", "/console/quarantine"):
        answer = alpha.get(path)
        assert answer.status_code == 403, path
        assert "Beta Buildings" not in answer.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', alpha.get("/portal").text)
    assert token is not None
    replay = alpha.post(f"/console/quarantine/{seeded.quarantined}/replay",
                        data={"csrf_token": token.group(1)})
    assert replay.status_code == 403


def test_the_portal_url_names_no_customer_a_session_could_swap(seeded: Seeded) -> None:
    beta = TestClient(create_app(seeded.platform))
    sign_in(beta, Seeded.BETA, seeded.passwords[Seeded.BETA])
    html = beta.get("/portal").text
    assert re.search(rf'class="num projected-total" data-value="{EXPECTED["beta_projected"]}"',
                     html)
    assert beta.get("/portal?customer=alpha").text.count("Alpha Farms") == 0


def test_an_operator_is_sent_to_the_console_not_the_portal(seeded: Seeded) -> None:
    client = TestClient(create_app(seeded.platform))
    sign_in(client, Seeded.OPERATOR, seeded.passwords[Seeded.OPERATOR])
    assert client.get("/portal").status_code == 403
    assert client.get("/", follow_redirects=False).headers["location"] == "/console"
