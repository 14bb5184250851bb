"""The exchange's outbox against real SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.common.db import make_engine
from services.common.record_mapping import to_record_pb
from services.core.provinces import Province
from services.exchange.outbox import Candidate, NewEvent, Outbox
from services.exchange.outbox_tables import answer_table
from services.exchange.publishing import Publisher
from tests.factories import qualification

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


def _candidate(key: str, content: str) -> Candidate:
    return Candidate(key, "qualification", hashlib.sha256(content.encode()).digest())


def _payload(new: NewEvent) -> bytes:
    return f"{new.sequence}:{new.revision}".encode()


_ids = (f"id-{n}" for n in itertools.count())


def _store(outbox: Outbox, *cands: Candidate) -> list[tuple[int, bool]]:
    stored = outbox.store(list(cands), _payload, lambda: next(_ids), NOW)
    return [(s.revision, s.changed) for s in stored]


@pytest.fixture
def engine(db_url: str) -> Engine:
    return make_engine(db_url)


@pytest.fixture
def outbox(engine: Engine) -> Outbox:
    box = Outbox(engine, "SH")
    box.create_schema()
    return box


def test_new_content_gets_a_new_revision_and_identical_content_none(outbox: Outbox) -> None:
    assert _store(outbox, _candidate("a", "v1"), _candidate("b", "v1")) == [(1, True), (1, True)]
    assert _store(outbox, _candidate("a", "v1")) == [(1, False)]
    assert _store(outbox, _candidate("a", "v2"), _candidate("b", "v1")) == [(2, True), (1, False)]
    assert outbox.status().last_sequence == 3


def test_one_key_twice_in_a_batch_orders_its_revisions(outbox: Outbox) -> None:
    stored = _store(outbox, _candidate("a", "v1"), _candidate("a", "v1"), _candidate("a", "v2"))
    assert stored == [(1, True), (1, False), (2, True)]


def test_a_batch_sent_again_stores_nothing_even_with_a_record_in_two_versions(
    outbox: Outbox,
) -> None:
    # A provincial system re-sends a batch whose answer it lost: record "a" in
    # it changes twice, which its current revision alone cannot tell.
    batch = [_candidate("a", "v1"), _candidate("b", "v1"), _candidate("a", "v2")]
    first = outbox.store(batch, _payload, lambda: next(_ids), NOW)
    again = outbox.store(batch, _payload, lambda: next(_ids), NOW)
    assert [(s.revision, s.changed) for s in first] == [(1, True), (1, True), (2, True)]
    assert [(s.revision, s.changed) for s in again] == [(1, False), (1, False), (2, False)]
    assert [s.event_id for s in again] == [s.event_id for s in first]
    assert outbox.status().last_sequence == 3
    # Once "a" has moved on, the same two versions are two changes again.
    assert _store(outbox, _candidate("a", "v3")) == [(3, True)]
    assert _store(outbox, batch[0], batch[2]) == [(4, True), (5, True)]
    assert _store(outbox, batch[0], batch[2]) == [(4, False), (5, False)]


def test_pending_events_carry_the_request_id_of_the_publish_that_stored_them(
    outbox: Outbox,
) -> None:
    outbox.store(
        [_candidate("a", "v"), _candidate("b", "v")], _payload, lambda: next(_ids), NOW, "r1"
    )
    outbox.store([_candidate("c", "v")], _payload, lambda: next(_ids), NOW)
    outbox.store([_candidate("a", "v")], _payload, lambda: next(_ids), NOW, "r-unchanged")
    outbox.store([_candidate("d", "v")], _payload, lambda: next(_ids), NOW, "r2")
    pending = outbox.pending(limit=10)
    assert [(p.record_key, p.request_id) for p in pending] == [
        ("a", "r1"),
        ("b", "r1"),
        ("c", ""),
        ("d", "r2"),
    ]
    outbox.mark_published(2)
    assert [p.request_id for p in outbox.pending(limit=10)] == ["", "r2"]


def test_pending_events_come_in_sequence_order_until_marked(outbox: Outbox) -> None:
    _store(outbox, *(_candidate(f"k{i}", "v") for i in range(10)))
    pending = outbox.pending(limit=4)
    assert [p.sequence for p in pending] == [1, 2, 3, 4]
    assert pending[0].payload == b"1:1"
    outbox.mark_published(4)
    assert [p.sequence for p in outbox.pending(limit=100)] == list(range(5, 11))
    status = outbox.status()
    assert (status.last_sequence, status.last_published_sequence) == (10, 4)
    assert status.oldest_pending_at is not None


def test_state_survives_reopening_the_database(db_url: str, outbox: Outbox) -> None:
    _store(outbox, _candidate("a", "v1"))
    outbox.mark_published(1)
    reopened = Outbox(make_engine(db_url), "SH")
    reopened.create_schema()
    assert _store(reopened, _candidate("a", "v1"), _candidate("a", "v2")) == [(1, False), (2, True)]
    assert [p.sequence for p in reopened.pending(10)] == [2]


def test_a_database_serves_one_province_only(db_url: str, outbox: Outbox) -> None:
    with pytest.raises(RuntimeError, match="belongs to the SH exchange"):
        Outbox(make_engine(db_url), "JS").create_schema()


def test_a_failed_batch_stores_nothing(outbox: Outbox) -> None:
    def explode(new: NewEvent) -> bytes:
        if new.sequence == 2:
            raise ValueError("payload failed")
        return b"x"

    with pytest.raises(ValueError):
        outbox.store([_candidate("a", "v"), _candidate("b", "v")], explode, lambda: next(_ids), NOW)
    status = outbox.status()
    assert status.last_sequence == 0
    assert status.records_by_kind == {}
    assert outbox.pending(10) == []


def test_a_late_retry_under_its_request_id_is_answered_as_before_and_stores_nothing(
    outbox: Outbox,
) -> None:
    # The answer to r1 was lost; r2 moved "a" on; then r1 arrives again.
    batch = [_candidate("a", "v1"), _candidate("b", "v1")]
    first = outbox.store(batch, _payload, lambda: next(_ids), NOW, "r1", request_key="sys r1")
    outbox.store(
        [_candidate("a", "v2")], _payload, lambda: next(_ids), NOW, "r2", request_key="sys r2"
    )
    again = outbox.store(batch, _payload, lambda: next(_ids), NOW, "r1", request_key="sys r1")
    assert [(s.revision, s.event_id, s.changed) for s in again] == [
        (s.revision, s.event_id, False) for s in first
    ]
    assert outbox.status().last_sequence == 3
    # The same content under another request id is a correction back to it.
    assert [
        (s.revision, s.changed)
        for s in outbox.store(batch, _payload, lambda: next(_ids), NOW, "r3", request_key="sys r3")
    ] == [(3, True), (1, False)]


def test_a_request_id_sent_with_other_records_or_by_another_caller_is_a_publish_of_its_own(
    outbox: Outbox,
) -> None:
    first = outbox.store(
        [_candidate("a", "v1")], _payload, lambda: next(_ids), NOW, request_key="sys r1"
    )
    other = outbox.store(
        [_candidate("a", "v2")], _payload, lambda: next(_ids), NOW, request_key="sys r1"
    )
    assert [(s.revision, s.changed) for s in other] == [(2, True)]
    # Each batch under the id keeps its answer (a system may name a whole sync
    # run with one): the first sent again late is answered as it was, and
    # does not undo the second. It was stored again as revision 3.
    back = outbox.store(
        [_candidate("a", "v1")], _payload, lambda: next(_ids), NOW, request_key="sys r1"
    )
    assert [(s.revision, s.event_id, s.changed) for s in back] == [(1, first[0].event_id, False)]
    elsewhere = outbox.store(
        [_candidate("a", "v1")], _payload, lambda: next(_ids), NOW, request_key="other r1"
    )
    assert [(s.revision, s.changed) for s in elsewhere] == [(3, True)]


def test_answers_are_kept_for_a_day(outbox: Outbox, engine: Engine) -> None:
    batch = [_candidate("a", "v1")]
    outbox.store(batch, _payload, lambda: next(_ids), NOW, request_key="sys r1")
    outbox.store([_candidate("a", "v2")], _payload, lambda: next(_ids), NOW, request_key="sys r2")
    later = NOW + dt.timedelta(hours=23)
    assert [
        s.changed
        for s in outbox.store(batch, _payload, lambda: next(_ids), later, request_key="sys r1")
    ] == [False]
    # A day on, r1's answer is forgotten: the batch is new content again.
    next_day = NOW + dt.timedelta(days=1, seconds=1)
    outbox.store(
        [_candidate("y", "v1")], _payload, lambda: next(_ids), next_day, request_key="sys r4"
    )
    with engine.connect() as conn:  # and dropped by the next publish that keeps one
        [kept] = conn.execute(select(answer_table.c.request)).scalars()
        assert kept.startswith("sys r4 ")
    retried = outbox.store(batch, _payload, lambda: next(_ids), next_day, request_key="sys r1")
    assert [(s.revision, s.changed) for s in retried] == [(3, True)]


def test_a_publish_keeps_its_answer_only_under_a_request_id_its_caller_named(
    outbox: Outbox, engine: Engine
) -> None:
    # An id made for the call is never sent again: keeping its answer would
    # only cost a row a batch.
    publisher = Publisher(Province.SH, outbox)
    publisher.publish([to_record_pb(qualification(serial=1))], "made", retryable=False)
    publisher.publish([to_record_pb(qualification(serial=2))], "named")
    with engine.connect() as conn:
        kept = list(conn.execute(select(answer_table.c.request)).scalars())
    assert [key.split(" ")[1] for key in kept] == ["named"]  # "<caller> <id> <batch>"
