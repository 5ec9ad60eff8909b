"""The pure privacy models: hierarchies and their errors, the policy's rules, k / l / t on one
class (exact at ties), the lattice order and one transformation evaluated by hand."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.privacy import (
    Lattice,
    PrivacyPolicy,
    emd_equal,
    emd_ordered,
    entropy_l_holds,
    evaluate,
    hierarchy_from_rows,
    microdata,
    prepare,
    rank,
    release,
    sensitive_distribution,
)

AGE = [(1, ["17", "15-19", "*"]), (2, ["18", "15-19", "*"]), (3, ["23", "20-24", "*"]),
       (4, ["24", "20-24", "*"])]
ZIP = [(1, ["1301", "130*"]), (2, ["1302", "130*"]), (3, ["1485", "148*"])]


def test_a_hierarchy_generalises_a_value_level_by_level() -> None:
    age = hierarchy_from_rows("age", AGE, "h_age.csv")
    assert age.height == 2
    assert [age.generalise("23", level) for level in range(3)] == ["23", "20-24", "*"]
    assert "99" not in age


@pytest.mark.parametrize(("rows", "message"), [
    ([], "h.csv: the hierarchy of 'age' has no rows"),
    ([(1, ["17", "15-19", "*"]), (3, ["18", "*"])],
     "h.csv:3: 2 levels, but row 1 has 3 (inconsistent levels)"),
    ([(1, ["17", "15-19", "*"]), (2, ["17", "15-19", "*"])],
     "h.csv:2: value '17' is listed twice (first on row 1)"),
    ([(1, ["17", "15-19", "*"]), (2, ["18", "15-19", "young"])],
     "h.csv:2: '15-19' at level 1 generalises to 'young' at level 2 here but to '*' on row 1 "
     "(inconsistent levels)"),
])
def test_a_broken_hierarchy_is_one_line_naming_file_and_row(
        rows: list[tuple[int, list[str]]], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        hierarchy_from_rows("age", rows, "h.csv")
    assert str(caught.value) == message


@pytest.mark.parametrize(("options", "message"), [
    ({"qis": ()}, "qi: name at least one quasi-identifier"),
    ({"qis": ("a", "a")}, "qi: 'a' is named twice"),
    ({"k": 0}, "k: must be a whole number of at least 1, got 0"),
    ({"l_distinct": 2}, "l_distinct: needs a sensitive attribute"),
    ({"sensitive": "s", "t": Decimal("1.5")}, "t: must be between 0 and 1, got 1.5"),
    ({"suppression": Decimal("-0.1")},
     "suppression: must be a fraction of the rows between 0 and 1, got -0.1"),
    ({"sensitive": "a"}, "sensitive: 'a' is also a quasi-identifier"),
    ({"t_distance": "hierarchical"},
     "t_distance: must be one of auto, equal, ordered, got 'hierarchical'"),
])
def test_a_policy_refuses_what_cannot_hold(options: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"qis": ("a",), **options}
    with pytest.raises(InvalidInput) as caught:
        PrivacyPolicy(**arguments)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_the_minimum_class_size_is_k_or_l_whichever_is_larger() -> None:
    assert PrivacyPolicy(("a",), k=2, sensitive="s", l_entropy=Decimal("2.5")).min_class_size == 3
    assert PrivacyPolicy(("a",), k=5, sensitive="s", l_distinct=3).min_class_size == 5
    assert PrivacyPolicy(("a",), suppression=Decimal("0.04")).max_suppressed(30162) == 1206


def test_entropy_l_is_exact_at_a_tie_and_uses_the_natural_log() -> None:
    assert entropy_l_holds([3, 3], Fraction(2))  # exp(ln 2) = 2 exactly
    assert not entropy_l_holds([3, 3], Fraction(2) + Fraction(1, 10**12))
    assert entropy_l_holds([5, 5, 5], Fraction(3))
    h = -(0.5 * math.log(0.5) + 0.25 * math.log(0.25) * 2)  # counts 2, 1, 1: exp(H) = 2.828...
    assert entropy_l_holds([2, 1, 1], Fraction(math.exp(h) - 1e-6))
    assert not entropy_l_holds([2, 1, 1], Fraction(math.exp(h) + 1e-6))
    assert not entropy_l_holds([9], Fraction(2))


def test_equal_and_ordered_emd_by_hand() -> None:
    # Li et al.'s salary example: the table's values 3k..11k, one each; a class {3k, 4k, 5k}.
    table = [1] * 9
    low = [1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert emd_equal(low, table) == Fraction(2, 3)
    assert emd_ordered(low, table) == Fraction(3, 8)  # 0.375, as the paper finds
    spread = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert emd_ordered(spread, table) == Fraction(1, 9)  # 0.111
    assert emd_equal(table, table) == emd_ordered(table, table) == 0


def test_numeric_sensitive_values_sort_by_number() -> None:
    numbers = sensitive_distribution(["10", "2", "2", "3.5"])
    assert numbers.numeric and numbers.values == ("2", "3.5", "10")
    assert numbers.counts == (2, 1, 1)
    words = sensitive_distribution(["b", "a", "10"])
    assert not words.numeric and words.values == ("10", "a", "b")


def test_the_lattice_visits_layers_in_order_and_ranks_ties() -> None:
    lattice = Lattice((1, 2))
    assert list(lattice.layers()) == [[(0, 0)], [(0, 1), (1, 0)], [(0, 2), (1, 1)], [(1, 2)]]
    assert sorted(Lattice.parents((1, 1))) == [(0, (0, 1)), (1, (1, 0))]
    assert rank(10, (0, 2)) < rank(10, (1, 1)) < rank(10, (1, 2)) < rank(11, (0, 0))


TABLE = [  # age, zip, disease
    ("17", "1301", "flu"), ("18", "1302", "flu"), ("17", "1302", "cold"),
    ("23", "1485", "flu"), ("24", "1485", "asthma"), ("23", "1485", "cold"),
    ("24", "1301", "flu"),
]


def prepared(**policy: object) -> object:
    hierarchies = {"age": hierarchy_from_rows("age", AGE, "h_age.csv"),
                   "zip": hierarchy_from_rows("zip", ZIP, "h_zip.csv")}
    options: dict[str, object] = {"qis": ("age", "zip"), **policy}
    return prepare(microdata(("age", "zip", "disease"), TABLE, "t.csv"), hierarchies,
                   PrivacyPolicy(**options))  # type: ignore[arg-type]


def test_one_transformation_by_hand() -> None:
    # (1, 1): classes 15-19/130* = 3 records, 20-24/148* = 3, 20-24/130* = 1 (suppressed, k=2).
    table = prepared(k=2, suppression=Decimal("0.2"))
    result = evaluate(table, (1, 1))  # type: ignore[arg-type]
    assert (result.valid, result.classes, result.min_class_size, result.suppressed_rows) == (
        True, 2, 3, 1)
    assert result.discernibility == 3 * 3 + 3 * 3 + 1 * 7
    assert result.lower_bound == 9 + 9 + 1 * 2  # a record costs at least k = 2 wherever it goes
    released = list(release(table, (1, 1)))  # type: ignore[arg-type]
    assert released == [("15-19", "130*", "flu"), ("15-19", "130*", "flu"),
                        ("15-19", "130*", "cold"), ("20-24", "148*", "flu"),
                        ("20-24", "148*", "asthma"), ("20-24", "148*", "cold")]
    assert not evaluate(prepared(k=2), (1, 1)).valid  # type: ignore[arg-type]


def test_achieved_l_and_t_are_reported_for_the_kept_classes() -> None:
    table = prepared(k=2, sensitive="disease", l_distinct=2, t=Decimal("0.5"),
                     suppression=Decimal("0.2"))
    result = evaluate(table, (1, 1))  # type: ignore[arg-type]
    assert result.valid and result.achieved_l_distinct == 2
    # 15-19/130*: flu 2, cold 1 against flu 4/7, cold 2/7, asthma 1/7 (equal distance)
    first = emd_equal([0, 1, 2], [1, 2, 4])  # values in text order: asthma, cold, flu
    second = emd_equal([1, 1, 1], [1, 2, 4])
    assert result.achieved_t == max(first, second)
    assert Counter(row[2] for row in release(table, (1, 1))) == Counter(  # type: ignore[arg-type]
        {"flu": 3, "cold": 2, "asthma": 1})


@pytest.mark.parametrize(("change", "message"), [
    ({"qis": ("age", "town")},
     "qi: unknown attribute 'town' (the columns of t.csv are: age, zip, disease)"),
    ({"k": 8}, "k: k = 8 is larger than the table (7 records)"),
    ({"sensitive": "illness", "l_distinct": 2},
     "sensitive: unknown attribute 'illness' (the columns of t.csv are: age, zip, disease)"),
])
def test_preparing_names_what_is_wrong(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        prepared(**change)
    assert str(caught.value) == message


def test_a_value_missing_from_its_hierarchy_names_file_line_and_field() -> None:
    hierarchies = {"age": hierarchy_from_rows("age", AGE, "h_age.csv"),
                   "zip": hierarchy_from_rows("zip", ZIP, "h_zip.csv")}
    rows = [*TABLE, ("99", "1301", "flu")]
    with pytest.raises(InvalidInput) as caught:
        prepare(microdata(("age", "zip", "disease"), rows, "t.csv", range(2, 10)), hierarchies,
                PrivacyPolicy(("age", "zip")))
    assert str(caught.value) == "t.csv:9: field 'age': value '99' is not in the hierarchy h_age.csv"
    with pytest.raises(InvalidInput) as missing:
        prepare(microdata(("age", "zip", "disease"), TABLE, "t.csv"), {"age": hierarchies["age"]},
                PrivacyPolicy(("age", "zip")))
    assert str(missing.value) == ("hierarchies: no hierarchy for the quasi-identifier 'zip' (a "
                                  "file named *hierarchy_zip.csv)")
