"""Billing runs on PostgreSQL at the same time, or killed half-way and run again, bill every
boundary of every subscription exactly once and number the invoices 1..N with no gap.

Each subscription (Basic: a fee in advance, usage in arrears, from January 1) has two boundaries
by February 1: January 1 (January's fee) and February 1 (January's usage, February's fee).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal

import psycopg
import pytest
from test_billing_support import BASIC, Book, utc

from monetiot.bootstrap import Platform, bootstrap
from monetiot.domain.clock import FixedClock
from monetiot.services import billing, credits, fleet, subscriptions
from monetiot.settings import Settings

D = Decimal
JAN, FEB = utc("2026-01-01"), utc("2026-02-01")

RUNNER = """
import sys
from monetiot.bootstrap import bootstrap
from monetiot.services import billing
from monetiot.settings import Settings
plat = bootstrap(Settings(database_url=sys.argv[1]), migrate=False)
if len(sys.argv) > 4:  # start together: say ready, wait for the word
    print("ready", flush=True)
    sys.stdin.readline()
report = billing.run(plat.uow, int(sys.argv[2]), batch=int(sys.argv[3]))
print(len(report.invoices), len(report.errors))
"""


@pytest.fixture
def plat(pg_url: str) -> Platform:
    platform = bootstrap(Settings(database_url=pg_url), clock=FixedClock(utc("2025-12-01")))
    yield platform  # type: ignore[misc]
    platform.close()


def populate(plat: Platform, n: int) -> Book:
    book = Book(plat)
    book.plan(BASIC)
    with plat.uow() as uow:  # each service call commits; the next statement begins again
        for i in range(n):
            fleet.create_customer(uow, book.now, book.tenant, {"id": f"c{i:04d}"})
            subscriptions.create(uow, book.now, book.tenant, {
                "id": f"s{i:04d}", "customer": f"c{i:04d}", "plan": "basic", "start_ms": JAN})
    book.customer("metered", devices=1)
    book.subscribe("metered", "basic", JAN, sub="s-metered")
    book.usage("metered-d1", (utc("2026-01-10"), "150"))
    return book


def check_billed_once(plat: Platform, subs: int) -> None:
    with psycopg.connect(plat.settings.database_url) as conn:
        rows = conn.execute("SELECT subscription_id, boundary_ms, number, status "
                            "FROM invoices WHERE tenant_id = 'acme'").fetchall()
        billed = conn.execute("SELECT DISTINCT billed_until_ms FROM subscriptions").fetchall()
        lines = conn.execute("SELECT count(*) FROM invoice_lines il LEFT JOIN invoices i "
                             "ON i.id = il.invoice_id WHERE i.id IS NULL").fetchone()
    per_boundary = Counter((sub, boundary) for sub, boundary, _, _ in rows)
    assert set(per_boundary.values()) == {1}
    assert set(per_boundary) == {(f"s{i:04d}", b) for i in range(subs) for b in (JAN, FEB)} | {
        ("s-metered", JAN), ("s-metered", FEB)}
    numbers = sorted(int(number.removeprefix("INV-")) for _, _, number, _ in rows)
    assert numbers == list(range(1, len(rows) + 1))  # gap-free, no duplicate
    assert {status for *_, status in rows} == {"finalized"}
    assert billed == [(FEB + 1,)]
    assert lines == (0,)


def test_two_concurrent_runs_bill_each_boundary_once(plat: Platform) -> None:
    subs = 100
    book = populate(plat, subs)
    barrier = threading.Barrier(2)
    reports: list[billing.RunReport] = []

    def one_run() -> None:
        own = bootstrap(Settings(database_url=plat.settings.database_url), migrate=False)
        try:
            barrier.wait()
            reports.append(billing.run(own.uow, FEB, batch=25))
        finally:
            own.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(reports) == 2
    assert [r.errors for r in reports] == [[], []]
    created = reports[0].invoices + reports[1].invoices
    assert len(created) == len(set(created)) == 2 * (subs + 1)
    check_billed_once(plat, subs)
    metered = [x for i in book.invoices("s-metered") for x in i["lines"] if x["kind"] == "usage"]
    assert [(x["quantity"], x["amount_due"]) for x in metered] == [("150", "25.00")]


def test_two_concurrent_processes_bill_each_boundary_once(plat: Platform) -> None:
    subs = 80
    populate(plat, subs)
    url = plat.settings.database_url
    procs = [subprocess.Popen([sys.executable, "-c", RUNNER, url, str(FEB), "25", "gate"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(int(out[0]) for out in outs) == 2 * (subs + 1)
    assert [out[1] for out in outs] == ["0", "0"]
    check_billed_once(plat, subs)


def test_a_killed_run_resumes_without_duplicates(plat: Platform) -> None:
    """SIGKILL a billing process once it has committed some invoices; the run that follows
    bills the rest, each boundary once, numbers still gap-free."""
    subs = 200
    populate(plat, subs)
    url = plat.settings.database_url
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, url, str(FEB), "20"],
                            stdout=subprocess.DEVNULL, env=os.environ.copy())
    committed = 0
    with psycopg.connect(url, autocommit=True) as conn:
        deadline = time.monotonic() + 60
        while committed < 40 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
            committed = conn.execute("SELECT count(*) FROM invoices").fetchone()[0]  # type: ignore[index]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    with psycopg.connect(url) as conn:
        partial = conn.execute("SELECT count(*), count(DISTINCT number) FROM invoices "
                               "WHERE status = 'finalized'").fetchone()
    assert partial is not None and 0 < partial[0] < 2 * (subs + 1)
    assert partial[0] == partial[1]
    report = billing.run(plat.uow, FEB)
    assert report.errors == []
    assert len(report.invoices) == 2 * (subs + 1) - partial[0]
    check_billed_once(plat, subs)


def waiting_on_a_lock(plat: Platform, done: threading.Event, timeout: float = 10) -> None:
    """Until `done`, or until another session of this database waits for a row lock."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(plat.settings.database_url, autocommit=True) as conn:
        while not done.is_set() and time.monotonic() < deadline:
            blocked = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'").fetchone()
            if blocked and blocked[0]:
                return
            time.sleep(0.01)


def test_two_invoices_of_one_customer_at_once_spend_the_wallet_once(plat: Platform) -> None:
    """A customer with 30.00 of prepaid credit and two subscriptions (31.00 each, in advance)
    billed by two transactions at the same time (two billing workers, or a plan change while a
    run goes by): together they may spend 30.00, not 30.00 each."""
    book = Book(plat)
    book.plan(BASIC)
    book.customer("c1", devices=0)
    first = book.subscribe("c1", "basic", JAN, sub="s1")
    second = book.subscribe("c1", "basic", JAN, sub="s2")
    book.top_up("c1", "30")
    held = plat.uow()
    with held as uow:  # the first invoice is made, not yet committed...
        billing.bill_subscription(uow, JAN, book.tenant, first, commit=False)
        done = threading.Event()

        def other() -> None:  # ...while the second customer invoice is made and committed
            try:
                with plat.uow() as uow2:
                    billing.bill_subscription(uow2, JAN, book.tenant, second)
            finally:
                done.set()

        thread = threading.Thread(target=other)
        thread.start()
        waiting_on_a_lock(plat, done)  # it may wait for the first: that is a fine answer
        uow.commit()
        thread.join(timeout=30)
    spent = -sum((D(x["amount_due"]) for i in book.invoices() for x in i["lines"]
                  if x["kind"] == "credit"), D(0))
    assert spent == D("30.00")
    with plat.uow(readonly=True) as uow:  # as of the billing, which is after the top-up
        assert credits.wallet_balance(uow, book.tenant, "c1", "EUR", JAN) == 0
    with plat.uow(readonly=True) as uow:
        entries = credits.wallet_entries(uow, book.tenant, "c1", "EUR")
    assert sum((e["amount"] for e in entries), D(0)) == 0
