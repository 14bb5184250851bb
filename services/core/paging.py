"""Pages of a list answer: a bounded size, and a token that says where the
next page starts, by the items' own order (not a position, which would skip or
repeat items when the list changes between calls). A token may also carry
what the first page was answered at (its as_of), so that the pages a client
follows make one answer even when it never names an as_of itself."""

from __future__ import annotations

import base64
import binascii
import json
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
    items: Sequence[T],
    key: Callable[[T], str],
    page_size: int,
    page_token: str,
    pinned: str = "",
) -> Page[T]:
    """The items after `page_token`'s, in `key` order, at most `page_size`
    (0: MAX_PAGE) of them; the next token carries `pinned` (see pinned_by)."""
    if not 0 <= page_size <= MAX_PAGE:
        raise InvalidRequest("bad page size", [Violation("page_size", f"between 0 and {MAX_PAGE}")])
    after = _decode(page_token)[0] if page_token else None
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [item for item in ordered if key(item) > after]
    size = page_size or MAX_PAGE
    page = ordered[:size]
    more = len(ordered) > size
    return Page(page, next_page_token(key(page[-1]), pinned) if more and page else "")


def next_page_token(last_key: str, pinned: str = "") -> str:
    """The token of the page after the item keyed `last_key`, carrying
    `pinned` (see pinned_by): for lists paged where they are stored."""
    return _encode(last_key, pinned)


def token_after(page_token: str) -> str:
    """The key of the item a token's page starts after ("" for no token)."""
    return _decode(page_token)[0] if page_token else ""


def pinned_by(page_token: str) -> str:
    """What the token's first page was answered at ("" for none or no token)."""
    return _decode(page_token)[1] if page_token else ""


def _encode(key: str, pinned: str) -> str:
    text = json.dumps([key, pinned], ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[str, str]:
    if token.isdecimal():
        # ListConflicts' tokens before 7 December 2026: the last conflict id,
        # with nothing pinned.
        return token, ""
    try:
        padded = token + "=" * (-len(token) % 4)
        key, pinned = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
        if isinstance(key, str) and isinstance(pinned, str):
            return key, pinned
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        pass
    raise InvalidRequest(
        "bad page token", [Violation("page_token", "use a next_page_token as it came")]
    )
