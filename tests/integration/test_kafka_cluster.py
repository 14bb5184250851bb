"""A real three-broker KRaft cluster from the same jars: topics take the
cluster policy (3 replicas, 2 in sync), a broker killed with SIGKILL costs no
acknowledged write and refuses none, two brokers down refuse writes rather
than acknowledge what one broker alone holds, and brought back, the cluster
takes them and loses nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaTimeoutError

from services.common.kafka_io import ensure_topics, make_producer
from services.common.topics import CLUSTER
from services.hub.kafka_cluster import KafkaCluster

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    running = KafkaCluster(tmp_path_factory.mktemp("cluster"), brokers=3)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _read_all(bootstrap: str, topic: str) -> list[bytes]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        values: list[bytes] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for messages in consumer.poll(timeout_ms=1000).values():
                values.extend(m.value for m in messages)
        return values
    finally:
        consumer.close()


def test_one_broker_down_loses_and_refuses_nothing_two_down_refuse_writes(
    cluster: KafkaCluster, tmp_path: Path
) -> None:
    topic = f"cluster.{uuid.uuid4().hex}"
    ensure_topics(cluster.bootstrap, [topic], CLUSTER)
    producer = make_producer(cluster.bootstrap, "cluster-test")
    try:
        for i in range(100):
            producer.send(topic, key=b"%d" % i, value=b"before-%d" % i)
        producer.flush(30)

        cluster.nodes[2].kill()
        acknowledged = [
            producer.send(topic, key=b"%d" % i, value=b"one-down-%d" % i) for i in range(100)
        ]
        for future in acknowledged:
            future.get(timeout=60)

        cluster.nodes[1].kill()
        alone = producer.send(topic, key=b"0", value=b"two-down")
        with pytest.raises(KafkaTimeoutError):
            alone.get(timeout=15)  # one in-sync replica of the two required

        cluster.nodes[1].restart()
        cluster.nodes[2].restart()
        alone.get(timeout=120)  # retried until the replicas are back
    finally:
        producer.close(30)
    values = _read_all(cluster.bootstrap, topic)
    assert len(values) == len(set(values)) == 201
