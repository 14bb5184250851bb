"""Pages by the items' own order: bounded, resumable, and refusing what is not
a page size or a token."""

from __future__ import annotations

import datetime as dt

import pytest

from services.common.convert import as_of_paged, query_of
from services.core.errors import InvalidRequest
from services.core.paging import (
    MAX_PAGE,
    limit_of,
    next_page_token,
    page_of,
    pinned_by,
    token_after,
)
from tests.factories import LAB_A, LAB_B
from yrdhub.v1 import common_pb2, reconciliation_pb2, registry_pb2

HOLDERS = reconciliation_pb2.CONFLICT_TYPE_HOLDER_MISMATCH
STATUSES = reconciliation_pb2.CONFLICT_TYPE_STATUS_DISAGREEMENT


def test_pages_cover_the_list_once_in_order_even_when_it_grows() -> None:
    items = [f"k{i:03d}" for i in range(7)]
    first = page_of(items, str, 3, "")
    assert first.items == ["k000", "k001", "k002"] and first.next_token
    items.insert(0, "a-new-first")  # before the token: not repeated, nothing skipped
    second = page_of(items, str, 3, first.next_token)
    third = page_of(items, str, 3, second.next_token)
    assert second.items == ["k003", "k004", "k005"] and third.items == ["k006"]
    assert third.next_token == ""


def test_page_size_zero_means_the_largest_page() -> None:
    page = page_of(list(range(MAX_PAGE + 5)), lambda i: f"{i:06d}", 0, "")
    assert len(page.items) == MAX_PAGE and page.next_token


@pytest.mark.parametrize(
    ("size", "token", "field"),
    [(-1, "", "page_size"), (MAX_PAGE + 1, "", "page_size"), (10, "%%%", "page_token")],
)
def test_what_is_not_a_page_is_refused_with_the_field(size: int, token: str, field: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        page_of(["a"], str, size, token)
    assert [v.field for v in refused.value.violations] == [field]


def test_a_token_carries_what_the_first_page_was_answered_at() -> None:
    first = page_of(["a", "b", "c"], str, 1, "", pinned="2026-12-02|2026-12-02T02:00:05+00:00")
    assert pinned_by(first.next_token) == "2026-12-02|2026-12-02T02:00:05+00:00"
    second = page_of(["a", "b", "c"], str, 1, first.next_token, pinned_by(first.next_token))
    assert second.items == ["b"] and pinned_by(second.next_token) == pinned_by(first.next_token)
    assert pinned_by("") == ""


def test_a_bare_number_token_of_the_earlier_list_conflicts_still_follows_on() -> None:
    # ListConflicts' tokens were the last conflict id, with nothing pinned.
    assert (token_after("41"), pinned_by("41")) == ("41", "")
    token = next_page_token("41", "2026-12-07|2026-12-07T04:00:00+00:00")
    assert (token_after(token), pinned_by(token)) == ("41", "2026-12-07|2026-12-07T04:00:00+00:00")


def test_a_token_pages_only_the_query_it_came_from() -> None:
    first = page_of(["a", "b", "c"], str, 1, "", query="uscc=A")
    assert page_of(["a", "b", "c"], str, 1, first.next_token, query="uscc=A").items == ["b"]
    with pytest.raises(InvalidRequest) as refused:
        page_of(["x", "y", "z"], str, 1, first.next_token, query="uscc=B")
    [violation] = refused.value.violations
    assert violation.field == "page_token" and "another filter" in violation.description
    # A token made before fingerprints (two parts) pages any query, as it did.
    earlier = "WyJhIiwgIiJd"  # ["a", ""]
    assert (token_after(earlier, "uscc=B"), pinned_by(earlier)) == ("a", "")


def test_a_query_fingerprint_leaves_out_paging_and_as_of_only() -> None:
    asked = registry_pb2.ListConflictsRequest(uscc=LAB_A, open_only=True, page_size=2)
    followed = registry_pb2.ListConflictsRequest(
        uscc=LAB_A,
        open_only=True,
        page_size=5,
        page_token="t",
        as_of=common_pb2.AsOf(valid_on="2026-12-01"),
    )
    assert query_of(asked) == query_of(followed)
    assert query_of(asked) != query_of(registry_pb2.ListConflictsRequest(uscc=LAB_A))
    assert query_of(asked) != query_of(
        registry_pb2.ListConflictsRequest(uscc=LAB_B, open_only=True)
    )
    assert asked.page_size == 2  # the request itself is left as it came


def test_a_query_fingerprint_is_of_the_filter_as_read_spaces_around_and_set_order_aside() -> None:
    """A token of a page asked with a record key was refused when the next
    page sent it with spaces around, and so was ListConflicts' types sent in
    another order: the registry reads both as the same query."""
    asked = registry_pb2.ListConflictsRequest(uscc=LAB_A, types=[HOLDERS, STATUSES])
    again = registry_pb2.ListConflictsRequest(uscc=f" {LAB_A}\u3000", types=[STATUSES, HOLDERS])
    assert query_of(asked) == query_of(again)
    assert again.uscc == f" {LAB_A}\u3000" and list(again.types) == [
        STATUSES,
        HOLDERS,
    ]  # left as sent
    # A USCC or a key in lower case or full width is the same filter too.
    assert query_of(registry_pb2.ListInstitutionRecordsRequest(uscc=LAB_A.lower())) == query_of(
        registry_pb2.ListInstitutionRecordsRequest(uscc=LAB_A.translate(FULL_WIDTH))
    )
    assert query_of(registry_pb2.ListConflictsRequest(uscc=LAB_A.lower())) == query_of(
        registry_pb2.ListConflictsRequest(uscc=LAB_A)
    )
    assert query_of(
        registry_pb2.GetRecordHistoryRequest(record_key="report/230901000001/bg-1")
    ) == query_of(registry_pb2.GetRecordHistoryRequest(record_key="report/230901000001/BG-1"))
    history = registry_pb2.GetRecordHistoryRequest(record_key=" qualification/09/230901000001 ")
    assert query_of(history) == query_of(
        registry_pb2.GetRecordHistoryRequest(record_key="qualification/09/230901000001")
    )
    watched = registry_pb2.WatchChangesRequest(
        watch_list=registry_pb2.WatchList(holder_usccs=[LAB_B, f" {LAB_A}"])
    )
    assert query_of(watched) == query_of(
        registry_pb2.WatchChangesRequest(
            watch_list=registry_pb2.WatchList(holder_usccs=[LAB_A, LAB_B])
        )
    )
    assert query_of(asked) != query_of(
        registry_pb2.ListConflictsRequest(uscc=LAB_A, types=[HOLDERS])
    )


def test_a_limit_takes_its_default_at_zero_is_capped_and_refused_below_zero() -> None:
    assert (limit_of(0, 100, 1000), limit_of(7, 100, 1000), limit_of(5000, 100, 1000)) == (
        100,
        7,
        1000,
    )
    with pytest.raises(InvalidRequest) as refused:
        limit_of(-1, 100, 1000)
    [violation] = refused.value.violations
    assert violation.field == "limit" and "-1" in violation.description


def test_a_following_page_is_answered_at_the_pinned_as_of_or_refused_naming_as_of() -> None:
    pin = "2026-12-02|2026-12-02T02:00:05+00:00"
    token = next_page_token("a", pin)
    then = dt.datetime(2026, 12, 2, 2, 0, 5, tzinfo=dt.UTC)
    same = common_pb2.AsOf(valid_on="2026-12-02")
    same.known_at.FromDatetime(then)
    # None, or the pinned one whole or in part: the first page's as_of.
    for asked in (common_pb2.AsOf(), same, common_pb2.AsOf(valid_on="2026-12-02")):
        assert as_of_paged(asked, token) == ("2026-12-02", then), asked
    later = common_pb2.AsOf()
    later.known_at.FromDatetime(then + dt.timedelta(seconds=1))
    # Another day alone would have been answered at the present's knowledge.
    for asked in (common_pb2.AsOf(valid_on="2026-01-01"), later):
        with pytest.raises(InvalidRequest) as refused:
            as_of_paged(asked, token)
        [violation] = refused.value.violations
        assert violation.field == "as_of" and "first page's as_of" in violation.description
    # Without a token, as asked.
    assert as_of_paged(common_pb2.AsOf(valid_on="2026-01-01"), "") == ("2026-01-01", None)


FULL_WIDTH = {c: c + 0xFEE0 for c in range(ord("0"), ord("Z") + 1)}
