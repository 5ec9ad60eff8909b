"""`Client`: the monetiot REST API (/v1) from Python, over httpx, with typed answers.

Every method is one API call (lists: one call per page, walked for you by the `iter_*` and
`list_*` methods, which follow `next_cursor`). Money and quantities go out as decimal text
(pass `Decimal`, `int` or `str`; a `float` is refused, as its digits are already lost) and
come back as `Decimal`. Times go out as RFC 3339 (pass an aware `datetime` or text) and come
back as aware UTC `datetime`s. An error answer raises `ApiError` with the problem's status,
detail and field. The client never imports the server side (httpx and the standard library).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from monetiot.client.models import (
    Customer,
    Device,
    IngestResult,
    Invoice,
    Json,
    Meter,
    NewDevice,
    Payment,
    Subscription,
    UsageRow,
)

T = TypeVar("T")
Number = Decimal | int | str
When = datetime | str


class ApiError(Exception):
    """An answer of 4xx or 5xx: the problem+json the server sent (RFC 9457)."""

    def __init__(self, status: int, title: str, detail: str, field: str | None) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status, self.title, self.detail, self.field = status, title, detail, field


def _number(value: Number) -> str:
    if isinstance(value, float):
        raise TypeError("pass money and quantities as Decimal, int or str, never float")
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _when(value: When) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("pass an aware datetime (with its time zone)")
        return value.isoformat()
    return value


def _json(value: Any) -> Any:
    """A request body with exact numbers as text and times as RFC 3339."""
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, (Decimal, float)):
        return _number(value)  # type: ignore[arg-type]
    if isinstance(value, datetime):
        return _when(value)
    return value


class Client:
    """`Client("http://127.0.0.1:8000", api_key="mk_...")`; use it in a `with` block or call
    `close()`. `http` lets you pass your own `httpx.Client` (proxies, retries, test apps)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0,
                 http: httpx.Client | None = None) -> None:
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self._headers = {"Authorization": f"Bearer {api_key}"}

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # transport -----------------------------------------------------------------------------

    def request(self, method: str, path: str, *, body: Any = None,
                params: Mapping[str, Any] | None = None, content: bytes | None = None,
                content_type: str | None = None,
                answers: Sequence[int] = ()) -> httpx.Response:
        """One call; an answer of 400 or above raises `ApiError`, unless listed in `answers`
        (as 422 is for a batch of events whose every record was rejected)."""
        headers = dict(self._headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        query = {k: v for k, v in (params or {}).items() if v is not None}
        response = self._http.request(method, path, headers=headers, params=query,
                                      json=None if body is None else _json(body),
                                      content=content)
        if response.status_code >= 400 and response.status_code not in answers:
            _raise(response)
        return response

    def _get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params).json()

    def _pages(self, path: str, key: str, make: Callable[[Json], T],
               params: Mapping[str, Any], limit: int) -> Iterator[T]:
        cursor: str | None = None
        while True:
            page = self._get(path, **params, limit=limit, cursor=cursor)
            yield from (make(item) for item in page[key])
            cursor = page.get("next_cursor")
            if cursor is None:
                return

    # customers and devices -----------------------------------------------------------------

    def create_customer(self, customer_id: str, *, name: str | None = None,
                        email: str | None = None, timezone: str = "UTC") -> Customer:
        body = {"id": customer_id, "name": name, "email": email, "timezone": timezone}
        return Customer.from_json(self.request("POST", "/v1/customers", body={
            k: v for k, v in body.items() if v is not None}).json())

    def customer(self, customer_id: str) -> Customer:
        return Customer.from_json(self._get(f"/v1/customers/{customer_id}"))

    def iter_customers(self, *, page_size: int = 100) -> Iterator[Customer]:
        return self._pages("/v1/customers", "customers", Customer.from_json, {}, page_size)

    def create_device(self, device_id: str, *, customer: str | None = None,
                      assigned_from: When | None = None, name: str | None = None,
                      profile: str | None = None) -> NewDevice:
        body = {"id": device_id, "customer": customer, "name": name, "profile": profile,
                "assigned_from": None if assigned_from is None else _when(assigned_from)}
        return NewDevice.from_json(self.request("POST", "/v1/devices", body={
            k: v for k, v in body.items() if v is not None}).json())

    def device(self, device_id: str) -> Device:
        return Device.from_json(self._get(f"/v1/devices/{device_id}"))

    def iter_devices(self, *, customer: str | None = None,
                     page_size: int = 100) -> Iterator[Device]:
        return self._pages("/v1/devices", "devices", Device.from_json,
                           {"customer": customer}, page_size)

    # meters, events, usage -----------------------------------------------------------------

    def create_meter(self, meter_id: str, *, event_type: str, aggregation: str,
                     property: str | None = None, name: str | None = None,
                     group_by: Sequence[str] = ()) -> Meter:
        body: dict[str, Any] = {"id": meter_id, "event_type": event_type,
                                "aggregation": aggregation}
        body |= {k: v for k, v in (("property", property), ("name", name)) if v is not None}
        if group_by:
            body["group_by"] = list(group_by)
        return Meter.from_json(self.request("POST", "/v1/meters", body=body).json())

    def list_meters(self) -> list[Meter]:
        return list(self._pages("/v1/meters", "meters", Meter.from_json, {}, 1000))

    def send_events(self, events: Sequence[Mapping[str, Any]] | bytes, *,
                    content_type: str = "application/json") -> IngestResult:
        """A batch: monetiot JSON events (dicts), or raw bytes in the format `content_type`
        names (CloudEvents, SenML JSON or CBOR). Answers per record, after the commit."""
        if isinstance(events, bytes):
            response = self.request("POST", "/v1/events", content=events,
                                    content_type=content_type, answers=(422,))
        else:
            response = self.request("POST", "/v1/events", body=list(events), answers=(422,))
        doc = response.json()
        if response.status_code == 422 and "results" not in doc:
            _raise(response)  # the request itself was refused
        return IngestResult.from_json(doc)

    def usage(self, meter: str, start: When, end: When, *, window: str = "total",
              customer: str | None = None, device: str | None = None, tz: str | None = None,
              group_by: Sequence[str] = ()) -> list[UsageRow]:
        """Usage of `meter` over [start, end) per window (hour, day, month or total)."""
        doc = self._get("/v1/usage", meter=meter, start=_when(start), end=_when(end),
                        window=window, customer=customer, device=device, tz=tz,
                        group_by=",".join(group_by) or None)
        return [UsageRow.from_json(row) for row in doc["usage"]]

    # plans, subscriptions, billing ---------------------------------------------------------

    def apply_plan(self, plan: Mapping[str, Any]) -> dict[str, Any]:
        """Store a plan document (docs/plans.md) as its next version; `created` is False when
        the latest version says the same."""
        return dict(self.request("PUT", f"/v1/plans/{plan['id']}", body=plan).json())

    def create_subscription(self, customer: str, plan: str, *, start: When | None = None,
                            subscription_id: str | None = None,
                            version: int | None = None) -> Subscription:
        body = {"customer": customer, "plan": plan, "id": subscription_id, "version": version,
                "start": None if start is None else _when(start)}
        return Subscription.from_json(self.request("POST", "/v1/subscriptions", body={
            k: v for k, v in body.items() if v is not None}).json())

    def run_billing(self) -> list[str]:
        """Bill every due period now; the ids of the invoices written."""
        return list(self.request("POST", "/v1/billing/run").json()["invoices"])

    def invoice(self, invoice_id: str) -> Invoice:
        return Invoice.from_json(self._get(f"/v1/invoices/{invoice_id}"))

    def iter_invoices(self, *, customer: str | None = None, status: str | None = None,
                      subscription: str | None = None,
                      page_size: int = 100) -> Iterator[Invoice]:
        return self._pages("/v1/invoices", "invoices", Invoice.from_json,
                           {"customer": customer, "status": status,
                            "subscription": subscription}, page_size)

    def list_invoices(self, **filters: Any) -> list[Invoice]:
        return list(self.iter_invoices(**filters))

    def finalize_invoice(self, invoice_id: str) -> Invoice:
        return Invoice.from_json(self.request("POST",
                                              f"/v1/invoices/{invoice_id}/finalize").json())

    def invoice_pdf(self, invoice_id: str) -> bytes:
        return self.request("GET", f"/v1/invoices/{invoice_id}/pdf").content

    def record_payment(self, invoice_id: str, amount: Number, *, idempotency_key: str,
                       method: str = "manual", reference: str | None = None) -> Payment:
        body = {"amount": _number(amount), "idempotency_key": idempotency_key,
                "method": method, "reference": reference}
        return Payment.from_json(self.request(
            "POST", f"/v1/invoices/{invoice_id}/payments",
            body={k: v for k, v in body.items() if v is not None}).json())


def _raise(response: httpx.Response) -> None:
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    raise ApiError(response.status_code, str(problem.get("title", response.reason_phrase)),
                   str(problem.get("detail", response.text[:200])), problem.get("field"))
