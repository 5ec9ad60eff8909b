"""The payment routes, on SQLite and PostgreSQL: a payment, its retry, a refund, voiding and
overdue invoices through HTTP; JSON numbers read exactly; admin to write, read to read; and
another tenant's invoice and payment ids answer 404 without changing anything."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_payments_support import DAY, Books

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.services import access
from monetiot.web.app import create_app


class Api:
    def __init__(self, platform: Platform, key: str) -> None:
        self.client = TestClient(create_app(platform), raise_server_exceptions=False)
        self.key = key

    def __call__(self, method: str, path: str, expect: int, body: Any = None,
                 key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        if isinstance(body, str):
            headers["Content-Type"] = "application/json"
            response = self.client.request(method, path, content=body, headers=headers)
        else:
            response = self.client.request(method, path, json=body, headers=headers)
        assert response.status_code == expect, (method, path, response.text)
        return response.json()


@pytest.fixture
def books(platform: Platform, clock: FixedClock) -> Books:
    return Books(platform, clock)


@pytest.fixture
def api(books: Books) -> Api:
    return Api(books.platform, books.admin_key)


def test_pay_retry_refund_and_read_back(books: Books, api: Api) -> None:
    invoice = books.invoice("100.00")
    body = '{"amount": 40.10, "method": "bank_transfer", "idempotency_key": "k1"}'
    paid = api("POST", f"/v1/invoices/{invoice}/payments", 201, body)
    assert paid["amount"] == "40.10"  # the JSON number, read exactly
    assert api("POST", f"/v1/invoices/{invoice}/payments", 201, body) == paid
    api("POST", f"/v1/invoices/{invoice}/payments", 201,
        {"amount": "59.90", "idempotency_key": "k2"})
    assert api("GET", f"/v1/invoices/{invoice}", 200)["status"] == "paid"
    refund = api("POST", f"/v1/payments/{paid['id']}/refunds", 201,
                 {"amount": "0.10", "idempotency_key": "r1"})
    listed = api("GET", f"/v1/invoices/{invoice}/payments", 200)
    assert (listed["status"], listed["paid"], listed["amount_due"]) == ("finalized", "99.90",
                                                                        "0.10")
    assert [(p["kind"], p["amount"]) for p in listed["payments"]][-1] == ("refund", "0.10")
    assert refund["id"] in {p["id"] for p in listed["payments"]}


def test_void_and_overdue(books: Books, api: Api) -> None:
    late, doomed = books.invoice("10.00"), books.invoice("20.00")
    assert api("POST", f"/v1/invoices/{doomed}/void", 200)["status"] == "void"
    books.clock.advance(33 * DAY)
    (row,) = api("GET", "/v1/invoices/overdue", 200)["invoices"]
    assert (row["id"], row["days_overdue"], row["amount_due"]) == (late, 3, "10.00")


def test_errors_are_problems_naming_the_field(books: Books, api: Api) -> None:
    invoice = books.invoice("10.00")
    path = f"/v1/invoices/{invoice}/payments"
    assert api("POST", path, 422, {"amount": "11", "idempotency_key": "k"})["field"] == "amount"
    assert api("POST", path, 422, {"amount": "1"})["field"] == "idempotency_key"
    assert api("POST", path, 422, "[1]")["field"] == "body"
    assert api("POST", path, 422, "{nope")["field"] == "body"
    draft = books.invoice("10.00", finalize=False)
    assert api("POST", f"/v1/invoices/{draft}/payments", 409,
               {"amount": "1", "idempotency_key": "k"})["field"] == "invoice"
    books.pay(invoice, "10", "p")
    assert api("POST", f"/v1/invoices/{invoice}/void", 409)["field"] == "invoice"


def test_read_keys_read_and_admin_keys_write(books: Books, api: Api) -> None:
    invoice = books.invoice("10.00")
    payment = books.pay(invoice, "1", "p")
    with books.platform.uow() as uow:
        read = access.create_api_key(uow, books.now, books.tenant, "read", "reader").key
    api("GET", f"/v1/invoices/{invoice}/payments", 200, key=read)
    api("GET", "/v1/invoices/overdue", 200, key=read)
    api("POST", f"/v1/invoices/{invoice}/payments", 403,
        {"amount": "1", "idempotency_key": "x"}, key=read)
    api("POST", f"/v1/payments/{payment['id']}/refunds", 403,
        {"amount": "1", "idempotency_key": "y"}, key=read)
    api("POST", f"/v1/invoices/{invoice}/void", 403, key=read)
    assert books.rows() == 1


def test_another_tenant_gets_404_and_changes_nothing(books: Books, api: Api) -> None:
    invoice, unpaid = books.invoice("100.00"), books.invoice("50.00")
    payment = books.pay(invoice, "10", "p")
    books.clock.advance(40 * DAY)
    with books.platform.uow() as uow:
        other = access.create_tenant(uow, books.now, "bolt", "Bolt").key
    for method, path, body in [
        ("GET", f"/v1/invoices/{invoice}/payments", None),
        ("POST", f"/v1/invoices/{invoice}/payments", {"amount": "1", "idempotency_key": "p"}),
        ("POST", f"/v1/payments/{payment['id']}/refunds",
         {"amount": "1", "idempotency_key": "b"}),
        ("POST", f"/v1/invoices/{unpaid}/void", None),
    ]:
        problem = api(method, path, 404, body, key=other)
        assert problem["field"] in ("invoice", "payment")
    assert api("GET", "/v1/invoices/overdue", 200, key=other) == {"invoices": []}
    assert books.rows() == 1
    assert {books.get(invoice)["paid"], books.get(unpaid)["status"]} == {"10.00", "finalized"}
