"""The fleet: who a device belonged to when; a reassignment never rewrites who used what."""

from __future__ import annotations

import pytest

from monetiot.domain.errors import Conflict, InvalidInput
from monetiot.domain.fleet import Assignment, AssignmentBook, check_id


def book(*intervals: tuple[str, int, int | None]) -> AssignmentBook:
    return AssignmentBook([Assignment(c, s, e) for c, s, e in intervals])


def test_customer_at_uses_half_open_intervals() -> None:
    b = book(("c2", 200, None), ("c1", 100, 200))  # given out of order on purpose
    assert b.customer_at(99) is None
    assert b.customer_at(100) == "c1"
    assert b.customer_at(199) == "c1"
    assert b.customer_at(200) == "c2"
    assert b.customer_at(10**15) == "c2"


def test_gaps_between_assignments_belong_to_nobody() -> None:
    b = book(("c1", 100, 150), ("c2", 300, 400))
    assert b.customer_at(149) == "c1"
    assert b.customer_at(150) is None
    assert b.customer_at(299) is None
    assert b.customer_at(300) == "c2"
    assert b.customer_at(400) is None


def test_an_empty_book_names_nobody_and_allows_any_start() -> None:
    b = book()
    assert b.customer_at(0) is None
    assert b.check_new(0) is None


def test_a_new_assignment_closes_the_open_one_at_or_after_its_start() -> None:
    b = book(("c1", 100, None))
    assert b.check_new(100) == Assignment("c1", 100, None)
    assert b.check_new(500) == Assignment("c1", 100, None)


def test_a_new_assignment_after_a_closed_one_closes_nothing() -> None:
    b = book(("c1", 100, 200))
    assert b.check_new(200) is None
    assert b.check_new(900) is None


@pytest.mark.parametrize(
    ("intervals", "start"),
    [
        ([("c1", 100, None)], 99),
        ([("c1", 100, 200)], 199),
        ([("c1", 100, 200)], 150),
        ([("c1", 100, 200), ("c2", 300, None)], 250),
        ([("c1", 100, 200), ("c2", 300, 400)], 350),
    ],
)
def test_reassignment_may_not_rewrite_history(
    intervals: list[tuple[str, int, int | None]], start: int
) -> None:
    with pytest.raises(Conflict) as caught:
        book(*intervals).check_new(start)
    assert caught.value.field == "from"


@pytest.mark.parametrize("good", ["d1", "meter-0042", "a.b:c@d_e", "9", "x" * 100])
def test_check_id_accepts_ids(good: str) -> None:
    assert check_id(good, "id") == good


@pytest.mark.parametrize("bad", ["", "-x", "_x", "a b", "a/b", "x" * 101, None, 5, "é"])
def test_check_id_refuses_bad_ids_naming_the_field(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_id(bad, "customer")
    assert caught.value.field == "customer"
