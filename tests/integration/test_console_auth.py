"""Signing in to the console: passwords hashed with scrypt, sessions in HttpOnly SameSite=Lax
cookies stored only as hashes, CSRF tokens on every form, admin-key sign-in, and sessions that
end when they expire, on sign-out, when their user is disabled or their key revoked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_console_pages import sign_in
from test_console_support import NOW, Seeded, seed
from typer.testing import CliRunner

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.services import access, credentials, users
from monetiot.store.user_tables import console_sessions
from monetiot.store.user_tables import users as users_table
from monetiot.web.app import create_app
from monetiot.web.console.auth import COOKIE


@pytest.fixture
def seeded(sqlite_platform: Platform) -> Iterator[Seeded]:
    yield seed(sqlite_platform)


@pytest.fixture
def client(seeded: Seeded) -> TestClient:
    return TestClient(create_app(seeded.platform))


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_pages_send_a_stranger_to_sign_in_and_back(client: TestClient, seeded: Seeded) -> None:
    answer = client.get("/console/invoices?status=paid", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fconsole%2Finvoices%3Fstatus%3Dpaid"
    form = client.get(answer.headers["location"]).text
    assert 'name="next" value="/console/invoices?status=paid"' in form
    landed = client.post("/login", data={
        "csrf_token": csrf(form), "tenant": "acme", "email": Seeded.OPERATOR,
        "password": seeded.passwords[Seeded.OPERATOR], "next": "/console/invoices?status=paid"},
        follow_redirects=False)
    assert landed.headers["location"] == "/console/invoices?status=paid"


def test_the_session_cookie_is_httponly_lax_and_stored_only_as_a_hash(
        client: TestClient, seeded: Seeded) -> None:
    form = client.get("/login").text
    answer = client.post("/login", data={"csrf_token": csrf(form), "tenant": "acme",
                                         "email": "OPS@acme.test ",
                                         "password": seeded.passwords[Seeded.OPERATOR]},
                         follow_redirects=False)
    cookie = next(v for k, v in answer.headers.multi_items()
                  if k == "set-cookie" and v.startswith(f"{COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Max-Age=43200" in cookie and "Secure" not in cookie  # plain http in tests
    token = cookie.split(";")[0].split("=", 1)[1]
    with seeded.platform.uow(readonly=True) as uow:
        ids = [r.id for r in uow.conn.execute(select(console_sessions.c.id))]
        hashes = [r.password_hash for r in uow.conn.execute(select(users_table.c.password_hash))]
    assert ids == [credentials.sha256_hex(token)]
    assert all(h.startswith("scrypt$16384$8$1$") for h in hashes)
    assert seeded.passwords[Seeded.OPERATOR] not in "".join(hashes)


def test_wrong_passwords_and_unknown_emails_get_the_same_answer(client: TestClient,
                                                                 seeded: Seeded) -> None:
    for tenant, email, password in (("acme", Seeded.OPERATOR, "wrong"),
                                    ("acme", "nobody@acme.test", "wrong"),
                                    ("other", Seeded.OPERATOR,
                                     seeded.passwords[Seeded.OPERATOR])):
        form = client.get("/login").text
        answer = client.post("/login", data={"csrf_token": csrf(form), "tenant": tenant,
                                             "email": email, "password": password})
        assert answer.status_code == 401
        assert "unknown email or wrong password" in answer.text
        assert COOKIE not in answer.cookies


def test_the_sign_in_form_needs_its_own_csrf_token(client: TestClient, seeded: Seeded) -> None:
    client.get("/login")
    answer = client.post("/login", data={"csrf_token": "forged", "tenant": "acme",
                                         "email": Seeded.OPERATOR,
                                         "password": seeded.passwords[Seeded.OPERATOR]})
    assert answer.status_code == 403
    fresh = TestClient(create_app(seeded.platform))  # no cookie from the form at all
    answer = fresh.post("/login/key", data={"csrf_token": "x", "key": seeded.admin_key})
    assert answer.status_code == 403


def test_an_admin_key_opens_the_console_and_a_read_key_does_not(client: TestClient,
                                                                seeded: Seeded) -> None:
    form = client.get("/login").text
    answer = client.post("/login/key", data={"csrf_token": csrf(form), "key": seeded.read_key})
    assert answer.status_code == 401 and "only an admin key" in answer.text
    form = client.get("/login").text
    answer = client.post("/login/key", data={"csrf_token": csrf(form),
                                             "key": seeded.admin_key}, follow_redirects=False)
    assert answer.headers["location"] == "/console"
    page = client.get("/console")
    assert page.status_code == 200 and "admin key" in page.text
    key_id = credentials.split_api_key(seeded.admin_key)[0]  # type: ignore[index]
    with seeded.platform.uow() as uow:
        access.revoke_api_key(uow, NOW, "acme", key_id)
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_every_form_that_changes_something_checks_the_csrf_token(client: TestClient,
                                                                 seeded: Seeded) -> None:
    sign_in(client, Seeded.OPERATOR, seeded.passwords[Seeded.OPERATOR])
    entry = f"/console/quarantine/{seeded.quarantined}"
    for action, data in ((f"{entry}/replay", {}), (f"{entry}/discard", {"csrf_token": "x"}),
                         ("/console/webhooks/deliveries/whd_x/retry", {}), ("/logout", {})):
        answer = client.post(action, data=data)
        assert answer.status_code == 403, action
        assert "CSRF" in answer.text
    assert "status-open" in client.get(entry).text  # nothing happened
    token = csrf(client.get(entry).text)
    answer = client.post(f"{entry}/replay", data={"csrf_token": token}, follow_redirects=False)
    assert answer.headers["location"] == f"{entry}?outcome=replayed"
    assert "Replayed: ingest took it" in client.get(answer.headers["location"]).text


def test_signing_out_ends_the_session_on_the_server(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, Seeded.OPERATOR, seeded.passwords[Seeded.OPERATOR])
    token = client.cookies[COOKIE]
    answer = client.post("/logout", data={"csrf_token": csrf(client.get("/console").text)},
                         follow_redirects=False)
    assert answer.headers["location"] == "/login"
    replayed = TestClient(create_app(seeded.platform), cookies={COOKIE: token})
    assert replayed.get("/console", follow_redirects=False).status_code == 303


def test_sessions_expire_and_end_with_their_user(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, Seeded.OPERATOR, seeded.passwords[Seeded.OPERATOR])
    assert client.get("/console").status_code == 200
    clock = seeded.platform.clock
    assert isinstance(clock, FixedClock)
    clock.advance(users.SESSION_MS)
    assert client.get("/console", follow_redirects=False).status_code == 303
    clock.at_ms = NOW
    client.cookies.clear()
    sign_in(client, Seeded.ALPHA, seeded.passwords[Seeded.ALPHA])
    with seeded.platform.uow() as uow:
        users.disable_user(uow, NOW, "acme", Seeded.ALPHA)
    assert client.get("/portal", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_site_or_the_role(client: TestClient, seeded: Seeded) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/portal", "/\\evil.example"):
        form = client.get("/login").text
        answer = client.post("/login", data={
            "csrf_token": csrf(form), "tenant": "acme", "email": Seeded.OPERATOR,
            "password": seeded.passwords[Seeded.OPERATOR], "next": target},
            follow_redirects=False)
        assert answer.headers["location"] == "/console", target
        client.cookies.clear()


def test_users_cli_prints_a_generated_password_once(seeded: Seeded,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from monetiot.cli import _register, app, context

    monkeypatch.setattr(context, "_platform", seeded.platform)
    _register()
    runner = CliRunner()
    made = runner.invoke(app, ["users", "create", "new@acme.test", "--role", "customer",
                               "--customer", "beta", "--tenant", "acme"])
    assert made.exit_code == 0, made.output
    doc = json.loads(made.output)
    assert doc["role"] == "customer" and doc["customer"] == "beta" and len(doc["password"]) >= 16
    listed = runner.invoke(app, ["users", "list", "--tenant", "acme", "--json"])
    assert "new@acme.test" in listed.output and doc["password"] not in listed.output
    wrong = runner.invoke(app, ["users", "create", "x@acme.test", "--role", "customer",
                                "--tenant", "acme"])
    assert wrong.exit_code == 2 and "customer" in wrong.output
    client = TestClient(create_app(seeded.platform))
    assert sign_in(client, "new@acme.test", doc["password"]) == "/portal"
