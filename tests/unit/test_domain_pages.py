"""Cursors and in-memory pages (domain/pages.py): every item once, cursors bound to their list."""

from __future__ import annotations

import pytest

from monetiot.domain.errors import InvalidInput
from monetiot.domain.pages import PageRequest, decode_cursor, encode_cursor, page_of


def test_a_walk_of_an_in_memory_list_sees_every_item_once_in_order() -> None:
    items = [f"d{i:02d}" for i in (7, 3, 19, 0, 11, 24, 5, 13, 2, 21)] * 1
    seen, cursor = [], None
    while True:
        page = page_of(items, "devices", str, PageRequest(limit=3, cursor=cursor))
        seen += page
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(items)


def test_a_cursor_opens_only_for_its_own_list_and_arity() -> None:
    cursor = encode_cursor("invoices", [1795521600000, "inv_1"])
    assert decode_cursor("invoices", cursor, 2) == (1795521600000, "inv_1")
    for name, arity, text in (("customers", 2, cursor), ("invoices", 1, cursor),
                              ("invoices", 2, cursor[:-3]), ("invoices", 2, "%%%")):
        with pytest.raises(InvalidInput) as refused:
            decode_cursor(name, text, arity)
        assert refused.value.field == "cursor"
    with pytest.raises(InvalidInput):
        PageRequest(limit=0)
