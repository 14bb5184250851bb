"""Small helpers for tests that read topics back from the real broker."""

from __future__ import annotations

import time

from kafka import KafkaConsumer, TopicPartition

from yrdhub.v1 import events_pb2


def read_events(
    bootstrap: str, topics: list[str], expected: int, timeout: float = 30.0
) -> list[tuple[str, bytes, events_pb2.Event]]:
    """Reads every partition of the topics from the start until `expected` messages
    (or the timeout); returns (topic, key, event) in per-partition order."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(t, p)
            for t in topics
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found: list[tuple[str, bytes, events_pb2.Event]] = []
        deadline = time.monotonic() + timeout
        while len(found) < expected and time.monotonic() < deadline:
            for tp, messages in consumer.poll(timeout_ms=200).items():
                found.extend(
                    (tp.topic, m.key, events_pb2.Event.FromString(m.value)) for m in messages
                )
        # A moment more, to catch anything beyond what was expected (duplicates).
        for tp, messages in consumer.poll(timeout_ms=500).items():
            found.extend((tp.topic, m.key, events_pb2.Event.FromString(m.value)) for m in messages)
        return found
    finally:
        consumer.close()
