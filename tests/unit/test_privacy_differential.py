"""Differentially private statistics through OpenDP: each owner's records limited and clamped,
the cost known before any noise (and the same in the release), zCDP converted to (epsilon, delta)
by OpenDP, and a mean costing what its sum and count cost together."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.privacy import (
    BudgetExceeded,
    BudgetScope,
    ContributionBounds,
    OwnerRecord,
    PrivacyBudget,
    PrivacyLedger,
    StatisticQuery,
    bound_contributions,
)
from monetiot.privacy.differential import mechanism_cost, release_statistic, statistic_cost

# kWh per hour of three households; "flat-9" sends far more records than the others.
RECORDS = [OwnerRecord("house-1", Decimal("0.8"), "night"),
           OwnerRecord("house-1", Decimal("1.2"), "day"),
           OwnerRecord("flat-9", Decimal("7.5"), "day"),  # clamped to 5
           *[OwnerRecord("flat-9", Decimal("0.5"), "day") for _ in range(5)],
           OwnerRecord("house-2", Decimal("-1"), "night")]  # a meter reset, clamped to 0
BOUNDS = ContributionBounds(max_rows_per_owner=2, lower=Decimal(0), upper=Decimal(5))
TINY = Decimal("0.000001")  # noise too small to see: the statistic itself shows through


def query(kind: str, mechanism: str = "laplace", scale: Decimal = TINY,
          categories: tuple[str, ...] = ()) -> StatisticQuery:
    delta = Decimal("0.000001") if mechanism == "gaussian" else None
    return StatisticQuery(kind, mechanism, scale, BOUNDS, delta, categories)


def test_each_owner_is_limited_and_clamped() -> None:
    bounded = bound_contributions(RECORDS, query("sum"))
    assert dict(bounded.rows_per_owner) == {"house-1": 2, "flat-9": 2, "house-2": 1}
    assert (bounded.dropped, bounded.clamped) == (4, 2)
    assert [r.value for r in bounded.records] == [Decimal("0.8"), Decimal("1.2"), Decimal(5),
                                                  Decimal("0.5"), Decimal(0)]


def test_statistics_over_the_bounded_records() -> None:
    assert release_statistic(RECORDS, query("count")).value == 5
    assert release_statistic(RECORDS, query("sum")).value == pytest.approx(7.5, abs=1e-3)
    assert release_statistic(RECORDS, query("mean")).value == pytest.approx(1.5, abs=1e-3)
    histogram = release_statistic(RECORDS, query("histogram", categories=("day", "night")))
    assert histogram.value == {"day": 3, "night": 2}
    assert dict(histogram.rows_per_owner) == {"house-1": 2, "flat-9": 2, "house-2": 1}


def test_the_cost_follows_the_contribution_bound_not_the_data() -> None:
    count = query("count", scale=Decimal(4))
    assert statistic_cost(count).epsilon == Decimal("0.5")  # 2 records per owner / scale 4
    release = release_statistic(RECORDS, count)
    assert release.cost == statistic_cost(count)
    assert release_statistic(RECORDS[:1], count).cost == statistic_cost(count)
    total = statistic_cost(query("sum", scale=Decimal(10)))
    assert float(total.epsilon) == pytest.approx(1.0)  # 2 records x 5 / 10, float slack above
    assert total.epsilon >= 1


def test_gaussian_costs_rho_converted_by_opendp() -> None:
    cost = statistic_cost(query("histogram", "gaussian", Decimal(20), ("day", "night")))
    assert cost.rho == Decimal("0.005")  # (2 / 20)^2 / 2: one owner moves 2 counts
    assert cost.delta == Decimal("0.000001")
    assert cost.epsilon == mechanism_cost("gaussian", Decimal(1), Decimal(10),
                                          Decimal("0.000001")).epsilon
    assert cost.epsilon == Decimal("0.42994146883694934")


def test_a_mean_costs_its_sum_and_its_count_together() -> None:
    for mechanism in ("laplace", "gaussian"):
        mean = statistic_cost(query("mean", mechanism, Decimal(10)))
        total = statistic_cost(query("sum", mechanism, Decimal(10)))
        count = statistic_cost(query("count", mechanism, Decimal(2)))  # 10 / widest bound 5
        if mechanism == "laplace":
            assert float(mean.epsilon) == pytest.approx(float(total.epsilon + count.epsilon))
        else:
            assert mean.rho is not None and total.rho is not None and count.rho is not None
            assert float(mean.rho) == pytest.approx(float(total.rho + count.rho))


def test_laplace_and_gaussian_costs_by_formula() -> None:
    assert mechanism_cost("laplace", Decimal(1), Decimal(1)).epsilon == 1
    assert mechanism_cost("laplace", Decimal(2), Decimal(8)).epsilon == Decimal("0.25")
    gaussian = mechanism_cost("gaussian", Decimal(3), Decimal(30), Decimal("0.00001"))
    assert gaussian.rho == Decimal("0.005")
    rho = 0.005  # the conversion is at least as tight as the classic rho + 2 sqrt(rho ln(1/d))
    assert float(gaussian.epsilon) <= rho + 2 * math.sqrt(rho * math.log(1 / 0.00001))


@pytest.mark.parametrize(("build", "message"), [
    (lambda: StatisticQuery("histogram", "laplace", Decimal(1), BOUNDS),
     "categories: a histogram needs its categories (public, never read from the data)"),
    (lambda: StatisticQuery("sum", "laplace", Decimal(1), ContributionBounds(1)),
     "lower: a sum needs lower and upper bounds"),
    (lambda: StatisticQuery("count", "gaussian", Decimal(1), BOUNDS),
     "delta: the gaussian mechanism needs a delta between 0 and 1, got None"),
    (lambda: StatisticQuery("count", "laplace", Decimal(1), BOUNDS, Decimal("0.1")),
     "delta: the laplace mechanism is pure (delta 0); delta is for gaussian"),
    (lambda: StatisticQuery("median", "laplace", Decimal(1), BOUNDS),
     "kind: must be one of count, sum, mean, histogram, got 'median'"),
    (lambda: ContributionBounds(0), "max_rows_per_owner: must be a whole number of at least 1, "
                                    "got 0"),
    (lambda: release_statistic([OwnerRecord("a")], query("sum")),
     "records[0].value: a sum needs a finite value"),
])
def test_a_bad_query_is_refused_naming_the_field(build: object, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        build()  # type: ignore[operator]
    assert str(caught.value) == message


def test_the_ledger_refuses_before_any_noise_is_drawn() -> None:
    ledger = (PrivacyLedger()
              .with_budget(PrivacyBudget(BudgetScope("p", "b"), Decimal("0.6")))
              .with_budget(PrivacyBudget(BudgetScope("p"), Decimal(5))))
    count = query("count", scale=Decimal(4))  # epsilon 0.5 each
    ledger = ledger.record("r1", "p", "b", statistic_cost(count))
    with pytest.raises(BudgetExceeded) as caught:
        ledger.record("r2", "p", "b", statistic_cost(count))
    assert "left epsilon 0.1, delta 0" in str(caught.value)
