"""Prepaid wallets: grants spent soonest-expiring first, expiry, and a balance never below zero."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from monetiot.domain.billing.wallet import Entry, balance, grants_at

D = Decimal
DAY = 86_400_000


def test_consumption_spends_the_grant_that_expires_first() -> None:
    entries = [Entry(0, D(50)),  # never expires
               Entry(1, D(30), expires_ms=10 * DAY),
               Entry(2, D(-40))]
    left = grants_at(entries, 3)
    assert [(g.expires_ms, g.remaining) for g in left] == [(None, D(40))]
    assert balance(entries, 3) == D(40)


def test_an_expired_grant_is_gone_and_what_was_spent_from_it_stays_spent() -> None:
    entries = [Entry(0, D(30), expires_ms=10 * DAY), Entry(1, D(20)), Entry(2, D(-10))]
    assert balance(entries, 9 * DAY) == D(40)
    assert balance(entries, 10 * DAY) == D(20)  # the 20 left of the expiring grant lapsed


def test_consumption_after_expiry_cannot_use_the_expired_grant() -> None:
    entries = [Entry(0, D(30), expires_ms=5 * DAY), Entry(1, D(20)), Entry(6 * DAY, D(-15))]
    assert balance(entries, 7 * DAY) == D(5)


def test_the_balance_depends_only_on_the_entries_up_to_the_time_asked() -> None:
    entries = [Entry(0, D(10)), Entry(5 * DAY, D(-4))]
    assert balance(entries, DAY) == D(10)
    assert balance(entries, 6 * DAY) == D(6)
    assert balance(list(reversed(entries)), 6 * DAY) == D(6)


@given(st.lists(st.tuples(st.integers(0, 30), st.decimals(D(-100), D(100), places=2),
                          st.one_of(st.none(), st.integers(1, 40))), max_size=20),
       st.integers(0, 45))
def test_the_balance_is_never_negative_nor_more_than_was_granted(
        raw: list[tuple[int, Decimal, int | None]], day: int) -> None:
    entries = [Entry(t * DAY, amount, None if exp is None else (t + exp) * DAY)
               for t, amount, exp in raw if amount != 0]
    at = day * DAY
    value = balance(entries, at)
    assert value >= 0
    assert value <= sum((e.amount for e in entries if e.amount > 0 and e.created_ms <= at), D(0))
    assert all(g.remaining > 0 for g in grants_at(entries, at))
