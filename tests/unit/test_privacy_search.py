"""The vectorised lattice search is exact: on random tables, hierarchies and policies (k,
distinct-l, entropy-l, both t-closeness distances, suppression) it finds the node brute force
finds, with the same figures, whether pruning is on or off and whether a record's fields fit in
one packed word or need several. Node by node, its figures equal the reference evaluation's."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from test_privacy_support import prepared_problems

from monetiot.domain.privacy import (
    NodeEvaluation,
    PreparedTable,
    PrivacyPolicy,
    brute_force,
    evaluate,
    hierarchy_from_rows,
    microdata,
    prepare,
)
from monetiot.privacy.figures import NodeFigures
from monetiot.privacy.reader import read_hierarchies, read_table
from monetiot.privacy.search import evaluate_all, search

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def same(found: NodeFigures | None, expected: NodeEvaluation | None) -> bool:
    if found is None or expected is None:
        return found is None and expected is None
    return (found.node, found.valid, found.discernibility, found.lower_bound, found.classes,
            found.min_class_size, found.suppressed_rows) == (
        expected.node, expected.valid, expected.discernibility, expected.lower_bound,
        expected.classes, expected.min_class_size, expected.suppressed_rows)


@SETTINGS
@given(prepared_problems())
def test_the_search_finds_the_brute_force_optimum(prepared: PreparedTable) -> None:
    expected = brute_force(prepared)
    assert same(search(prepared).best, expected)  # small lattices: the top-down pass settles it
    assert same(search(prepared, top_down=False).best, expected)
    assert same(search(prepared, top_down=False, prune=False).best, expected)


@SETTINGS
@given(prepared_problems(max_rows=20))
def test_several_words_find_the_same_optimum(prepared: PreparedTable) -> None:
    expected = brute_force(prepared)
    assert same(search(prepared, word_bits=3).best, expected)
    assert same(search(prepared, word_bits=3, top_down=False).best, expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prepared_problems(max_rows=20))
def test_every_node_has_the_reference_figures(prepared: PreparedTable) -> None:
    for word_bits in (62, 3):
        for node, found in evaluate_all(prepared, word_bits).items():
            assert same(found, evaluate(prepared, node)), node


def test_pruning_skips_nodes_above_a_dominating_solution() -> None:
    rows = [(f"a{i % 4}", f"b{i % 3}") for i in range(24)]
    hierarchy = {q: hierarchy_from_rows(q, [(v + 1, [f"{q}{v}", f"{q}*"]) for v in range(4)],
                                        f"h_{q}.csv") for q in ("a", "b")}
    prepared = prepare(microdata(("a", "b"), rows), hierarchy, PrivacyPolicy(("a", "b"), k=2))
    outcome = search(prepared, top_down=False)
    assert outcome.best is not None and outcome.best.node == (0, 0)  # 12 classes of 2
    assert outcome.evaluated + outcome.pruned == prepared.lattice.size
    assert outcome.pruned == 3  # every generalisation of (0, 0) ranks below it


def test_an_entropy_tie_keeps_the_class_and_an_emd_tie_too() -> None:
    # One class of 2 x flu + 2 x cold: exp(H) = 2 exactly; its EMD to the table (all in it) is 0.
    # With the second attribute at level 0 the classes {flu, flu} and {cold, cold} are 1-diverse
    # and each is 1/2 from the table's distribution (equal distance): t = 0.5 holds exactly.
    rows = [("x", "p", "flu"), ("x", "p", "flu"), ("x", "q", "cold"), ("x", "q", "cold")]
    hierarchies = {"a": hierarchy_from_rows("a", [(1, ["x", "*"])], "ha.csv"),
                   "b": hierarchy_from_rows("b", [(1, ["p", "*"]), (2, ["q", "*"])], "hb.csv")}
    table = microdata(("a", "b", "s"), rows)
    entropy = prepare(table, hierarchies, PrivacyPolicy(("a", "b"), sensitive="s",
                                                        l_entropy=Decimal(2)))
    assert search(entropy).best is not None
    assert search(entropy).best.node == (0, 1)  # type: ignore[union-attr]
    closeness = prepare(table, hierarchies, PrivacyPolicy(("a", "b"), sensitive="s",
                                                          t=Decimal("0.5")))
    assert search(closeness).best.node == (0, 0)  # type: ignore[union-attr]
    stricter = prepare(table, hierarchies, PrivacyPolicy(("a", "b"), sensitive="s",
                                                         t=Decimal("0.4999")))
    assert search(stricter).best.node == (0, 1)  # type: ignore[union-attr]


ADULT = Path(__file__).resolve().parents[1] / "fixtures" / "adult-arx"


@pytest.mark.parametrize("policy", [
    PrivacyPolicy(("sex", "race", "marital-status", "education"), k=3, sensitive="age",
                  t=Decimal("0.3"), suppression=Decimal("0.05")),  # ordered distance (numeric)
    PrivacyPolicy(("sex", "age", "marital-status", "workclass"), k=2, sensitive="occupation",
                  t=Decimal("0.25"), suppression=Decimal("0.1")),
    PrivacyPolicy(("sex", "age", "race", "education"), k=2, sensitive="occupation",
                  l_entropy=Decimal("2.5"), l_distinct=2, suppression=Decimal("0.1")),
    PrivacyPolicy(("age", "education", "native-country"), k=4, suppression=Decimal("0.02")),
], ids=["ordered-t", "equal-t", "l-diversity", "k-suppression"])
def test_on_adult_records_the_search_matches_brute_force(policy: PrivacyPolicy) -> None:
    table = read_table(ADULT / "adult.csv")
    sample = microdata(table.header, table.rows[::100], "adult-sample")  # 302 records
    prepared = prepare(sample, read_hierarchies(ADULT, policy.qis), policy)
    expected = brute_force(prepared)
    assert expected is not None and expected.suppressed_rows > 0
    assert same(search(prepared).best, expected)
    assert same(search(prepared, top_down=False).best, expected)


def test_the_adult_lattice_takes_the_top_down_pass() -> None:
    qis = ("sex", "age", "race", "marital-status", "education", "native-country", "workclass",
           "occupation", "salary-class")
    prepared = prepare(read_table(ADULT / "adult.csv"), read_hierarchies(ADULT, qis),
                       PrivacyPolicy(qis, k=5))
    outcome = search(prepared)
    assert outcome.strategy == "top-down" and outcome.evaluated < 500  # of 12,960
    assert outcome.best is not None and outcome.best.discernibility == 33_627_534
