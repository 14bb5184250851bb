"""A copy of the active assignments counts, from any day, what counting its
rows from that day gives, however bookings and cancellations came and went."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.pool.active import _Copy
from services.registry.pool.tables import AssignmentRow
from tests.factories import booking

FIRST = dt.date(2026, 1, 1)


# Each step books assignment n (person, province, day), or cancels an earlier one.
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("book"),
            st.integers(0, 5),
            st.sampled_from(["SH", "JS", "ZJ", "AH"]),
            st.integers(-20, 40),
        ),
        st.tuples(st.just("cancel"), st.integers(0, 60), st.just(""), st.just(0)),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(steps, st.lists(st.integers(-25, 45), min_size=1, max_size=8))
def test_counts_from_any_day_are_those_of_the_rows_from_that_day(
    history: list[tuple[str, int, str, int]], days: list[int]
) -> None:
    copy = _Copy(version=0, since=FIRST - dt.timedelta(days=10), read_at=0.0)
    held: dict[int, AssignmentRow] = {}
    for n, (what, a, province, day) in enumerate(history):
        if what == "book":
            held[n] = booking(
                f"A{a}", f"team-{n}", FIRST + dt.timedelta(days=day), province=province
            )
            copy.add([held[n]])
        elif a in held:
            copy.remove([held.pop(a)])
    for day in days:
        since = FIRST + dt.timedelta(days=day)
        # What the copy holds: those from its own first day on.
        kept = [r for r in held.values() if r.start_date >= copy.since]
        later = [r for r in kept if r.start_date >= since]
        assert copy.since_day(since, copy.people, copy.people_count) == dict(
            Counter(r.assessor_id for r in later)
        )
        assert copy.since_day(since, copy.provinces, copy.province_count) == dict(
            Counter(r.home_province for r in later)
        )
