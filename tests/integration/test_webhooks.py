"""Webhooks delivered to a real HTTP receiver on 127.0.0.1, on SQLite and PostgreSQL.

An event a change emits reaches every matching endpoint of its tenant, signed, once; a receiver
that fails is tried again after the backoff with the same delivery id; a receiver that keeps
failing is given up on after MAX_ATTEMPTS; other tenants' endpoints never see it; dispatchers
running at once never send a delivery twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

from test_webhooks_support import (
    Receiver,
    deliveries,
    dispatch,
    emit,
    endpoint,
    now_s,
    receiver,  # noqa: F401 - fixture
    tenants,
)

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.services import billing, catalog, fleet, subscriptions, webhooks

PLAN = {"id": "basic", "name": "Basic", "currency": "EUR", "billing_period": "monthly",
        "recurring": [{"id": "fee", "name": "Platform fee", "kind": "flat", "price": "19.90",
                       "timing": "in_advance"}]}


def bill_one_subscription(platform: Platform, tenant: str) -> str:
    """A customer on `basic` from now, billed: one finalized invoice in advance."""
    now = platform.clock.now_ms()
    with platform.uow() as uow:
        fleet.create_customer(uow, now, tenant, {"id": "c1"})
    with platform.uow() as uow:
        catalog.apply_plan(uow, now, tenant, PLAN)
    with platform.uow() as uow:
        subscriptions.create(uow, now, tenant, {"id": "s1", "customer": "c1", "plan": "basic",
                                            "anchor": "anniversary"})
    (invoice,) = billing.run(platform.uow, now, tenant).invoices
    return invoice


def test_a_finalized_invoice_is_delivered_once_and_signed(
        platform: Platform, clock: FixedClock, receiver: Receiver) -> None:  # noqa: F811
    tenants(platform, "acme")
    hook = endpoint(platform, "acme", receiver.url("/hooks"), ["invoice.finalized"])
    invoice = bill_one_subscription(platform, "acme")

    report = dispatch(platform)
    assert (report.fanned_out, report.delivered) == (1, 1)
    (got,) = receiver.received()
    assert got.headers["monetiot-event-type"] == "invoice.finalized"
    assert got.headers["content-type"] == "application/json"
    assert webhooks.verify_signature(hook["secret"], got.headers["monetiot-signature"],
                                     got.body, now=now_s(clock))
    assert not webhooks.verify_signature(hook["secret"], got.headers["monetiot-signature"],
                                         got.body + b" ", now=now_s(clock))
    body = got.json()
    assert body["id"] == got.delivery_id and body["type"] == "invoice.finalized"
    assert body["created_ms"] == clock.now_ms()
    assert body["data"]["invoice"]["id"] == invoice
    assert body["data"]["invoice"]["total"] == "19.90"  # exact text, never a float
    assert body["data"]["invoice"]["number"] == "INV-000001"

    again = dispatch(platform)  # a fresh fan-out re-scans the outbox: nothing new
    assert (again.fanned_out, again.claimed) == (0, 0)  # delivered: never sent again
    clock.advance(3_600_000)
    assert dispatch(platform).claimed == 0
    assert len(receiver.received()) == 1
    (row,) = deliveries(platform, "acme", hook["id"])
    assert (row["id"], row["status"], row["attempts"], row["last_status_code"]) == (
        got.delivery_id, "delivered", 1, 200)
    assert row["event_id"] == f"invoice.finalized:{invoice}"


def test_a_failing_receiver_gets_the_same_delivery_after_the_backoff(
        platform: Platform, clock: FixedClock, receiver: Receiver) -> None:  # noqa: F811
    tenants(platform, "acme")
    hook = endpoint(platform, "acme", receiver.url("/flaky"))
    receiver.answer("/flaky", 500)
    emit(platform, "acme", "invoice.paid:inv_1", "invoice.paid", {"invoice": {"id": "inv_1"}})

    first = dispatch(platform)
    assert (first.claimed, first.retrying, first.delivered) == (1, 1, 0)
    (row,) = deliveries(platform, "acme", hook["id"])
    assert (row["status"], row["attempts"], row["last_status_code"], row["last_error"]) == (
        "pending", 1, 500, "HTTP 500")
    assert row["next_attempt_ms"] == clock.now_ms() + 30_000

    clock.advance(29_999)
    assert dispatch(platform).claimed == 0  # not due yet
    clock.advance(1)
    assert dispatch(platform).delivered == 1
    one, two = receiver.received("/flaky")
    assert one.delivery_id == two.delivery_id == one.json()["id"] == two.json()["id"]
    assert one.json()["data"] == two.json()["data"]
    # each attempt is signed at its own time
    assert webhooks.verify_signature(hook["secret"], two.headers["monetiot-signature"],
                                     two.body, now=now_s(clock))
    assert not webhooks.verify_signature(hook["secret"], one.headers["monetiot-signature"],
                                         one.body, now=now_s(clock) + 301 - 30)
    (row,) = deliveries(platform, "acme", hook["id"])
    assert (row["status"], row["attempts"], row["delivered_ms"], row["last_error"]) == (
        "delivered", 2, clock.now_ms(), None)


def test_a_receiver_that_keeps_failing_is_given_up_on_then_retried_by_hand(
        platform: Platform, clock: FixedClock, receiver: Receiver) -> None:  # noqa: F811
    tenants(platform, "acme")
    hook = endpoint(platform, "acme", receiver.url("/down"))
    receiver.answer("/down", *([503] * webhooks.MAX_ATTEMPTS))
    emit(platform, "acme", "subscription.created:s1", "subscription.created",
         {"subscription": "s1"})
    waits = []
    for _ in range(webhooks.MAX_ATTEMPTS):
        before = clock.now_ms()
        assert dispatch(platform).claimed == 1
        (row,) = deliveries(platform, "acme", hook["id"])
        if row["status"] == "pending":
            waits.append((row["next_attempt_ms"] - before) // 1000)
            clock.at_ms = row["next_attempt_ms"]
    assert waits == list(webhooks.BACKOFF_S)
    (row,) = deliveries(platform, "acme", hook["id"])
    assert (row["status"], row["attempts"], row["last_error"], row["next_attempt_ms"]) == (
        "failed", webhooks.MAX_ATTEMPTS, "HTTP 503", None)
    clock.advance(30 * 86_400_000)
    assert dispatch(platform).claimed == 0  # failed stays failed
    assert len({r.delivery_id for r in receiver.received()}) == 1
    assert len(receiver.received()) == webhooks.MAX_ATTEMPTS

    with platform.uow() as uow:
        retried = webhooks.retry_delivery(uow, clock.now_ms(), "acme", row["id"])
    assert retried["status"] == "pending"
    assert dispatch(platform).delivered == 1  # the receiver is back up
    assert receiver.received()[-1].delivery_id == row["id"]
    assert deliveries(platform, "acme", hook["id"])[0]["status"] == "delivered"


def test_a_dead_address_counts_as_a_failed_attempt(platform: Platform,
                                                   clock: FixedClock) -> None:
    tenants(platform, "acme")
    closed = Receiver()
    url = closed.url("/gone")
    closed.close()  # nothing listens there any more
    hook = endpoint(platform, "acme", url)
    emit(platform, "acme", "e1", "invoice.paid", {})
    assert dispatch(platform).retrying == 1
    (row,) = deliveries(platform, "acme", hook["id"])
    assert row["last_status_code"] is None and row["last_error"].startswith("ConnectError")


def test_types_filter_and_tenants_decide_who_receives_what(
        platform: Platform, clock: FixedClock, receiver: Receiver) -> None:  # noqa: F811
    tenants(platform, "acme", "bolt")
    endpoint(platform, "acme", receiver.url("/all"))
    endpoint(platform, "acme", receiver.url("/subs"), ["subscription.*"])
    endpoint(platform, "acme", receiver.url("/usage"), ["usage.threshold_reached",
                                                        "invoice.paid"])
    endpoint(platform, "bolt", receiver.url("/bolt"))
    removed = endpoint(platform, "acme", receiver.url("/removed"))
    with platform.uow() as uow:
        webhooks.remove_endpoint(uow, "acme", removed["id"])

    emit(platform, "acme", "invoice.finalized:i1", "invoice.finalized", {"invoice": "i1"})
    emit(platform, "acme", "subscription.changed:s1:1", "subscription.changed", {"s": "s1"})
    with platform.uow() as uow:
        assert not webhooks.usage_threshold_reached(uow, clock.now_ms(), "acme", "c1", "kwh",
                                                    Decimal("100"), Decimal("99.5"))
        assert webhooks.usage_threshold_reached(uow, clock.now_ms(), "acme", "c1", "kwh",
                                                Decimal("100"), Decimal("100.25"))
        uow.commit()
    with platform.uow() as uow:  # the same crossing again: reported once
        assert webhooks.usage_threshold_reached(uow, clock.now_ms(), "acme", "c1", "kwh",
                                                Decimal("100.00"), Decimal("180"))
        uow.commit()

    report = dispatch(platform)
    assert (report.fanned_out, report.delivered) == (5, 5)
    types = {path: sorted(r.json()["type"] for r in receiver.received(path))
             for path in ("/all", "/subs", "/usage", "/bolt", "/removed")}
    assert types == {
        "/all": ["invoice.finalized", "subscription.changed", "usage.threshold_reached"],
        "/subs": ["subscription.changed"],
        "/usage": ["usage.threshold_reached"],
        "/bolt": [],
        "/removed": [],
    }
    (usage,) = receiver.received("/usage")
    assert usage.json()["data"] == {"customer": "c1", "meter": "kwh", "threshold": "100",
                                    "value": "100.25", "period_start_ms": None}
    # one event, two endpoints: two deliveries, two ids
    assert len({r.delivery_id for r in receiver.received()}) == 5

    emit(platform, "bolt", "invoice.finalized:i1", "invoice.finalized", {"invoice": "bolt"})
    assert dispatch(platform).delivered == 1
    (bolt,) = receiver.received("/bolt")
    assert bolt.json()["data"] == {"invoice": "bolt"}
    assert len(receiver.received()) == 6


def test_an_endpoint_receives_only_events_from_after_it_was_added(
        platform: Platform, clock: FixedClock, receiver: Receiver) -> None:  # noqa: F811
    tenants(platform, "acme")
    emit(platform, "acme", "old", "invoice.paid", {"n": 1})
    clock.advance(1000)
    endpoint(platform, "acme", receiver.url("/new"))
    emit(platform, "acme", "new", "invoice.paid", {"n": 2})
    assert dispatch(platform).delivered == 1
    assert [r.json()["data"] for r in receiver.received()] == [{"n": 2}]


def test_removing_an_endpoint_fails_what_it_had_pending(
        platform: Platform, clock: FixedClock, receiver: Receiver) -> None:  # noqa: F811
    tenants(platform, "acme")
    hook = endpoint(platform, "acme", receiver.url("/bye"))
    receiver.answer("/bye", 500)
    emit(platform, "acme", "e1", "invoice.paid", {})
    dispatch(platform)
    with platform.uow() as uow:
        webhooks.remove_endpoint(uow, "acme", hook["id"])
    clock.advance(3_600_000)
    emit(platform, "acme", "e2", "invoice.paid", {})
    assert dispatch(platform).claimed == 0
    (row,) = deliveries(platform, "acme", hook["id"])
    assert (row["status"], row["last_error"]) == ("failed", "endpoint removed")
    assert len(receiver.received()) == 1


def test_dispatchers_running_at_once_never_send_a_delivery_twice(
        platform: Platform, clock: FixedClock) -> None:
    slow = Receiver(delay_s=0.005)  # keeps sends in flight while other workers claim
    try:
        tenants(platform, "acme", "bolt")
        hooks = [(tenant, endpoint(platform, tenant, slow.url(f"/{tenant}{path}"))["id"])
                 for tenant in ("acme", "bolt") for path in ("/a", "/b")]
        for i in range(40):
            emit(platform, "acme" if i % 2 else "bolt", f"e{i}", "invoice.paid", {"i": i})
        start = threading.Barrier(4)
        errors: list[BaseException] = []
        claimed = [0] * 4

        def worker(n: int) -> None:
            state = webhooks.FanOut()
            start.wait()
            try:
                while report := webhooks.dispatch(platform.uow, clock.now_ms(), limit=7,
                                                  state=state):
                    if not report.claimed:
                        break
                    claimed[n] += report.claimed
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        sent = Counter(r.delivery_id for r in slow.received())
        assert len(sent) == 80  # 40 events x 2 endpoints of their tenant
        assert max(sent.values()) == 1, [k for k, n in sent.items() if n > 1]
        assert sum(claimed) == 80 and sum(1 for n in claimed if n) >= 2, claimed
        assert dispatch(platform).claimed == 0
        assert {d["status"] for tenant, hook in hooks
                for d in deliveries(platform, tenant, hook)} == {"delivered"}
    finally:
        slow.close()


def test_an_event_committed_after_a_later_one_was_sent_is_still_delivered(
        pg_url: str, clock: FixedClock, receiver: Receiver) -> None:  # noqa: F811
    """PostgreSQL hands out outbox ids at insert, not at commit: id 1 may commit after id 2
    was fanned out. The worker's fan-out state remembers the gap and looks at it again."""
    from monetiot.bootstrap import bootstrap
    from monetiot.settings import Settings
    from monetiot.store import billing as billing_store

    platform = bootstrap(Settings(database_url=pg_url), clock=clock)
    try:
        tenants(platform, "acme")
        endpoint(platform, "acme", receiver.url("/in"))
        state = webhooks.FanOut()
        with platform.uow() as slow:
            billing_store.emit(slow.conn, "acme", "late", "invoice.paid", {"n": "late"},
                               clock.now_ms())
            emit(platform, "acme", "early", "invoice.paid", {"n": "early"})
            assert dispatch(platform, state=state).delivered == 1
            slow.commit()
        clock.advance(1_000)
        assert dispatch(platform, state=state).delivered == 1
        assert [r.json()["data"]["n"] for r in receiver.received()] == ["early", "late"]
        assert state.gaps == {}
    finally:
        platform.close()
