"""The baseline model: ordinary least squares, exact, and its quality by ASHRAE Guideline 14.

Invariants:
- the fit is exact: the normal equations (X'X) b = X'y are built and solved (Gaussian
  elimination) in `Fraction`s, so no digit is lost before the figures are published;
- the published model is the fit rounded once, half away from zero, to `PLACES` decimal places;
  adjusted baselines are computed from the published model (`predict`), so anyone can recompute
  every figure downstream exactly from the printed intercept and coefficients;
- the statistics are computed from the exact fit with n - p degrees of freedom (p = parameters,
  intercept included), as Guideline 14 does, and published at `PLACES` decimal places;
- a model outside the Guideline 14 thresholds is a warning, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import EXACT

PLACES = 10
"""Decimal places of every published model figure (intercept, coefficients, statistics)."""

_SQRT = Context(prec=60)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """ASHRAE Guideline 14 calibration limits (percent), and the usual R² recommendation."""

    interval: str
    cv_rmse: Decimal
    nmbe: Decimal
    r2: Decimal = Decimal("0.75")


THRESHOLDS = {
    "monthly": Thresholds("monthly", Decimal(15), Decimal(5)),
    "hourly": Thresholds("hourly", Decimal(30), Decimal(10)),
}


@dataclass(frozen=True, slots=True)
class Observation:
    """One baseline period: the energy (or output) used, and the independent variables."""

    use: Decimal
    variables: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class Fit:
    """A published OLS model and its statistics (all at `PLACES` decimal places).

    `r2` is a ratio; `cv_rmse` and `nmbe` are percentages of the mean baseline use. `None` where
    a statistic is undefined (R² of a constant series, CV and NMBE of a zero mean).
    """

    variables: tuple[str, ...]
    intercept: Decimal
    coefficients: Mapping[str, Decimal]
    n: int
    p: int
    mean: Decimal
    rmse: Decimal
    r2: Decimal | None
    cv_rmse: Decimal | None
    nmbe: Decimal | None
    thresholds: Thresholds
    ranges: Mapping[str, tuple[Decimal, Decimal]]

    @property
    def meets_guideline_14(self) -> bool:
        return (self.cv_rmse is not None and self.nmbe is not None
                and self.cv_rmse <= self.thresholds.cv_rmse
                and abs(self.nmbe) <= self.thresholds.nmbe)

    def warnings(self) -> list[str]:
        t, out = self.thresholds, []
        if self.cv_rmse is None or self.cv_rmse > t.cv_rmse:
            out.append(f"CV(RMSE) {_shown(self.cv_rmse)} % is above the ASHRAE Guideline 14 "
                       f"limit of {t.cv_rmse} % for {t.interval} data")
        if self.nmbe is None or abs(self.nmbe) > t.nmbe:
            out.append(f"NMBE {_shown(self.nmbe)} % is outside the ASHRAE Guideline 14 limit "
                       f"of +/-{t.nmbe} % for {t.interval} data")
        if self.r2 is None or self.r2 < t.r2:
            out.append(f"R² {_shown(self.r2)} is below the recommended {t.r2}")
        return out

    def predict(self, conditions: Mapping[str, Decimal]) -> Decimal:
        """The published model at `conditions`: exact, from the rounded coefficients."""
        total = self.intercept
        for name in self.variables:
            total = EXACT.add(total, EXACT.multiply(self.coefficients[name], conditions[name]))
        return total

    def outside_range(self, conditions: Mapping[str, Decimal]) -> list[str]:
        """Conditions outside the baseline's range: the model is extrapolated there."""
        out = []
        for name in self.variables:
            low, high = self.ranges[name]
            if not low <= conditions[name] <= high:
                out.append(f"{name} {conditions[name]} is outside the baseline range "
                           f"{low} to {high}: the model is extrapolated")
        return out


def fit(observations: Sequence[Observation], variables: Sequence[str],
        interval: str = "monthly", field: str = "baseline.periods") -> Fit:
    """Fit use = b0 + sum(b_j x_j) by ordinary least squares over the baseline periods."""
    if interval not in THRESHOLDS:
        raise InvalidInput(f"must be one of {', '.join(THRESHOLDS)}", field="baseline.interval")
    names = tuple(variables)
    n, p = len(observations), len(names) + 1
    if n <= p:
        raise InvalidInput(f"{n} periods cannot fit {p} parameters: need more periods than "
                           "parameters (n - p degrees of freedom)", field=field)
    ys = [Fraction(o.use) for o in observations]
    rows = [[Fraction(1), *(Fraction(o.variables[v]) for v in names)] for o in observations]
    normal = [[sum((r[i] * r[j] for r in rows), Fraction(0)) for j in range(p)]
              for i in range(p)]
    rhs = [sum((r[i] * y for r, y in zip(rows, ys, strict=True)), Fraction(0))
           for i in range(p)]
    beta = solve(normal, rhs, field)
    fitted = [sum((b * x for b, x in zip(beta, r, strict=True)), Fraction(0)) for r in rows]
    residuals = [y - f for y, f in zip(ys, fitted, strict=True)]
    mean = sum(ys, Fraction(0)) / n
    sse = sum((e * e for e in residuals), Fraction(0))
    sst = sum(((y - mean) ** 2 for y in ys), Fraction(0))
    dof = n - p
    rmse = _sqrt(sse / dof)
    return Fit(
        variables=names,
        intercept=quantize(beta[0]),
        coefficients={v: quantize(b) for v, b in zip(names, beta[1:], strict=True)},
        n=n, p=p,
        mean=quantize(mean),
        rmse=_round(rmse),
        r2=None if sst == 0 else quantize(1 - sse / sst),
        cv_rmse=None if mean == 0 else _round(rmse / _decimal(mean) * 100),
        nmbe=None if mean == 0 else quantize(sum(residuals, Fraction(0)) / (dof * mean) * 100),
        thresholds=THRESHOLDS[interval],
        ranges={v: (min(o.variables[v] for o in observations),
                    max(o.variables[v] for o in observations)) for v in names},
    )


def solve(matrix: Sequence[Sequence[Fraction]], rhs: Sequence[Fraction],
          field: str = "baseline.periods") -> list[Fraction]:
    """Solve A b = r exactly by Gaussian elimination; a singular A is an error naming `field`."""
    size = len(rhs)
    a = [[*row, r] for row, r in zip(matrix, rhs, strict=True)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if a[r][col] != 0), None)
        if pivot is None:
            raise InvalidInput("the independent variables are collinear (or constant) over "
                               "the baseline periods: the model has no unique fit", field=field)
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(size):
            if r != col and a[r][col] != 0:
                factor = a[r][col] / a[col][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col], strict=True)]
    return [a[i][size] / a[i][i] for i in range(size)]


def quantize(value: Fraction) -> Decimal:
    """`value` rounded once, half away from zero, to `PLACES` decimal places (exactly)."""
    scaled = abs(value) * 10**PLACES
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    sign = "-" if value < 0 and whole else ""
    return Decimal(f"{sign}{whole // 10**PLACES}.{whole % 10**PLACES:0{PLACES}d}")


def _decimal(value: Fraction) -> Decimal:
    return _SQRT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _sqrt(value: Fraction) -> Decimal:
    return _decimal(value).sqrt(_SQRT)


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-PLACES), rounding=ROUND_HALF_UP)


def _shown(value: Decimal | None) -> str:
    return "undefined" if value is None else format(value, "f")
