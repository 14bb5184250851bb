"""The registry's status answers what it holds now, without counting every
record at every call (a monitor polls it; at 10M records a count takes over
0.1 s), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from services.common.db import make_engine
from services.core.provinces import Province
from services.registry.records.queries import RegistryQueries
from tests.factories import AppliedStore, event, qualification


def test_the_record_count_follows_every_apply_and_is_counted_once_per_apply(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = AppliedStore(make_engine(db_url))
    store.create_schema()
    queries = RegistryQueries(store)
    counted: list[int] = []
    count = store.record_count

    def counting() -> int:
        counted.append(count())
        return counted[-1]

    monkeypatch.setattr(store, "record_count", counting)

    def records() -> int:
        return queries.record_count(queries.feeds())

    assert records() == 0
    store.apply(
        [event(qualification(serial=n), Province.SH, sequence=n) for n in (1, 2, 3)],
        {("t", 0): 3},
    )
    assert [records(), records(), records()] == [3, 3, 3]
    assert counted == [0, 3]
    # A new revision of a record held, a new record, and one from another province.
    store.apply(
        [
            event(qualification(serial=1, name="改名"), Province.SH, revision=2, sequence=4),
            event(qualification(serial=4), Province.SH, sequence=5),
            event(qualification(issuer="11", serial=1), Province.ZJ, sequence=1),
        ],
        {("t", 0): 6},
    )
    assert records() == 5
    store.apply([], {("t", 0): 7})  # nothing new: not counted again
    assert [records(), records()] == [5, 5]
    assert counted == [0, 3, 5]
