"""Prepaid wallets: a balance that is the history of its transactions.

Grants (top-ups, credits from credit notes) may expire. Consumption spends the grant that expires
soonest first (grants without expiry last), so a customer never loses credit that could have
been spent. Invariants: the balance is never negative; an expired grant's unspent remainder is
no longer available; the result depends only on the transactions and the time asked about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from monetiot.domain.money import EXACT

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Entry:
    created_ms: int
    amount: Decimal  # > 0 grant, < 0 consumption or refund
    expires_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    created_ms: int
    expires_ms: int | None
    remaining: Decimal


@dataclass(slots=True)
class _Open:
    created_ms: int
    expires_ms: int | None
    remaining: Decimal

    def usable_at(self, ms: int) -> bool:
        return self.expires_ms is None or self.expires_ms > ms


def grants_at(entries: Sequence[Entry], at_ms: int) -> list[Grant]:
    """What is left of each grant at `at_ms`, spending in order of time, soonest expiry first."""
    grants: list[_Open] = []
    for entry in sorted(entries, key=lambda e: (e.created_ms, -e.amount)):
        if entry.created_ms > at_ms:
            break
        if entry.amount > 0:
            grants.append(_Open(entry.created_ms, entry.expires_ms, entry.amount))
            continue
        owed = -entry.amount
        usable = [g for g in grants if g.usable_at(entry.created_ms) and g.remaining > 0]
        usable.sort(key=lambda g: (g.expires_ms is None, g.expires_ms or 0))
        for grant in usable:
            if owed <= 0:
                break
            take = min(owed, grant.remaining)
            grant.remaining = EXACT.subtract(grant.remaining, take)
            owed = EXACT.subtract(owed, take)
    return [Grant(g.created_ms, g.expires_ms, g.remaining)
            for g in grants if g.remaining > 0 and g.usable_at(at_ms)]


def balance(entries: Sequence[Entry], at_ms: int) -> Decimal:
    return sum((g.remaining for g in grants_at(entries, at_ms)), ZERO)
