"""The baseline model, checked by hand: OLS on 12 monthly points, and its Guideline 14 quality.

The office of examples/outcomes/office-heating.yaml used in 2025 (docs/outcomes.md works every
figure out by hand):

    month  HDD   kWh     | month  HDD   kWh
    Jan    650   15650   | Jul     10    7890
    Feb    560   15130   | Aug     20    8520
    Mar    450   13750   | Sep    120    9180
    Apr    300   11370   | Oct    330   12180
    May    150    9750   | Nov    460   13140
    Jun     40    8700   | Dec    510   13940

Sums: x̄ = 3600 / 12 = 300, ȳ = 139200 / 12 = 11600, Sxx = Σ(x - x̄)² = 568200,
Sxy = Σ(x - x̄)(y - ȳ) = 6818400. Slope = Sxy / Sxx = 12; intercept = ȳ - 12 x̄ = 8000.
Residuals -150, 410, 350, -230, -50, 220, -230, 280, -260, 220, -380, -180: SSE = 841000,
SST = 82661800. R² = 1 - 841000 / 82661800 = 409104 / 413309 = 0.98982601395...;
RMSE = √(SSE / (n - p)) = √(841000 / 10) = 290; CV(RMSE) = 290 / 11600 = 2.5 %;
NMBE = Σ residuals / ((n - p) ȳ) = 0 (OLS with an intercept leaves no bias).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.outcomes import Observation, fit, solve

HDD = [650, 560, 450, 300, 150, 40, 10, 20, 120, 330, 460, 510]
KWH = [15650, 15130, 13750, 11370, 9750, 8700, 7890, 8520, 9180, 12180, 13140, 13940]


def observations(xs: Sequence[int | str], ys: Sequence[int | str]) -> list[Observation]:
    return [Observation(Decimal(y), {"hdd": Decimal(x)}) for x, y in zip(xs, ys, strict=True)]


def test_the_hand_example_fits_to_the_hand_figures() -> None:
    model = fit(observations(HDD, KWH), ["hdd"])
    assert (model.n, model.p) == (12, 2)
    assert str(model.intercept) == "8000.0000000000"
    assert str(model.coefficients["hdd"]) == "12.0000000000"
    assert str(model.mean) == "11600.0000000000"
    assert str(model.rmse) == "290.0000000000"
    assert str(model.r2) == "0.9898260140"
    assert str(model.cv_rmse) == "2.5000000000"
    assert format(model.nmbe, "f") == "0.0000000000"
    assert model.meets_guideline_14 and model.warnings() == []
    # the published model: 8000 + 12 x 412.5
    assert model.predict({"hdd": Decimal("412.5")}) == Decimal(12950)
    assert model.outside_range({"hdd": Decimal(700)}) == [
        "hdd 700 is outside the baseline range 10 to 650: the model is extrapolated"]


def test_two_variables_are_fitted_exactly() -> None:
    # use = 5 + 2a + 3b, exactly: R² 1, no error left
    rows = [(1, 0), (0, 1), (2, 3), (4, 1), (3, 3)]
    obs = [Observation(Decimal(5 + 2 * a + 3 * b), {"a": Decimal(a), "b": Decimal(b)})
           for a, b in rows]
    model = fit(obs, ["a", "b"])
    assert [model.intercept, model.coefficients["a"], model.coefficients["b"]] == [5, 2, 3]
    assert [model.r2, model.cv_rmse, model.nmbe] == [1, 0, 0] and model.p == 3


def test_coefficients_are_rounded_once_and_the_published_model_predicts() -> None:
    # x 0, 1, 2; y 0, 1, 1: slope 1/2, intercept 1/6
    model = fit(observations([0, 1, 2], [0, 1, 1]), ["hdd"])
    assert str(model.intercept) == "0.1666666667"
    assert str(model.coefficients["hdd"]) == "0.5000000000"
    assert model.predict({"hdd": Decimal(3)}) == Decimal("1.6666666667")
    # SSE = 1/6, n - p = 1: RMSE = √(1/6) = 0.40824829046..., mean 2/3
    assert str(model.rmse) == "0.4082482905"
    assert str(model.cv_rmse) == "61.2372435696"  # 0.408248.../(2/3) x 100
    assert str(model.r2) == "0.7500000000"  # 1 - (1/6)/(2/3)


def test_a_poor_model_is_a_warning_by_the_thresholds_of_its_interval() -> None:
    xs = [10, 20, 30, 40, 50, 60]
    ys = [100, 150, 120, 180, 150, 200]  # CV(RMSE) 16.06 %, R² 0.659
    monthly = fit(observations(xs, ys), ["hdd"])
    assert monthly.cv_rmse is not None and 15 < monthly.cv_rmse < 30
    assert not monthly.meets_guideline_14
    assert any("CV(RMSE)" in w and "15 %" in w for w in monthly.warnings())
    assert any(w.startswith("R² ") for w in monthly.warnings())
    hourly = fit(observations(xs, ys), ["hdd"], interval="hourly")
    assert hourly.meets_guideline_14
    assert not any("CV(RMSE)" in w for w in hourly.warnings())


def test_a_constant_use_has_no_r2_and_says_so() -> None:
    model = fit(observations([1, 2, 3], [7, 7, 7]), ["hdd"])
    assert model.r2 is None and model.cv_rmse == 0
    assert "R² undefined is below the recommended 0.75" in model.warnings()


def test_a_model_needs_more_periods_than_parameters() -> None:
    with pytest.raises(InvalidInput) as err:
        fit(observations([1, 2], [3, 4]), ["hdd"])
    assert err.value.field == "baseline.periods" and "n - p" in err.value.message


def test_collinear_variables_have_no_unique_fit() -> None:
    obs = [Observation(Decimal(y), {"a": Decimal(a), "b": Decimal(2 * a)})
           for a, y in [(1, 3), (2, 5), (3, 8), (4, 9)]]
    with pytest.raises(InvalidInput) as err:
        fit(obs, ["a", "b"])
    assert err.value.field == "baseline.periods" and "collinear" in err.value.message


def test_gaussian_elimination_pivots_past_a_zero() -> None:
    one = Fraction(1)
    assert solve([[0 * one, one], [one, one]], [2 * one, 3 * one]) == [1, 2]
