"""Pages of a list: how many items to take, where to continue, and the opaque cursor between.

A list is walked in one total order (its sort keys end with the row's id, so no two rows tie).
A page holds up to `limit` items and, when more follow, the cursor of its last item: the sort-key
values of that item, written as base64url JSON with the list's name in front. Handing the cursor
back continues strictly after that item, so a walk sees every row once, with no gaps and no
repeats, even while rows are added (a row added behind the cursor is seen by the next walk).

Invariants: `limit` is at least 1 (MAX_LIMIT is what the API lets a caller ask for; internal
callers may take more); a cursor decodes only for the list that wrote it, and only to
the number of keys that list sorts by; anything else is `InvalidInput` naming the field `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from monetiot.domain.errors import InvalidInput

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

Key = int | str
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Take `limit` items (None: all of them) after the item a previous page's cursor names."""

    limit: int | None = DEFAULT_LIMIT
    cursor: str | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise InvalidInput("must be at least 1", field="limit")


EVERYTHING = PageRequest(limit=None)


class Page(list[T]):
    """The items of one page (a list, so callers that want items use it as one) and the cursor
    that continues after its last item (None on the last page)."""

    next_cursor: str | None

    def __init__(self, items: Iterable[T] = (), next_cursor: str | None = None) -> None:
        super().__init__(items)
        self.next_cursor = next_cursor


def encode_cursor(list_name: str, keys: Sequence[Key]) -> str:
    raw = json.dumps([list_name, *keys], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(list_name: str, cursor: str, arity: int) -> tuple[Key, ...]:
    """The sort keys written by `encode_cursor(list_name, ...)`; refuses any other text."""
    wrong = bad_cursor(list_name)
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise wrong from None
    if (not isinstance(doc, list) or len(doc) != arity + 1 or doc[0] != list_name
            or not all(isinstance(k, (int, str)) and not isinstance(k, bool) for k in doc[1:])):
        raise wrong
    return tuple(doc[1:])



def bad_cursor(list_name: str) -> InvalidInput:
    return InvalidInput(f"not a cursor of this list ({list_name}); pass back `next_cursor` "
                        "exactly as a page of it gave it", field="cursor")


def page_of(items: Sequence[T], list_name: str, key: Callable[[T], Key],
            page: PageRequest | None) -> Page[T]:
    """A page of a list computed in memory (bounded, e.g. one item per device), in the order
    of `key`, which must be unique: the same cursors as a list read with `store.pages`."""
    ordered = sorted(items, key=key)
    if page is not None and page.cursor:
        (after,) = decode_cursor(list_name, page.cursor, 1)
        if not all(type(key(item)) is type(after) for item in ordered[:1]):
            raise bad_cursor(list_name)
        ordered = [item for item in ordered if key(item) > after]  # type: ignore[operator]
    limit = None if page is None else page.limit
    if limit is None or len(ordered) <= limit:
        return Page(ordered)
    kept = ordered[:limit]
    return Page(kept, encode_cursor(list_name, [key(kept[-1])]))
