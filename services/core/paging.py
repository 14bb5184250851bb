"""Pages of a list answer: a bounded size, and a token that says where the
next page starts, by the items' own order (not a position, which would skip or
repeat items when the list changes between calls). A token may also carry
what the first page was answered at (its as_of), so that the pages a client
follows make one answer even when it never names an as_of itself, and which
query it pages (a fingerprint of the request's filter): a token is refused
with another query, whose pages it would enter at a position of this one's."""

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
    query: str = "",
) -> Page[T]:
    """The items after `page_token`'s, in `key` order, at most `page_size`
    (0: MAX_PAGE) of them; the next token carries `pinned` (see pinned_by)
    and `query` (see token_after)."""
    if not 0 <= page_size <= MAX_PAGE:
        raise InvalidRequest("bad page size", [Violation("page_size", f"between 0 and {MAX_PAGE}")])
    after = token_after(page_token, query) if page_token else None
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [item for item in ordered if key(item) > after]
    size = page_size or MAX_PAGE
    page = ordered[:size]
    more = len(ordered) > size
    token = next_page_token(key(page[-1]), pinned, query) if more and page else ""
    return Page(page, token)


def limit_of(asked: int, default: int, most: int) -> int:
    """A list call's `limit`: 0 is `default`, more than `most` is `most` (the
    list's newest are what such a call wants), a negative one is refused."""
    if asked < 0:
        raise InvalidRequest(
            "bad limit", [Violation("limit", f"0 for {default:,}, or up to {most:,}; not {asked}")]
        )
    return default if asked == 0 else min(asked, most)


def next_page_token(last_key: str, pinned: str = "", query: str = "") -> str:
    """The token of the page after the item keyed `last_key`, carrying
    `pinned` (see pinned_by) and `query` (see token_after): for lists paged
    where they are stored."""
    return _encode(last_key, pinned, query)


def token_after(page_token: str, query: str = "") -> str:
    """The key of the item a token's page starts after ("" for no token), or
    InvalidRequest if the token pages another query than `query` (a
    fingerprint of the request's filter; tokens made before fingerprints
    carry none and page any)."""
    if not page_token:
        return ""
    after, _, paged = _decode(page_token)
    if paged and query and paged != query:
        raise InvalidRequest(
            "page token of another query",
            [
                Violation(
                    "page_token",
                    "comes from a query with another filter: send the filter its first "
                    "page had, or start again without a token",
                )
            ],
        )
    return after


def pinned_by(page_token: str) -> str:
    """What the token's first page was answered at ("" for none or no token)."""
    return _decode(page_token)[1] if page_token else ""


def _encode(key: str, pinned: str, query: str) -> str:
    text = json.dumps([key, pinned, query], ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[str, str, str]:
    if token.isdecimal():
        # ListConflicts' tokens before 7 December 2026: the last conflict id,
        # with nothing pinned.
        return token, "", ""
    try:
        padded = token + "=" * (-len(token) % 4)
        # Two parts: a token made before query fingerprints.
        key, pinned, *query = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
        parts = (key, pinned, *query, "")[:3]
        if len(query) <= 1 and all(isinstance(p, str) for p in parts):
            return parts[0], parts[1], parts[2]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        pass
    raise InvalidRequest(
        "bad page token", [Violation("page_token", "use a next_page_token as it came")]
    )
