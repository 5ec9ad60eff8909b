"""Webhooks: endpoints, the fan-out of outbox events into deliveries, signed sending with retries.

Invariants:
- Every event a change emits (`store.billing.emit`, in the change's own transaction) becomes one
  delivery per active endpoint of its tenant whose `types` match and that existed when the event
  was created; (endpoint, event) is unique, and the delivery id is derived from that pair, so
  fanning out twice, or from two workers, creates nothing twice.
- A delivery id never changes across retries: receivers deduplicate on it. Sending is
  at-least-once (a worker that dies after the POST but before recording it sends again).
- The HTTP call happens outside any transaction: due deliveries are first claimed (the attempt
  counted, the row leased for `LEASE_MS`), then sent, then the outcome recorded only if the row
  is still the one claimed (same attempt number). On PostgreSQL claims use SKIP LOCKED, so any
  number of workers dispatch at once without sending a delivery twice.
- Signing secrets are kept as generated (HMAC needs them), shown once at creation, never listed
  or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.pages import Page, PageRequest
from monetiot.store import billing as billing_store
from monetiot.store import webhooks as store
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
UowFactory = Callable[..., UnitOfWork]

EVENT_TYPES = (
    "invoice.finalized", "invoice.paid", "invoice.overdue", "invoice.voided",
    "invoice.refunded", "credit_note.created",
    "subscription.created", "subscription.changed", "subscription.canceled",
    "subscription.paused", "subscription.resumed", "usage.threshold_reached",
)
# Waits after failed attempts 1, 2, ...; the attempt after the last wait is the final one.
BACKOFF_S = (30, 120, 600, 3_600, 6 * 3_600, 12 * 3_600, 24 * 3_600, 24 * 3_600, 24 * 3_600)
MAX_ATTEMPTS = len(BACKOFF_S) + 1
LEASE_MS = 300_000  # a claimed delivery is another worker's again after this (worker died)
RECHECK_MS = 300_000  # outbox ids skipped over while scanning are looked at again this long
FANOUT_BATCH = 1_000
TIMEOUT_S = 10.0
SIGNATURE_HEADER = "Monetiot-Signature"


# endpoints ------------------------------------------------------------------------------------

def create_endpoint(uow: UnitOfWork, now_ms: int, tenant: str, doc: Row) -> Row:
    """Register an endpoint; the result carries the signing secret, shown this once."""
    for key in doc:
        if key not in ("url", "types"):
            raise InvalidInput("unknown field; an endpoint has url and types", field=str(key))
    url = _check_url(doc.get("url"))
    types = _check_types(doc.get("types", []))
    row = {"tenant_id": tenant, "id": f"we_{secrets.token_hex(10)}", "url": url,
           "secret": f"whsec_{secrets.token_urlsafe(32)}", "types": json.dumps(types),
           "active": 1, "created_ms": now_ms}
    store.insert_endpoint(uow.conn, row)
    uow.commit()
    return endpoint_view(row) | {"secret": row["secret"]}


def list_endpoints(uow: UnitOfWork, tenant: str, page: PageRequest | None = None) -> Page[Row]:
    rows = store.list_endpoints(uow.conn, tenant, page)
    return Page([endpoint_view(r) for r in rows], rows.next_cursor)


def remove_endpoint(uow: UnitOfWork, tenant: str, endpoint_id: str) -> Row:
    """Deactivate the endpoint; its pending deliveries fail (kept for inspection)."""
    row = _endpoint(uow, tenant, endpoint_id)
    store.deactivate_endpoint(uow.conn, tenant, endpoint_id)
    store.fail_pending(uow.conn, tenant, endpoint_id, "endpoint removed")
    uow.commit()
    return endpoint_view(row | {"active": 0})


def endpoint_view(row: Row) -> Row:
    return {"id": row["id"], "url": row["url"], "types": json.loads(row["types"]),
            "active": bool(row["active"]), "created_ms": row["created_ms"]}


def _endpoint(uow: UnitOfWork, tenant: str, endpoint_id: str) -> Row:
    row = store.get_endpoint(uow.conn, tenant, endpoint_id)
    if row is None:
        raise NotFound(f"no webhook endpoint {endpoint_id!r}", field="webhook")
    return row


def _check_url(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput("required: an http:// or https:// URL", field="url")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise InvalidInput("not a valid URL", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("must be an http:// or https:// URL with a host", field="url")
    if len(value) > 2_000 or any(c.isspace() for c in value):
        raise InvalidInput("must be at most 2000 characters, without spaces", field="url")
    return value


def _check_types(value: object) -> list[str]:
    if not isinstance(value, list):
        raise InvalidInput("must be a list of event types (empty: every type)", field="types")
    groups = {t.split(".")[0] for t in EVENT_TYPES}
    for i, name in enumerate(value):
        if not (name in EVENT_TYPES or (isinstance(name, str) and name.endswith(".*")
                                        and name[:-2] in groups)):
            raise InvalidInput(f"unknown event type; use one of {', '.join(EVENT_TYPES)} "
                               "or a group such as subscription.*", field=f"types[{i}]")
    return sorted(set(value))


def matches(types: Sequence[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to `types` (empty: all) receives `event_type`."""
    return not types or any(t == event_type or (t.endswith(".*") and
                                                event_type.startswith(t[:-1])) for t in types)


# deliveries -----------------------------------------------------------------------------------

def list_deliveries(uow: UnitOfWork, tenant: str, endpoint_id: str, *,
                    status: str | None = None, limit: int = 100,
                    cursor: str | None = None) -> Page[Row]:
    """Newest first; `cursor` continues after a previous page."""
    _endpoint(uow, tenant, endpoint_id)
    if status is not None and status not in ("pending", "delivered", "failed"):
        raise InvalidInput("must be pending, delivered or failed", field="status")
    rows = store.list_deliveries(uow.conn, tenant, endpoint_id, status=status,
                                 limit=max(1, min(limit, 1_000)), cursor=cursor)
    return Page([delivery_view(r) for r in rows], rows.next_cursor)


def retry_delivery(uow: UnitOfWork, now_ms: int, tenant: str, delivery_id: str) -> Row:
    """Make a failed (or waiting) delivery due now: one more attempt, with the same id."""
    row = store.get_delivery(uow.conn, tenant, delivery_id)
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id!r}", field="delivery")
    if row["status"] == "delivered":
        raise Conflict("this delivery was delivered already", field="delivery")
    if not _endpoint(uow, tenant, row["endpoint_id"])["active"]:
        raise Conflict("its endpoint was removed", field="delivery")
    values = {"status": "pending", "next_attempt_ms": now_ms}
    store.update_delivery(uow.conn, tenant, delivery_id, values)
    uow.commit()
    return delivery_view(row | values)


def delivery_view(row: Row) -> Row:
    return {"id": row["id"], "endpoint": row["endpoint_id"], "event_id": row["event_id"],
            "type": row["type"], "created_ms": row["created_ms"], "status": row["status"],
            "attempts": row["attempts"],
            "next_attempt_ms": row["next_attempt_ms"] if row["status"] == "pending" else None,
            "last_status_code": row["last_status_code"], "last_error": row["last_error"],
            "delivered_ms": row["delivered_ms"]}


# usage thresholds -----------------------------------------------------------------------------

def usage_threshold_reached(uow: UnitOfWork, now_ms: int, tenant: str, customer: str,
                            meter: str, threshold: Decimal, value: Decimal, *,
                            period_start_ms: int | None = None) -> bool:
    """Emit `usage.threshold_reached` if `value >= threshold`, in the caller's transaction
    (no commit). Reported once per (customer, meter, threshold, period): calling again, at any
    later value, emits nothing new. Returns whether the threshold is reached."""
    if value < threshold:
        return False
    period = "" if period_start_ms is None else f":{period_start_ms}"
    level = format(threshold.normalize(), "f")  # 100 and 100.0 are one threshold
    billing_store.emit(
        uow.conn, tenant, f"usage.threshold_reached:{customer}:{meter}:{level}{period}",
        "usage.threshold_reached",
        {"customer": customer, "meter": meter, "threshold": str(threshold),
         "value": str(value), "period_start_ms": period_start_ms}, now_ms)
    return True


# signatures -----------------------------------------------------------------------------------

def sign(secret: str, timestamp_s: int, body: bytes) -> str:
    """The `Monetiot-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t.body)>`."""
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return f"t={timestamp_s},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes | str, now: float,
                     tolerance_s: int = 300) -> bool:
    """For receivers: whether `header` (Monetiot-Signature) signs `body` (the raw request body)
    with `secret`, at a time within `tolerance_s` of `now` (unix seconds)."""
    raw = body.encode() if isinstance(body, str) else body
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, raw).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, c) for c in candidates)


# fan-out --------------------------------------------------------------------------------------

@dataclass
class FanOut:
    """How far the outbox has been fanned out; a worker keeps one between `dispatch` calls.

    Outbox ids come from a sequence on PostgreSQL: row 10 may commit after row 11 was seen, and
    some ids are never used (rollbacks, ON CONFLICT). Ids skipped over are kept as `gaps` and
    looked at again for `RECHECK_MS`. A fresh one starts a little before the lowest outbox id any
    active endpoint has a delivery for (from 0 if one has none yet): a re-scan is harmless.
    """

    scanned: int | None = None
    gaps: dict[int, int] = field(default_factory=dict)  # outbox id -> first missed (ms)


def fan_out(uow_factory: UowFactory, now_ms: int, state: FanOut | None = None,
            *, batch: int = FANOUT_BATCH) -> int:
    """Create the deliveries for new outbox rows; returns how many were new."""
    state = state if state is not None else FanOut()
    created = 0
    recheck = [i for i, seen in state.gaps.items() if seen > now_ms - RECHECK_MS]
    while True:
        with uow_factory() as uow:
            endpoints = store.active_endpoints(uow.conn)
            start = state.scanned if state.scanned is not None else _start(uow, endpoints)
            fresh = store.outbox_after(uow.conn, start, batch)
            found = [r for i in range(0, len(recheck), 500)
                     for r in store.outbox_by_ids(uow.conn, recheck[i:i + 500])]
            rows = _deliveries_for(endpoints, fresh + found, now_ms)
            created += store.insert_deliveries(uow.conn, rows)
            uow.commit()
        _advance(state, start, [r["id"] for r in fresh], {r["id"] for r in found}, now_ms)
        recheck = []
        if len(fresh) < batch:
            return created


def _start(uow: UnitOfWork, endpoints: Sequence[Row]) -> int:
    if not endpoints:
        return max(0, store.max_outbox_id(uow.conn) - 1_000)
    marks = [store.last_fanned_out(uow.conn, e["tenant_id"], e["id"]) for e in endpoints]
    return max(0, min(m or 0 for m in marks) - 1_000)


def _advance(state: FanOut, start: int, fresh: Sequence[int], found: set[int],
             now_ms: int) -> None:
    for outbox_id in found:
        state.gaps.pop(outbox_id, None)
    previous = start
    for outbox_id in fresh:
        for missing in range(previous + 1, min(outbox_id, previous + 10_001)):
            state.gaps.setdefault(missing, now_ms)
        previous = outbox_id
    state.scanned = previous
    expired = [i for i, seen in state.gaps.items() if seen <= now_ms - RECHECK_MS]
    for outbox_id in expired:
        del state.gaps[outbox_id]
    if len(state.gaps) > 50_000:  # keep the newest; a backlog that large is not in flight
        for outbox_id in sorted(state.gaps)[:-50_000]:
            del state.gaps[outbox_id]


def _deliveries_for(endpoints: Sequence[Row], events: Sequence[Row], now_ms: int) -> list[Row]:
    by_tenant: dict[str, list[tuple[Row, list[str]]]] = {}
    for e in endpoints:
        by_tenant.setdefault(e["tenant_id"], []).append((e, json.loads(e["types"])))
    rows = []
    for event in events:
        for endpoint, types in by_tenant.get(event["tenant_id"], []):
            if endpoint["created_ms"] <= event["created_ms"] and matches(types, event["type"]):
                rows.append({
                    "tenant_id": event["tenant_id"],
                    "id": delivery_id(event["tenant_id"], endpoint["id"], event["id"]),
                    "endpoint_id": endpoint["id"], "outbox_id": event["id"],
                    "status": "pending", "attempts": 0, "next_attempt_ms": now_ms,
                    "last_status_code": None, "last_error": None, "delivered_ms": None})
    return rows


def delivery_id(tenant: str, endpoint_id: str, outbox_id: int) -> str:
    """Stable, and the same from every worker that fans the event out."""
    digest = hashlib.sha256(f"{tenant}\0{endpoint_id}\0{outbox_id}".encode()).hexdigest()
    return f"whd_{digest[:32]}"


# sending --------------------------------------------------------------------------------------

class Transport(Protocol):
    """POSTs a body and returns the HTTP status; raises on network errors and timeouts."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int: ...


class HttpTransport:
    """httpx, with a timeout and without following redirects (a 3xx is not a delivery)."""

    def __init__(self, timeout_s: float = TIMEOUT_S) -> None:
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        return self._client.post(url, content=body, headers=dict(headers)).status_code

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@dataclass
class DispatchReport:
    fanned_out: int = 0
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def dispatch(uow_factory: UowFactory, now_ms: int, *, limit: int = 50,
             state: FanOut | None = None, transport: Transport | None = None,
             threads: int = 8) -> DispatchReport:
    """Fan out new events, then send up to `limit` due deliveries (in `threads` at once)."""
    report = DispatchReport(fanned_out=fan_out(uow_factory, now_ms, state))
    with uow_factory() as uow:
        claimed = store.claim_due(uow.conn, now_ms, limit, now_ms + LEASE_MS)
        uow.commit()
    report.claimed = len(claimed)
    if not claimed:
        return report
    if transport is None:
        with HttpTransport() as http:
            outcomes = _send_all(http, claimed, now_ms, threads)
    else:
        outcomes = _send_all(transport, claimed, now_ms, threads)
    with uow_factory() as uow:
        for row, values in zip(claimed, outcomes, strict=True):
            if store.finish_attempt(uow.conn, row["tenant_id"], row["id"], row["attempts"],
                                    values):
                if values.get("status") == "delivered":
                    report.delivered += 1
                elif values.get("status") == "failed":
                    report.failed += 1
                else:
                    report.retrying += 1
        uow.commit()
    return report


def _send_all(transport: Transport, claimed: Sequence[Row], now_ms: int,
              threads: int) -> list[Row]:
    if threads <= 1 or len(claimed) == 1:
        return [_attempt(transport, row, now_ms) for row in claimed]
    with ThreadPoolExecutor(max_workers=min(threads, len(claimed))) as pool:
        return list(pool.map(lambda row: _attempt(transport, row, now_ms), claimed))


def body_of(row: Row) -> bytes:
    """The JSON body; `data` is the stored payload as written (exact numbers stay text)."""
    return ('{"id":' + json.dumps(row["id"]) + ',"type":' + json.dumps(row["type"])
            + ',"created_ms":' + str(int(row["created_ms"])) + ',"data":' + str(row["payload"])
            + "}").encode()


def _attempt(transport: Transport, row: Row, now_ms: int) -> Row:
    """Send one claimed delivery; returns the values to record."""
    if not row["active"]:
        return {"status": "failed", "last_error": "endpoint removed"}
    body = body_of(row)
    headers = {"Content-Type": "application/json", "User-Agent": "monetiot-webhooks",
               "Monetiot-Delivery-Id": row["id"], "Monetiot-Event-Type": row["type"],
               SIGNATURE_HEADER: sign(row["secret"], now_ms // 1000, body)}
    code: int | None = None
    try:
        code = transport.post(row["url"], body, headers)
        error = None if 200 <= code < 300 else f"HTTP {code}"
    except Exception as exc:  # any failure of one endpoint is that delivery's, not the batch's
        error = f"{type(exc).__name__}: {exc}"[:500]
    if error is None:
        return {"status": "delivered", "delivered_ms": now_ms, "last_status_code": code,
                "last_error": None}
    values: Row = {"last_status_code": code, "last_error": error}
    attempts = int(row["attempts"])
    if attempts >= MAX_ATTEMPTS:
        return values | {"status": "failed"}
    return values | {"next_attempt_ms": now_ms + 1000 * BACKOFF_S[attempts - 1]}
