"""The benchmark's storage floor writes exactly the rows a registry keeps, on
SQLite and PostgreSQL, so that its rate bounds what any apply could reach; so
does its read-and-store floor, which reads the events from Kafka too."""

from __future__ import annotations

import pytest
from google.protobuf.message import DecodeError
from sqlalchemy import func, select

from bench.floor import read_and_store_floor_rps, storage_floor_rps
from services.common.db import make_engine
from services.common.kafka_io import ensure_topics, make_producer
from services.core.provinces import Province
from services.registry.records.tables import RecordTables
from tests.conftest import Databases
from tests.factories import AppliedStore, event, green_cert, qualification
from yrdhub.v1 import events_pb2


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = {}
            for name in ("record_version", "registry_record"):
                table = RecordTables.metadata.tables[name]
                found[name] = sorted(
                    tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))
                )
                assert conn.execute(select(func.count()).select_from(table)).scalar_one() > 0
            return found
    finally:
        engine.dispose()


def _applied_registry(databases: Databases) -> str:
    source = databases.new("registry")
    store = AppliedStore(make_engine(source))
    store.create_schema()
    cert = green_cert()
    store.apply(
        [
            event(qualification(), Province.SH),
            event(cert, Province.ZJ),
            event(cert, Province.ZJ, revision=2),
            event(green_cert(number="CQC2024GP0000002", label="GP00000000000002"), Province.JS),
        ],
        {},
    )
    return source


def test_the_floor_writes_every_row_of_the_registry_it_copies(databases: Databases) -> None:
    source = _applied_registry(databases)
    target = databases.new("floor")
    assert storage_floor_rps(source, target, batch=2) > 0
    assert _rows(target) == _rows(source)


def _events_topic(bootstrap: str, prefix: str, count: int, value: bytes | None = None) -> str:
    """A new topic holding `count` events (or messages of `value`)."""
    topic = f"{prefix}events"
    ensure_topics(bootstrap, [topic])
    producer = make_producer(bootstrap, "test-floor")
    try:
        for n in range(count):
            event_bytes = events_pb2.Event(sequence=n + 1).SerializeToString()
            producer.send(topic, key=b"k%d" % n, value=value or event_bytes)
        producer.flush()
    finally:
        producer.close()
    return topic


def test_the_read_and_store_floor_reads_the_events_and_writes_every_row(
    databases: Databases, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    source = _applied_registry(databases)
    topic = _events_topic(kafka_bootstrap, unique_topic_prefix, 4)
    target = databases.new("rw-floor")
    assert read_and_store_floor_rps(kafka_bootstrap, [topic], source, target, batch=2) > 0
    assert _rows(target) == _rows(source)


def test_the_read_and_store_floor_fails_when_the_topics_hold_fewer_events(
    databases: Databases, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    source = _applied_registry(databases)
    topic = _events_topic(kafka_bootstrap, unique_topic_prefix, 3)
    # However many it read before its time was up (all three, on a quick broker).
    with pytest.raises(RuntimeError, match=r"the reader stopped after [0-3] of 4 events"):
        read_and_store_floor_rps(
            kafka_bootstrap, [topic], source, databases.new("rw-floor"), timeout=5
        )


def test_the_read_and_store_floor_says_why_its_reader_failed(
    databases: Databases, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    source = _applied_registry(databases)
    topic = _events_topic(kafka_bootstrap, unique_topic_prefix, 4, value=b"not an event")
    with pytest.raises(RuntimeError, match="the reader stopped after 0 of 4") as failed:
        read_and_store_floor_rps(kafka_bootstrap, [topic], source, databases.new("rw-floor"))
    assert isinstance(failed.value.__cause__, DecodeError)
