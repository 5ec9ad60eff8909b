"""Every table `monetiot anonymize --out` releases satisfies the policy it claims, recomputed
here from the released file alone (and the input, for the table-wide distribution and the
suppression count) with code that shares nothing with the engine: plain Counters, integer
arithmetic for entropy-l and fractions for the earth mover's distance."""

from __future__ import annotations

import csv
import json
import tempfile
from collections import Counter
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import floor
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from test_privacy_support import problems, write_problem
from typer.testing import CliRunner

from monetiot.cli import _register, app
from monetiot.domain.privacy import Hierarchy, Microdata, PrivacyPolicy


def arguments(data: Path, policy: PrivacyPolicy, out: Path) -> list[str]:
    args = ["anonymize", str(data), "--hierarchies", str(data.parent), "--qi",
            ",".join(policy.qis), "--k", str(policy.k), "--suppression", str(policy.suppression),
            "--t-distance", policy.t_distance, "--out", str(out), "--json"]
    if policy.sensitive:
        args += ["--sensitive", policy.sensitive]
    if policy.l_distinct is not None:
        args += ["--l-distinct", str(policy.l_distinct)]
    if policy.l_entropy is not None:
        args += ["--l-entropy", str(policy.l_entropy)]
    if policy.t is not None:
        args += ["--t", str(policy.t)]
    return args


def number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def entropy_at_least(counts: list[int], diversity: Decimal) -> bool:
    # exp(H) >= l  <=>  n^n / prod c^c >= l^n, with l = a / b
    a, b = Fraction(diversity).numerator, Fraction(diversity).denominator
    n, product = sum(counts), 1
    for c in counts:
        product *= c ** c
    return n ** n * b ** n >= a ** n * product


def distance(counts: Counter[str], whole: Counter[str], ordered: bool) -> Fraction:
    n, total = sum(counts.values()), sum(whole.values())
    if ordered:
        keys = list(whole)
        numbers = {k: number(k) for k in keys}
        if all(v is not None for v in numbers.values()):
            keys.sort(key=lambda k: (numbers[k], k))
        else:
            keys.sort()
        running, summed = Fraction(0), Fraction(0)
        for key in keys:
            running += Fraction(counts[key], n) - Fraction(whole[key], total)
            summed += abs(running)
        return summed / (len(keys) - 1) if len(keys) > 1 else Fraction(0)
    return sum((abs(Fraction(counts[k], n) - Fraction(whole[k], total)) for k in whole),
               Fraction(0)) / 2


def check_release(table: Microdata, hierarchies: dict[str, Hierarchy], policy: PrivacyPolicy,
                  summary: dict[str, object], out: Path) -> None:
    with out.open(newline="") as released_file:
        released = list(csv.reader(released_file, delimiter=";"))
    assert tuple(released[0]) == table.header
    body = [tuple(row) for row in released[1:]]
    n = len(table.rows)
    levels = summary["transformation"]
    assert isinstance(levels, dict) and list(levels) == list(policy.qis)
    columns = [table.header.index(q) for q in policy.qis]
    # every released record is an input record generalised at the claimed levels, in order
    generalised = [tuple(hierarchies[q].paths[row[c]][levels[q]] if c in columns else v
                         for c, (q, v) in enumerate(zip(table.header, row, strict=True)))
                   for row in table.rows]
    position = 0
    for record in body:
        while generalised[position] != record:
            position += 1
        position += 1
    suppressed = n - len(body)
    assert suppressed == summary["suppressed_rows"]
    assert suppressed <= floor(policy.suppression * n)
    classes: dict[tuple[str, ...], Counter[str]] = {}
    s = table.header.index("s")
    for record in body:
        classes.setdefault(tuple(record[c] for c in columns), Counter())[record[s]] += 1
    sizes = [sum(c.values()) for c in classes.values()]
    assert summary["classes"] == len(classes)
    assert summary["min_class_size"] == min(sizes, default=0)
    assert summary["discernibility"] == sum(x * x for x in sizes) + suppressed * n
    whole = Counter(row[s] for row in table.rows)
    numeric = all(number(v) is not None for v in whole)
    ordered = policy.t_distance == "ordered" or (policy.t_distance == "auto" and numeric)
    for histogram in classes.values():
        assert sum(histogram.values()) >= policy.k
        if policy.l_distinct is not None:
            assert len(histogram) >= policy.l_distinct
        if policy.l_entropy is not None:
            assert entropy_at_least(list(histogram.values()), policy.l_entropy)
        if policy.t is not None:
            assert distance(histogram, whole, ordered) <= Fraction(policy.t)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_rows=40))
def test_a_released_table_satisfies_the_policy_it_claims(
        problem: tuple[Microdata, dict[str, Hierarchy], PrivacyPolicy]) -> None:
    table, hierarchies, policy = problem
    _register()
    with tempfile.TemporaryDirectory() as directory:
        data = write_problem(Path(directory), table, hierarchies)
        out = Path(directory) / "released.csv"
        result = CliRunner().invoke(app, arguments(data, policy, out))
        if result.exit_code == 2:  # no transformation satisfies it: nothing may be written
            assert "no transformation satisfies the policy" in result.output
            assert not out.exists()
            return
        assert result.exit_code == 0, result.output
        check_release(table, hierarchies, policy, json.loads(result.stdout), out)
