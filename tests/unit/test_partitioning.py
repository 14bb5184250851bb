"""A record's revisions land on the partition Kafka's own clients would choose."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner import DefaultPartitioner

from services.common.partitioning import KeyHashPartitioner, kafka_murmur2


class _Cluster:
    """The part of kafka-python's ClusterMetadata a partitioner reads."""

    def __init__(self, topic: str, partitions: int) -> None:
        self._topic = topic
        self._partitions = set(range(partitions))

    def topics(self) -> set[str]:
        return {self._topic}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self._partitions if topic == self._topic else None

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions if topic == self._topic else set()


# Kafka's own test vectors (clients' UtilsTest.testMurmur2), as signed 32-bit values.
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("21", -973932308),
        ("foobar", -790332482),
        ("a-little-bit-long-string", -985981536),
        ("a-little-bit-longer-string", -1486304829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        ("abc", 479470107),
    ],
)
def test_the_hash_is_kafkas_murmur2(key: str, expected: int) -> None:
    assert kafka_murmur2(key.encode()) == expected & 0xFFFFFFFF


@given(key=st.binary(max_size=200), partitions=st.integers(min_value=1, max_value=64))
def test_every_key_goes_where_kafka_pythons_default_partitioner_sends_it(
    key: bytes, partitions: int
) -> None:
    cluster: Any = _Cluster("t", partitions)
    ours = KeyHashPartitioner().partition("t", key, key, b"v", b"v", cluster)
    assert ours == DefaultPartitioner().partition("t", key, key, b"v", b"v", cluster)


def test_an_unknown_topic_is_refused() -> None:
    with pytest.raises(ValueError, match="not found"):
        KeyHashPartitioner().partition("other", b"k", b"k", b"", b"", _Cluster("t", 4))


def test_a_message_without_a_key_goes_to_one_of_the_topics_partitions() -> None:
    cluster: Any = _Cluster("t", 3)
    assert KeyHashPartitioner().partition("t", None, None, b"v", b"v", cluster) in {0, 1, 2}
