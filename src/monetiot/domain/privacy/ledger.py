"""The privacy ledger: what each differentially private release costs, and the budgets it spends.

A release's cost is its (epsilon, delta) as OpenDP states it (a Gaussian release's zCDP rho is
converted at the release's delta; rho is kept for the record). Releases compose sequentially:
a budget's spent epsilon and delta are the sums over the releases charged to it, which is an
upper bound under any mix of mechanisms.

Every release of a product to a buyer is charged to two budgets: the product's budget for that
buyer and the product's budget overall. `authorize` charges both or neither, and refuses a
release that would take either past its limit with an error naming the budget and what is left.

Invariants: budgets and costs are exact Decimals and never negative; spent <= budget for every
balance, always; a balance only changes through `charge`. The shapes map onto rows: one row per
balance (scope, limits, spent, releases), locked (SELECT ... FOR UPDATE, in `scopes` order) while
a release is authorised, and one append-only row per `LedgerEntry`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext

from monetiot.domain.errors import Conflict, InvalidInput, NotFound

MECHANISMS = ("laplace", "gaussian")
_PRECISION = 60  # sums of costs stay exact at this many digits


@dataclass(frozen=True)
class PrivacyCost:
    """What one release spends. `rho` is its zCDP cost (Gaussian releases only)."""

    epsilon: Decimal
    delta: Decimal = Decimal(0)
    rho: Decimal | None = None
    mechanism: str = "laplace"

    def __post_init__(self) -> None:
        _not_negative(self.epsilon, "epsilon")
        _not_negative(self.delta, "delta")
        if self.rho is not None:
            _not_negative(self.rho, "rho")


@dataclass(frozen=True)
class BudgetScope:
    """A product's budget for one buyer, or (buyer None) the product's budget overall."""

    product: str
    buyer: str | None = None

    def __str__(self) -> str:
        if self.buyer is None:
            return f"product '{self.product}' overall"
        return f"product '{self.product}' for buyer '{self.buyer}'"


def scopes(product: str, buyer: str) -> tuple[BudgetScope, BudgetScope]:
    """The two budgets a release to `buyer` spends, in the order they are locked and charged."""
    return BudgetScope(product, buyer), BudgetScope(product)


@dataclass(frozen=True)
class PrivacyBudget:
    scope: BudgetScope
    epsilon: Decimal
    delta: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _not_negative(self.epsilon, "epsilon", "a privacy budget")
        _not_negative(self.delta, "delta", "a privacy budget")


class BudgetExceeded(Conflict):
    """A release would take a budget past its limit; nothing was charged."""

    def __init__(self, balance: LedgerBalance, cost: PrivacyCost) -> None:
        budget = balance.budget
        over = "epsilon" if cost.epsilon > balance.remaining_epsilon else "delta"
        super().__init__(
            f"the privacy budget of {budget.scope} (epsilon {_text(budget.epsilon)}, delta "
            f"{_text(budget.delta)}) does not cover this release (epsilon {_text(cost.epsilon)}, "
            f"delta {_text(cost.delta)}): left epsilon {_text(balance.remaining_epsilon)}, "
            f"delta {_text(balance.remaining_delta)}", field=over)
        self.scope = budget.scope
        self.remaining_epsilon = balance.remaining_epsilon
        self.remaining_delta = balance.remaining_delta


@dataclass(frozen=True)
class LedgerBalance:
    """A budget and what has been spent under it (one row of the ledger)."""

    budget: PrivacyBudget
    spent_epsilon: Decimal = Decimal(0)
    spent_delta: Decimal = Decimal(0)
    releases: int = 0

    @property
    def remaining_epsilon(self) -> Decimal:
        return _exact(lambda: self.budget.epsilon - self.spent_epsilon)

    @property
    def remaining_delta(self) -> Decimal:
        return _exact(lambda: self.budget.delta - self.spent_delta)

    def charge(self, cost: PrivacyCost) -> LedgerBalance:
        """This balance after `cost`; BudgetExceeded if it does not fit."""
        if cost.epsilon > self.remaining_epsilon or cost.delta > self.remaining_delta:
            raise BudgetExceeded(self, cost)
        return replace(self,
                       spent_epsilon=_exact(lambda: self.spent_epsilon + cost.epsilon),
                       spent_delta=_exact(lambda: self.spent_delta + cost.delta),
                       releases=self.releases + 1)


def authorize(balances: Sequence[LedgerBalance], cost: PrivacyCost) -> tuple[LedgerBalance, ...]:
    """Every balance charged with `cost`, or BudgetExceeded (for the first that cannot take it)
    and nothing charged."""
    return tuple(balance.charge(cost) for balance in balances)


@dataclass(frozen=True)
class LedgerEntry:
    """One release, as charged (the append-only journal of the ledger)."""

    release: str
    product: str
    buyer: str
    cost: PrivacyCost


@dataclass(frozen=True)
class PrivacyLedger:
    """Balances by scope and the journal of releases: the ledger as a value, for use cases and
    tests. Storage keeps the same balances as rows and appends the same entries."""

    balances: Mapping[BudgetScope, LedgerBalance] = field(default_factory=dict)
    entries: tuple[LedgerEntry, ...] = ()

    def with_budget(self, budget: PrivacyBudget) -> PrivacyLedger:
        """The ledger with `budget` set; what was spent under its scope stays spent."""
        current = self.balances.get(budget.scope)
        balance = LedgerBalance(budget) if current is None else replace(current, budget=budget)
        return replace(self, balances={**self.balances, budget.scope: balance})

    def balance(self, scope: BudgetScope) -> LedgerBalance:
        try:
            return self.balances[scope]
        except KeyError:
            raise NotFound(f"no privacy budget for {scope}", field="budget") from None

    def record(self, release: str, product: str, buyer: str, cost: PrivacyCost) -> PrivacyLedger:
        """The ledger after a release to `buyer`: both budgets charged, or BudgetExceeded."""
        if any(entry.release == release for entry in self.entries):
            raise Conflict(f"release '{release}' is already in the ledger", field="release")
        charged = authorize([self.balance(scope) for scope in scopes(product, buyer)], cost)
        balances = dict(self.balances)
        for balance in charged:
            balances[balance.budget.scope] = balance
        return PrivacyLedger(balances, (*self.entries, LedgerEntry(release, product, buyer, cost)))


def _exact(compute: Callable[[], Decimal]) -> Decimal:
    with localcontext() as context:
        context.prec = _PRECISION
        return compute()


def _not_negative(value: Decimal, name: str, what: str = "a privacy cost") -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(f"{what} must be an exact finite decimal, got {value!r}", field=name)
    if value < 0:
        raise InvalidInput(f"{what} must not be negative, got {value}", field=name)


def _text(value: Decimal) -> str:
    return format(value, "f")
