"""The registry's feed from the real broker into real SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from functools import partial
from typing import Any

import pytest
from kafka import KafkaProducer, TopicPartition
from sqlalchemy import text

from devtools.datagen import generate
from services.common.convert import KIND_FROM_PB, timestamp
from services.common.db import make_engine
from services.common.kafka_io import (
    all_topics,
    ensure_topics,
    make_consumer,
    make_producer,
    topic_name,
)
from services.core.provinces import Province
from services.core.records import RecordKind
from services.registry.ingest.feed import Ingestor
from services.registry.records.store import Feed as AppliedFeed
from tests.conftest import Databases
from tests.factories import AppliedStore
from tests.integration.pool_records import assessor as pool_assessor
from yrdhub.v1 import common_pb2, events_pb2, records_pb2


def _events(n: int = 8, seed: int = 3) -> list[events_pb2.Event]:
    data = generate(n, seed=seed)
    qualifications = [
        r
        for r in data.by_province[next(iter(data.by_province))]
        if r.WhichOneof("body") == "qualification"
    ]
    events = []
    for seq, record in enumerate(qualifications, start=1):
        events.append(_event(record, revision=1, sequence=seq))
    return events


def _event(record: records_pb2.Record, revision: int, sequence: int) -> events_pb2.Event:
    q = record.qualification
    return events_pb2.Event(
        event_id=str(uuid.uuid4()),
        province=common_pb2.PROVINCE_SH,
        record_key=f"qualification/{q.issuer}/{q.number}",
        kind=common_pb2.RECORD_KIND_QUALIFICATION,
        revision=revision,
        sequence=sequence,
        accepted_at=timestamp(dt.datetime.now(dt.UTC)),
        record=record,
    )


class Feed:
    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.topics = all_topics(prefix)
        self.topic = f"{prefix}yrd.{RecordKind.QUALIFICATION.value}.v1"
        ensure_topics(bootstrap, self.topics)
        self.producer: KafkaProducer = make_producer(bootstrap, "test-feed")

    def send(
        self, *events: events_pb2.Event, raw: bytes | None = None, topic: str | None = None
    ) -> None:
        """Each event on its kind's topic (or on `topic`)."""
        for event in events:
            kind = KIND_FROM_PB.get(event.kind, RecordKind.QUALIFICATION)
            self.producer.send(
                topic or topic_name(kind, self.prefix),
                key=event.record_key.encode(),
                value=event.SerializeToString(),
            )
        if raw is not None:
            self.producer.send(self.topic, key=b"garbage", value=raw)
        self.producer.flush()

    def ingestor(self, store: AppliedStore, **options: Any) -> Ingestor:
        """An Ingestor of these topics into `store` (with Ingestor's `options`), assigned."""
        ingestor = Ingestor(
            store.writer,
            partial(make_consumer, self.bootstrap, "test-registry"),
            self.topics,
            store.offsets,
            **options,
        )
        ingestor.assign()
        return ingestor


def _drain(
    ingestor: Ingestor, store: AppliedStore, until_applied: int, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ingestor.poll_once(timeout_ms=200)
        if sum(f.events_applied for f in store.feeds()) >= until_applied:
            # One more poll to pick up anything beyond (duplicates) before asserting.
            ingestor.poll_once(timeout_ms=300)
            return
    pytest.fail(f"applied {sum(f.events_applied for f in store.feeds())}, wanted {until_applied}")


@pytest.fixture
def store(db_url: str) -> AppliedStore:
    s = AppliedStore(make_engine(db_url))
    s.create_schema()
    return s


@pytest.fixture
def feed(kafka_bootstrap: str, unique_topic_prefix: str) -> Feed:
    return Feed(kafka_bootstrap, unique_topic_prefix)


def test_applies_events_and_answers_by_key_uscc_and_code(store: AppliedStore, feed: Feed) -> None:
    events = _events()
    feed.send(*events)
    ingestor = feed.ingestor(store)
    _drain(ingestor, store, len(events))
    assert store.record_count() == len(events)
    q = events[0].record.qualification
    assert [r.revision for r in store.by_key(events[0].record_key)] == [1]
    assert events[0].record_key in {r.record_key for r in store.by_uscc(q.institution_uscc)}
    assert [r.record_key for r in store.by_code(q.number)] == [events[0].record_key]
    feeds = {f.province: f for f in store.feeds()}
    sh = feeds.pop("SH")
    assert (sh.events_applied, sh.last_sequence) == (len(events), len(events))
    # The provinces nothing came from have a feed too, at its start.
    assert sorted(feeds) == ["AH", "JS", "ZJ"]
    assert {(f.last_sequence, f.events_applied, f.last_accepted_at) for f in feeds.values()} == {
        (0, 0, None)
    }


def _sh_feed(store: AppliedStore) -> AppliedFeed:
    [sh] = [f for f in store.feeds() if f.province == "SH"]
    return sh


def test_duplicates_and_out_of_order_revisions_converge(store: AppliedStore, feed: Feed) -> None:
    events = _events()
    second = events_pb2.Event()
    second.CopyFrom(events[0])
    second.revision = 2
    second.sequence = len(events) + 1
    second.record.qualification.status.canonical = common_pb2.CERTIFICATE_STATUS_REVOKED
    # Revision 2 first, then everything twice (a relay re-send after a crash).
    feed.send(second, *events, *events, second)
    ingestor = feed.ingestor(store)
    _drain(ingestor, store, len(events) + 1)
    assert store.record_count() == len(events)
    [current] = store.by_key(events[0].record_key)
    assert current.revision == 2
    assert events_pb2.Event.FromString(current.payload).record.qualification.status.canonical == (
        common_pb2.CERTIFICATE_STATUS_REVOKED
    )
    assert _sh_feed(store).events_applied == len(events) + 1


def test_a_restarted_feed_resumes_after_the_last_applied_event(
    db_url: str, store: AppliedStore, feed: Feed
) -> None:
    events = _events(12, seed=5)
    half = len(events) // 2
    feed.send(*events[:half])
    first = feed.ingestor(store)
    _drain(first, store, half)
    first.stop()

    feed.send(*events[half:])
    reopened = AppliedStore(make_engine(db_url))
    second = feed.ingestor(reopened)
    _drain(second, reopened, len(events))
    # It read only what came after the stored offsets: nothing applied twice.
    assert second.applied == len(events) - half
    assert reopened.record_count() == len(events)
    assert _sh_feed(reopened).events_applied == len(events)


def test_an_unreadable_event_is_set_aside_and_the_feed_goes_on(
    store: AppliedStore, feed: Feed
) -> None:
    events = _events(4)
    feed.send(raw=b"\xff\x00 not protobuf")
    feed.send(*events)
    ingestor = feed.ingestor(store)
    _drain(ingestor, store, len(events))
    [dead] = store.dead_letters()
    # Where and why are kept; bytes that do not parse are not (they could
    # hold personal data nobody can scrub).
    assert (dead.offset, dead.payload) == (0, b"")
    assert "corrupt" in dead.error or "parsing" in dead.error
    assert store.record_count() == len(events)


def test_an_assessor_identity_is_never_stored_even_from_a_faulty_exchange(
    store: AppliedStore, feed: Feed
) -> None:
    data = generate(10, seed=9)
    assessor = next(r for r in data.by_province[Province.SH] if r.WhichOneof("body") == "assessor")
    leaky = records_pb2.Record()
    leaky.CopyFrom(assessor)
    leaky.assessor.identity.name = "张三丰"
    leaky.assessor.identity.id_number = "110101199003071234"
    event = _event(leaky, revision=1, sequence=1)
    event.record_key = f"assessor/{leaky.assessor.assessor_id}"
    event.kind = common_pb2.RECORD_KIND_ASSESSOR
    feed.send(event)
    ingestor = feed.ingestor(store)
    _drain(ingestor, store, 1)
    [row] = store.by_key(event.record_key)
    assert events_pb2.Event.FromString(row.payload).record.assessor.assessor_id == (
        leaky.assessor.assessor_id
    )
    stored = b"".join(v.payload for v in store.versions(event.record_key))
    for secret in (b"110101199003071234", "张三丰".encode()):
        assert secret not in row.payload and secret not in stored


def test_a_failed_apply_is_read_again_not_skipped(store: AppliedStore, feed: Feed) -> None:
    events = _events(12, seed=13)
    feed.send(*events)
    ingestor = feed.ingestor(store)
    real_apply = store.writer.apply
    failures = iter([True])

    def flaky_apply(*args: Any, **kwargs: Any) -> int:
        # The database fails once, after poll() has already moved past the batch.
        if next(failures, False):
            raise OSError("database went away")
        return real_apply(*args, **kwargs)

    store.writer.apply = flaky_apply  # type: ignore[method-assign]
    with pytest.raises(OSError):  # the first poll that brings events fails to apply
        for _ in range(50):
            ingestor.poll_once(timeout_ms=200)
    _drain(ingestor, store, len(events))
    assert store.record_count() == len(events)
    assert sum(store.offsets().values()) == len(events)


def test_a_database_from_an_older_registry_is_refused_with_the_remedy(
    databases: Databases,
) -> None:
    engine = make_engine(databases.new("registry"))
    with engine.begin() as conn:
        # registry_record as it was before answers were stored with it.
        conn.execute(
            text(
                "CREATE TABLE registry_record (province VARCHAR(2), record_key VARCHAR(200), "
                "kind VARCHAR(32), payload BYTEA, PRIMARY KEY (province, record_key))"
                if engine.dialect.name == "postgresql"
                else "CREATE TABLE registry_record (province VARCHAR(2), record_key VARCHAR(200), "
                "kind VARCHAR(32), payload BLOB, PRIMARY KEY (province, record_key))"
            )
        )
    with pytest.raises(RuntimeError, match=r"registry_record lacks .*answer.*move the database"):
        AppliedStore(engine).create_schema()


def test_every_province_s_registration_of_one_person_is_kept(
    store: AppliedStore, feed: Feed
) -> None:
    """One person (one pseudonymous id) registered by Shanghai and Jiangsu: both
    registrations are applied, side by side, neither overwriting the other
    (the pool makes one person of them)."""
    key = "assessor/Aowned0000000000000000000000"

    def event(province: int, revision: int, sequence: int) -> events_pb2.Event:
        return events_pb2.Event(
            event_id=str(uuid.uuid4()),
            province=province,  # type: ignore[arg-type]
            record_key=key,
            kind=common_pb2.RECORD_KIND_ASSESSOR,
            revision=revision,
            sequence=sequence,
            accepted_at=timestamp(dt.datetime.now(dt.UTC)),
            record=pool_assessor(key.removeprefix("assessor/")),
        )

    feed.send(event(common_pb2.PROVINCE_SH, 1, 1))
    ingestor = feed.ingestor(store)
    _drain(ingestor, store, 1)
    feed.send(event(common_pb2.PROVINCE_JS, 7, 1), *_events(2))
    _drain(ingestor, store, 3)
    assert sorted((r.province, r.revision) for r in store.by_key(key)) == [("JS", 7), ("SH", 1)]
    assert store.dead_letters() == []


def test_a_poison_event_is_set_aside_and_the_events_around_it_are_applied(
    store: AppliedStore, feed: Feed
) -> None:
    """An event outside the contract (a province that does not exist), one
    that the store cannot hold (a NUL in a name, which PostgreSQL refuses)
    and one whose revision goes back against its sequence are dead letters
    with their reasons; the events polled with them and after them are
    applied, on either database."""
    events = _events(12, seed=17)
    outside = events_pb2.Event()
    outside.CopyFrom(events[3])
    outside.province = 142  # type: ignore[assignment]
    outside.revision = 2
    nul = events_pb2.Event()
    nul.CopyFrom(events[4])
    nul.record.qualification.institution_name = "上海\x00检测"
    nul.revision = 2
    nul.content_hash = b""
    backwards = events_pb2.Event()
    backwards.CopyFrom(events[5])
    backwards.revision = 2
    backwards.sequence = events[5].sequence - 1
    poisons = [
        (outside, "province 142 is not one of the contract's"),
        (nul, "U+0000"),
        (backwards, "revisions and sequences disagree"),
    ]
    feed.send(*events[:3], *(p for p, _ in poisons[:2]), *events[3:], poisons[2][0])
    ingestor = feed.ingestor(store)
    _drain(ingestor, store, len(events))
    assert store.record_count() == len(events)
    assert all(r.revision == 1 for e in events for r in store.by_key(e.record_key))
    dead = store.dead_letters()
    assert len(dead) == len(poisons)
    # Each poison set aside once, with its own reason (they lie on different
    # partitions, so no order between them is kept).
    for _, why in poisons:
        assert sum(why in letter.error for letter in dead) == 1, (why, dead)
    # Offsets moved past everything: a restart does not meet the poison again.
    assert sum(store.offsets().values()) == len(events) + len(poisons)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            lambda e: setattr(e, "kind", common_pb2.RECORD_KIND_GREEN_CERT),
            "carries a qualification record",
        ),
        (lambda e: setattr(e, "record_key", e.record_key + "0"), "is not the key of the record"),
        (lambda e: e.record.qualification.status.__setattr__("canonical", 99), "status 99"),
        (lambda e: setattr(e, "content_hash", b"\x00" * 32), "content_hash does not match"),
        (
            lambda e: e.accepted_at.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)),
            "ahead of the broker's timestamp",
        ),
        (
            lambda e: setattr(e.record.qualification, "institution_name", "检" * 501),
            "holder_name is 501 characters long, more than the 500 stored",
        ),
        (
            lambda e: setattr(e, "revision", 2**40),
            "revision 1099511627776 is beyond what is stored",
        ),
    ],
    ids=[
        "kind and body disagree",
        "key and body disagree",
        "status out of range",
        "hash",
        "acceptance time ahead of the broker",
        "name longer than stored",
        "revision beyond what is stored",
    ],
)
def test_events_that_do_not_hold_to_the_contract_are_dead_letters(
    store: AppliedStore, feed: Feed, change: Any, why: str
) -> None:
    events = _events(4, seed=23)
    bad = events_pb2.Event()
    bad.CopyFrom(events[0])
    bad.revision = 2
    change(bad)
    feed.send(bad, *events)
    ingestor = feed.ingestor(store)
    _drain(ingestor, store, len(events))
    [letter] = store.dead_letters()
    assert why in letter.error
    assert store.record_count() == len(events)


def test_an_event_on_another_kinds_topic_is_a_dead_letter(store: AppliedStore, feed: Feed) -> None:
    events = _events(3, seed=29)
    feed.send(*events[1:])
    feed.send(events[0], topic=topic_name(RecordKind.GREEN_CERT, feed.prefix))
    ingestor = feed.ingestor(store)
    _drain(ingestor, store, 2)
    [letter] = store.dead_letters()
    assert "an event of kind qualification on topic" in letter.error
    assert store.record_count() == 2


def test_a_failure_no_single_event_causes_is_retried_not_set_aside(
    store: AppliedStore, feed: Feed
) -> None:
    events = _events(12, seed=19)
    feed.send(*events)
    ingestor = feed.ingestor(store)
    real_apply = store.writer.apply
    failures = iter([True])

    def once(*args: Any, **kwargs: Any) -> int:
        # Fails the first time whatever the events: not the input's fault.
        if next(failures, False):
            raise RuntimeError("a fault of the moment")
        return real_apply(*args, **kwargs)

    store.writer.apply = once  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        for _ in range(50):
            ingestor.poll_once(timeout_ms=200)
    _drain(ingestor, store, len(events))
    assert store.record_count() == len(events) and store.dead_letters() == []


def test_a_feed_replaying_the_log_reports_its_lag_until_it_caught_up(
    store: AppliedStore, feed: Feed
) -> None:
    """What readiness is judged from: a feed not yet read has no lag, one
    replaying is as far behind as its topics hold events past it, and one that
    caught up is at 0."""
    events = _events(40, seed=31)
    feed.send(*events)
    ingestor = feed.ingestor(store, max_records=5, lag_every_s=0)
    assert ingestor.state().feed and ingestor.state().lag is None
    lags: list[int | None] = []
    deadline = time.monotonic() + 30
    while not lags or lags[-1] != 0:
        ingestor._step()  # one poll, as the worker runs it
        lags.append(ingestor.state().lag)
        assert time.monotonic() < deadline, lags
    behind = [lag for lag in lags if lag]
    assert behind and max(behind) <= len(events) - 5 and behind == sorted(behind, reverse=True), (
        lags
    )
    assert store.record_count() == len(events)


def _stepped_until(ingestor: Ingestor, done: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        ingestor._step()  # one poll, as the worker runs it
        assert time.monotonic() < deadline, "the feed did not get there"


def test_a_feed_whose_consumer_reads_nothing_while_behind_replaces_it(
    store: AppliedStore, feed: Feed
) -> None:
    """kafka-python's consumer could stop fetching for good after a broker
    restart. A feed that has read nothing for its stuck_after_s while its topics
    hold events makes a new consumer where the old one stood and reads on."""
    events = _events(40, seed=37)
    feed.send(*events[:10])
    ingestor = feed.ingestor(store, lag_every_s=0, stuck_after_s=1.0)
    _stepped_until(ingestor, lambda: store.record_count() == 10)
    stuck = ingestor._consumer
    # A real consumer that fetches nothing: each of its partitions paused.
    stuck.pause(*stuck.assignment())
    feed.send(*events[10:])
    _stepped_until(ingestor, lambda: store.record_count() == len(events))
    assert ingestor.renewals == 1 and ingestor._consumer is not stuck
    assert sum(f.events_applied for f in store.feeds()) == len(events)
    assert store.dead_letters() == []


def test_a_feed_with_one_partition_stuck_replaces_its_consumer_while_others_read(
    store: AppliedStore, feed: Feed
) -> None:
    """After a broker restart only the partitions it led may stop: a feed reading
    others all along still replaces its consumer, and the stuck partition's
    events are applied."""
    events = _events(400, seed=43)
    ingestor = feed.ingestor(store, lag_every_s=0, stuck_after_s=1.0)
    stuck = ingestor._consumer
    stuck.pause(TopicPartition(feed.topic, 0))
    done = threading.Event()
    sent: list[events_pb2.Event] = []

    def trickle() -> None:  # the other partitions get events all along
        for event in events:
            if done.is_set():
                return
            feed.send(event)
            sent.append(event)
            time.sleep(0.02)

    sender = threading.Thread(target=trickle)
    sender.start()
    try:
        _stepped_until(ingestor, lambda: ingestor.renewals > 0, timeout=6)
    finally:
        done.set()
        sender.join()
    _stepped_until(ingestor, lambda: store.record_count() == len(sent))
    assert ingestor._consumer is not stuck and ingestor.renewals == 1
    assert sum(f.events_applied for f in store.feeds()) == len(sent)
    assert store.dead_letters() == []


def test_a_caught_up_feed_keeps_its_consumer(store: AppliedStore, feed: Feed) -> None:
    """Reading nothing because there is nothing to read is not being stuck."""
    feed.send(*_events(8, seed=41))
    ingestor = feed.ingestor(store, lag_every_s=0, stuck_after_s=0.5)
    until = time.monotonic() + 2.0
    _stepped_until(ingestor, lambda: time.monotonic() > until)
    assert store.record_count() == len(_events(8, seed=41)) and ingestor.renewals == 0
