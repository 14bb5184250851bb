"""The embedded broker is a real Kafka: topics, ordered delivery per key, data across restarts."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from services.common.kafka_io import ensure_topics
from services.hub.kafka_broker import KafkaBroker

Message = tuple[int, bytes, bytes]  # (partition, key, value)


def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        for key, value in messages:
            producer.send(topic, key=key, value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()


def _consume_all(bootstrap: str, topic: str, count: int, timeout: float = 30.0) -> list[Message]:
    """Read a topic from the start, without a consumer group, until `count` messages arrive."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        got: list[Message] = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                got.extend((tp.partition, r.key, r.value) for r in records)
        return got
    finally:
        consumer.close()


def _by_key(messages: list[Message]) -> dict[bytes, list[bytes]]:
    out: dict[bytes, list[bytes]] = defaultdict(list)
    for _, key, value in messages:
        out[key].append(value)
    return dict(out)


def test_create_topics_is_idempotent(kafka_broker: KafkaBroker, unique_topic_prefix: str) -> None:
    names = [f"{unique_topic_prefix}a", f"{unique_topic_prefix}b"]
    kafka_broker.create_topics(names, partitions=3)
    kafka_broker.create_topics([*names, f"{unique_topic_prefix}c"], partitions=3)

    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        topics = admin.describe_topics([*names, f"{unique_topic_prefix}c"])
    finally:
        admin.close()
    assert {t["name"]: len(t["partitions"]) for t in topics} == {
        f"{unique_topic_prefix}a": 3,
        f"{unique_topic_prefix}b": 3,
        f"{unique_topic_prefix}c": 3,
    }


def test_hub_topics_keep_events_for_good(
    kafka_broker: KafkaBroker, unique_topic_prefix: str
) -> None:
    # Registries are rebuilt from the log: Kafka's default would drop events after a week.
    topic = f"{unique_topic_prefix}kept"
    ensure_topics(kafka_broker.bootstrap, [topic])
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        admin.close()
    kept = configs["topic"][topic]
    assert kept["retention.ms"]["value"] == "-1"
    assert kept["retention.bytes"]["value"] == "-1"


def test_messages_come_back_in_order_per_key(
    kafka_bootstrap: str, kafka_broker: KafkaBroker, unique_topic_prefix: str
) -> None:
    topic = f"{unique_topic_prefix}events"
    kafka_broker.create_topics([topic], partitions=4)
    keys = [f"record-{k}".encode() for k in range(5)]
    sent = [(key, f"{key.decode()}#{i}".encode()) for i in range(20) for key in keys]

    _produce(kafka_bootstrap, topic, sent)
    got = _consume_all(kafka_bootstrap, topic, len(sent))

    assert _by_key(got) == _by_key([(0, k, v) for k, v in sent])
    partitions_per_key = {key: {p for p, k, _ in got if k == key} for key in keys}
    assert all(len(ps) == 1 for ps in partitions_per_key.values())


def test_data_survives_stop_and_crash(tmp_path: Path) -> None:
    # A broker of its own: restarting the shared one would disturb the other tests.
    broker = KafkaBroker(tmp_path / "kafka")
    topic = "restart.events"
    first = [(b"k", f"before-stop-{i}".encode()) for i in range(10)]
    second = [(b"k", f"before-kill-{i}".encode()) for i in range(10)]
    try:
        broker.start()
        bootstrap = broker.bootstrap
        broker.create_topics([topic], partitions=2)
        _produce(bootstrap, topic, first)

        broker.stop()
        broker.start()
        assert broker.bootstrap == bootstrap
        _produce(bootstrap, topic, second)

        broker.kill()
        broker.start()
        got = _consume_all(bootstrap, topic, len(first) + len(second))
    finally:
        broker.stop()
    assert [v for _, _, v in got] == [v for _, v in first + second]
