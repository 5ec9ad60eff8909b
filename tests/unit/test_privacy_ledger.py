"""The privacy ledger: two budgets per release (the product's for the buyer, the product's
overall), charged both or neither; a release past either is refused naming the budget and what
is left; whatever the sequence of releases, no budget is ever exceeded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.privacy import (
    BudgetExceeded,
    BudgetScope,
    PrivacyBudget,
    PrivacyCost,
    PrivacyLedger,
    scopes,
)


def ledger(buyer_epsilon: str = "1", product_epsilon: str = "1.5",
           delta: str = "0.00001") -> PrivacyLedger:
    return (PrivacyLedger()
            .with_budget(PrivacyBudget(BudgetScope("meters-hourly", "acme-utility"),
                                       Decimal(buyer_epsilon), Decimal(delta)))
            .with_budget(PrivacyBudget(BudgetScope("meters-hourly", "city-lab"),
                                       Decimal(buyer_epsilon), Decimal(delta)))
            .with_budget(PrivacyBudget(BudgetScope("meters-hourly"), Decimal(product_epsilon),
                                       Decimal(delta))))


GAUSSIAN = PrivacyCost(Decimal("0.42994146883694934"), Decimal("0.000001"), Decimal("0.005"),
                       "gaussian")


def test_a_release_is_charged_to_the_buyers_and_the_products_budget() -> None:
    after = ledger().record("r1", "meters-hourly", "acme-utility", GAUSSIAN)
    buyer, overall = (after.balance(s) for s in scopes("meters-hourly", "acme-utility"))
    assert buyer.spent_epsilon == overall.spent_epsilon == Decimal("0.42994146883694934")
    assert buyer.remaining_epsilon == Decimal("0.57005853116305066")
    assert overall.releases == 1 and after.entries[0].release == "r1"
    untouched = after.balance(BudgetScope("meters-hourly", "city-lab"))
    assert untouched.spent_epsilon == 0


def test_past_the_buyers_budget_the_error_names_it_and_what_is_left() -> None:
    state = ledger()
    state = state.record("r1", "meters-hourly", "acme-utility", GAUSSIAN)
    state = state.record("r2", "meters-hourly", "acme-utility", GAUSSIAN)
    with pytest.raises(BudgetExceeded) as caught:
        state.record("r3", "meters-hourly", "acme-utility", GAUSSIAN)
    assert str(caught.value) == (
        "epsilon: the privacy budget of product 'meters-hourly' for buyer 'acme-utility' "
        "(epsilon 1, delta 0.00001) does not cover this release (epsilon 0.42994146883694934, "
        "delta 0.000001): left epsilon 0.14011706232610132, delta 0.000008")
    assert caught.value.scope == BudgetScope("meters-hourly", "acme-utility")


def test_past_the_products_overall_budget_nothing_is_charged() -> None:
    state = ledger(product_epsilon="1.2")
    state = state.record("r1", "meters-hourly", "acme-utility", GAUSSIAN)
    state = state.record("r2", "meters-hourly", "acme-utility", GAUSSIAN)
    with pytest.raises(BudgetExceeded) as caught:  # city-lab's own budget is untouched
        state.record("r3", "meters-hourly", "city-lab", GAUSSIAN)
    assert str(caught.value).startswith(
        "epsilon: the privacy budget of product 'meters-hourly' overall (epsilon 1.2, ")
    assert str(caught.value).endswith("left epsilon 0.34011706232610132, delta 0.000008")
    assert state.balance(BudgetScope("meters-hourly", "city-lab")).spent_epsilon == 0
    assert len(state.entries) == 2


def test_delta_is_a_budget_too() -> None:
    state = ledger(delta="0.0000015")
    state = state.record("r1", "meters-hourly", "acme-utility", GAUSSIAN)
    with pytest.raises(BudgetExceeded) as caught:
        state.record("r2", "meters-hourly", "acme-utility", GAUSSIAN)
    assert caught.value.field == "delta"
    assert str(caught.value).endswith("left epsilon 0.57005853116305066, delta 0.0000005")


def test_bad_budgets_and_unknown_scopes_are_refused() -> None:
    with pytest.raises(InvalidInput) as negative:
        PrivacyBudget(BudgetScope("p"), Decimal("-1"))
    assert str(negative.value) == "epsilon: a privacy budget must not be negative, got -1"
    with pytest.raises(InvalidInput):
        PrivacyCost(Decimal("0.1"), Decimal("-0.1"))
    with pytest.raises(NotFound) as missing:
        ledger().record("r1", "meters-hourly", "stranger", GAUSSIAN)
    assert str(missing.value) == ("budget: no privacy budget for product 'meters-hourly' for "
                                  "buyer 'stranger'")
    state = ledger().record("r1", "meters-hourly", "acme-utility", GAUSSIAN)
    with pytest.raises(Conflict):
        state.record("r1", "meters-hourly", "acme-utility", GAUSSIAN)


def test_raising_a_budget_keeps_what_was_spent() -> None:
    state = ledger().record("r1", "meters-hourly", "acme-utility", GAUSSIAN)
    raised = state.with_budget(PrivacyBudget(BudgetScope("meters-hourly", "acme-utility"),
                                             Decimal(3), Decimal("0.00001")))
    balance = raised.balance(BudgetScope("meters-hourly", "acme-utility"))
    assert balance.spent_epsilon == GAUSSIAN.epsilon and balance.budget.epsilon == 3


COSTS = st.builds(
    PrivacyCost,
    st.decimals(min_value=0, max_value=Decimal("0.7"), places=6),
    st.sampled_from([Decimal(0), Decimal("0.000001"), Decimal("0.000003")]))
BUYERS = st.sampled_from(["acme-utility", "city-lab"])


@given(st.lists(st.tuples(BUYERS, COSTS), max_size=30))
def test_no_sequence_of_releases_takes_a_budget_past_its_limit(
        releases: list[tuple[str, PrivacyCost]]) -> None:
    state = ledger()
    for i, (buyer, cost) in enumerate(releases):
        before = state
        try:
            state = state.record(f"r{i}", "meters-hourly", buyer, cost)
        except BudgetExceeded:
            assert state == before
    for balance in state.balances.values():
        assert balance.spent_epsilon <= balance.budget.epsilon
        assert balance.spent_delta <= balance.budget.delta
        scope = balance.budget.scope
        charged = [e.cost for e in state.entries
                   if scope.buyer is None or e.buyer == scope.buyer]
        assert balance.spent_epsilon == sum((c.epsilon for c in charged), Decimal(0))
        assert balance.releases == len(charged)
