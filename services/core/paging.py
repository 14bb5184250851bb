"""Pages of a list answer: a bounded size, and a token that says where the
next page starts, by the items' own order (not a position, which would skip or
repeat items when the list changes between calls)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.core.errors import InvalidRequest, Violation

T = TypeVar("T")

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    # Empty on the last page.
    next_token: str


def page_of(
    items: Sequence[T], key: Callable[[T], str], page_size: int, page_token: str
) -> Page[T]:
    """The items after `page_token`'s, in `key` order, at most `page_size`
    (0: MAX_PAGE) of them."""
    if not 0 <= page_size <= MAX_PAGE:
        raise InvalidRequest("bad page size", [Violation("page_size", f"between 0 and {MAX_PAGE}")])
    after = _decode(page_token) if page_token else None
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [item for item in ordered if key(item) > after]
    size = page_size or MAX_PAGE
    page = ordered[:size]
    more = len(ordered) > size
    return Page(page, _encode(key(page[-1])) if more and page else "")


def _encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decode(token: str) -> str:
    try:
        padded = token + "=" * (-len(token) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidRequest(
            "bad page token", [Violation("page_token", "use a next_page_token as it came")]
        ) from None
