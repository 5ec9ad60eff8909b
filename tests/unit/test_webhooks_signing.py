"""Webhook signatures, type filters and bodies: what a receiver relies on, without I/O.

`Monetiot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; a
receiver accepts a body only with the right secret, the exact bytes, and a fresh timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from monetiot.services.webhooks import (
    BACKOFF_S,
    MAX_ATTEMPTS,
    body_of,
    delivery_id,
    matches,
    sign,
    verify_signature,
)

SECRET = "whsec_test"
BODY = b'{"id":"whd_1","type":"invoice.paid","created_ms":1,"data":{"total":"19.90"}}'
T = 1_795_000_000


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, T, BODY) == f"t={T},v1={expected}"


def test_a_receiver_accepts_only_the_exact_body_with_the_right_secret_in_time() -> None:
    header = sign(SECRET, T, BODY)
    assert verify_signature(SECRET, header, BODY, now=T)
    assert verify_signature(SECRET, header, BODY.decode(), now=T + 300)  # text body works too
    assert verify_signature(SECRET, header, BODY, now=T - 300)
    assert not verify_signature(SECRET, header, BODY, now=T + 301)  # replayed too late
    assert not verify_signature(SECRET, header, BODY, now=T - 301)
    assert not verify_signature(SECRET, header, BODY, now=T + 3_600, tolerance_s=3_000)
    assert not verify_signature("whsec_other", header, BODY, now=T)
    assert not verify_signature(SECRET, header, BODY.replace(b"19.90", b"19.91"), now=T)
    assert not verify_signature(SECRET, header.replace(f"t={T}", f"t={T + 1}"), BODY,
                                now=T)


@pytest.mark.parametrize("header", ["", "v1=abc", f"t={T}", f"t=soon,v1={'0' * 64}",
                                    f"t={T},v1=", "garbage", f"t=-{T},v1=00"])
def test_malformed_headers_never_verify(header: str) -> None:
    assert not verify_signature(SECRET, header, BODY, now=T)


def test_any_of_several_v1_signatures_may_match() -> None:
    good = sign(SECRET, T, BODY).split("v1=")[1]
    assert verify_signature(SECRET, f"t={T}, v1={'0' * 64}, v1={good}", BODY, now=T)


@pytest.mark.parametrize(("types", "event", "expected"), [
    ([], "invoice.paid", True),
    (["invoice.paid"], "invoice.paid", True),
    (["invoice.paid"], "invoice.finalized", False),
    (["subscription.*"], "subscription.canceled", True),
    (["subscription.*"], "subscriptions.x", False),
    (["invoice.finalized", "usage.*"], "usage.threshold_reached", True),
])
def test_types_select_events(types: list[str], event: str, expected: bool) -> None:
    assert matches(types, event) is expected


def test_the_body_carries_the_stored_payload_as_written() -> None:
    row = {"id": "whd_1", "type": "invoice.paid", "created_ms": 5,
           "payload": '{"total":"19.90","n":12345678901234567890}'}
    body = body_of(row)
    assert body == (b'{"id":"whd_1","type":"invoice.paid","created_ms":5,'
                    b'"data":{"total":"19.90","n":12345678901234567890}}')
    assert json.loads(body)["data"]["n"] == 12345678901234567890


def test_delivery_ids_are_stable_and_distinct_per_endpoint_and_event() -> None:
    assert delivery_id("acme", "we_1", 7) == delivery_id("acme", "we_1", 7)
    ids = {delivery_id(t, e, o) for t in ("acme", "bolt") for e in ("we_1", "we_2")
           for o in (7, 8)}
    assert len(ids) == 8 and all(i.startswith("whd_") and len(i) <= 40 for i in ids)


def test_the_retry_schedule_grows_and_ends() -> None:
    assert list(BACKOFF_S[:5]) == [30, 120, 600, 3_600, 21_600]
    assert list(BACKOFF_S) == sorted(BACKOFF_S) and max(BACKOFF_S) == 86_400
    assert MAX_ATTEMPTS == 10
