"""Exchange publishing through the relay to the real Kafka broker."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from devtools.datagen import generate
from services.common.db import make_engine
from services.common.kafka_io import (
    all_topics,
    checkpoint_topic,
    ensure_topics,
    make_producer,
    topic_name,
)
from services.core.errors import Unavailable
from services.core.provinces import Province
from services.exchange.outbox import Outbox
from services.exchange.publishing import Outcome, Publisher
from services.exchange.relay import Relay
from tests.integration.kafka_helpers import read_events
from yrdhub.v1 import common_pb2, records_pb2


def _valid_records(province: Province, n: int = 10) -> list[records_pb2.Record]:
    data = generate(n, seed=7)
    bad = data.invalid_indexes[province]
    return [r for i, r in enumerate(data.by_province[province]) if i not in bad]


def _exchange(db_url: str, bootstrap: str, prefix: str) -> tuple[Outbox, Publisher, Relay]:
    outbox = Outbox(make_engine(db_url), "SH")
    outbox.create_schema()
    ensure_topics(bootstrap, all_topics(prefix))
    relay = Relay(
        outbox,
        make_producer(bootstrap, "test"),
        lambda k: topic_name(k, prefix),
        checkpoint_topic(prefix),
    )
    return outbox, Publisher(Province.SH, outbox, on_stored=relay.wake), relay


def _wait_published(outbox: Outbox, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = outbox.status()
        if status.last_published_sequence == status.last_sequence:
            return
        time.sleep(0.05)
    pytest.fail(f"relay did not catch up: {outbox.status()}")


def test_relay_publishes_every_event_keyed_and_in_order(
    db_url: str, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    outbox, publisher, relay = _exchange(db_url, kafka_bootstrap, unique_topic_prefix)
    records = _valid_records(Province.SH)
    relay.start()
    try:
        first = publisher.publish(records)
        # A second version of one certificate: its revisions must stay ordered.
        changed = records_pb2.Record()
        changed.CopyFrom(next(r for r in records if r.WhichOneof("body") == "qualification"))
        changed.qualification.status.canonical = common_pb2.CERTIFICATE_STATUS_SUSPENDED
        second = publisher.publish([changed])
        _wait_published(outbox)
    finally:
        relay.stop()
    assert all(r.outcome is Outcome.ACCEPTED for r in first)
    assert second[0].revision == 2

    events = read_events(kafka_bootstrap, all_topics(unique_topic_prefix), len(records) + 1)
    assert len(events) == len(records) + 1
    assert sorted(e.sequence for _, _, e in events) == list(range(1, len(records) + 2))
    revisions: dict[str, list[int]] = defaultdict(list)
    for topic, key, event in events:
        assert key == event.record_key.encode()
        assert topic == f"{unique_topic_prefix}yrd.{event.record_key.split('/')[0]}.v1"
        assert event.province == common_pb2.PROVINCE_SH
        revisions[event.record_key].append(event.revision)
    assert revisions[second[0].record_key] == [1, 2]


def test_events_stored_while_the_relay_was_down_go_out_on_restart(
    db_url: str, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    outbox, publisher, relay = _exchange(db_url, kafka_bootstrap, unique_topic_prefix)
    records = _valid_records(Province.SH, 5)
    publisher.publish(records)  # acknowledged, but no relay is running
    assert outbox.status().last_published_sequence == 0

    _, _, restarted = _exchange(db_url, kafka_bootstrap, unique_topic_prefix)
    restarted.start()
    try:
        _wait_published(outbox)
    finally:
        restarted.stop()
    relay.stop()
    events = read_events(kafka_bootstrap, all_topics(unique_topic_prefix), len(records))
    assert sorted(e.sequence for _, _, e in events) == list(range(1, len(records) + 1))


def test_an_outbox_kafka_has_not_drained_is_bounded_and_takes_records_again_once_it_has(
    db_url: str, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    """Backpressure: with the relay not publishing (Kafka away), the outbox
    takes records up to its bound, then a publish is UNAVAILABLE with a retry
    hint and stores nothing; once the relay drains it, publishing goes on."""
    outbox, _, relay = _exchange(db_url, kafka_bootstrap, unique_topic_prefix)
    publisher = Publisher(Province.SH, outbox, max_pending=3)
    records = _valid_records(Province.SH)[:6]
    assert all(r.outcome is Outcome.ACCEPTED for r in publisher.publish(records[:3]))
    with pytest.raises(Unavailable, match=r"3 events wait for Kafka") as refused:
        publisher.publish(records[3:4])
    assert refused.value.retry_after == 5
    assert outbox.unpublished_count() == 3 and outbox.status().last_sequence == 3
    while relay.drain_once():  # Kafka is back: the relay catches up
        pass
    assert outbox.unpublished_count() == 0
    assert all(r.outcome is Outcome.ACCEPTED for r in publisher.publish(records[3:]))
    relay.stop()
