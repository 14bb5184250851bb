"""A relay's producer replaces itself when a flush is stuck (kafka-python left
a batch neither acknowledged nor expired after a leader moved), or when its
batches keep failing with nothing acknowledged (kafka-python's metadata loop
ended and it sends to old leaders), and the batch still fails so that the
relay sends it again from its outbox."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError, NotLeaderForPartitionError
from kafka.future import Future

from services.common.relay_producer import RenewingProducer


class _Producer:
    """Records what it was asked; its flush times out while `stuck`, and its
    sends fail while `failing`."""

    def __init__(self, stuck: bool, failing: bool = False) -> None:
        self.stuck = stuck
        self.failing = failing
        self.sent: list[tuple[str, bytes]] = []
        self.closed = threading.Event()
        self.flush_timeouts: list[float | None] = []

    def send(self, topic: str, value: bytes, key: bytes, headers: Any = None) -> Any:
        self.sent.append((topic, value))
        future = Future()
        if self.failing:
            return future.failure(NotLeaderForPartitionError())
        return future.success(None)

    def flush(self, timeout: float | None = None) -> None:
        self.flush_timeouts.append(timeout)
        if self.stuck:
            raise KafkaTimeoutError("Timeout waiting for future")

    def close(self, timeout: float | None = None) -> None:
        self.closed.set()


def _renewing(*stuck: bool) -> tuple[RenewingProducer, list[_Producer]]:
    made: list[_Producer] = []

    def make() -> Any:
        made.append(_Producer(stuck[len(made)]))
        return made[-1]

    return RenewingProducer(make, stuck_after_s=7), made


def test_a_stuck_flush_fails_and_the_next_batch_goes_through_a_new_producer() -> None:
    producer, made = _renewing(True, False)
    producer.send("t", b"1", b"k")
    with pytest.raises(KafkaTimeoutError):
        producer.flush()
    assert made[0].flush_timeouts == [7]  # bounded, though the relay set no bound
    assert made[0].closed.wait(5)
    assert producer.renewals == 1
    producer.send("t", b"1", b"k")  # the relay sends the batch again
    producer.flush()
    assert made[1].sent == [("t", b"1")]


def test_a_callers_own_shorter_bound_is_not_taken_for_a_stuck_producer() -> None:
    producer, made = _renewing(True)
    with pytest.raises(KafkaTimeoutError):
        producer.flush(timeout=2)
    assert made[0].flush_timeouts == [2]
    assert producer.renewals == 0 and len(made) == 1


def test_the_producer_learns_its_topics_partitions_when_made() -> None:
    """Not on its first send: kafka-python fetches them then, and under a busy
    exchange those fetches held the first publishes back."""
    asked: list[str] = []

    class _Learning(_Producer):
        def partitions_for(self, topic: str) -> set[int]:
            asked.append(topic)
            return {0}

    RenewingProducer(lambda: _Learning(False), topics=["a", "b"])
    assert asked == ["a", "b"]


def _failing_then_working(failing_for_s: float) -> tuple[RenewingProducer, list[_Producer]]:
    made: list[_Producer] = []

    def make() -> Any:
        made.append(_Producer(stuck=False, failing=not made))
        return made[-1]

    return RenewingProducer(make, failing_for_s=failing_for_s), made


def _batch(producer: RenewingProducer) -> bool:
    """Sends and flushes one message as a relay does; whether Kafka took it."""
    future: Any = producer.send("t", b"1", b"k")
    producer.flush()
    return bool(future.succeeded())


def test_batches_failing_with_nothing_acknowledged_for_a_while_renew_the_producer() -> None:
    producer, made = _failing_then_working(failing_for_s=0.2)
    assert not _batch(producer)
    assert producer.renewals == 0  # one failure alone is the relay's to retry
    time.sleep(0.25)
    assert not _batch(producer)  # still failing, nothing acknowledged since it was made
    assert producer.renewals == 1 and made[0].closed.wait(5)
    assert _batch(producer)  # the relay's next try goes through the new producer
    assert made[1].sent == [("t", b"1")]


def test_a_failure_soon_after_an_acknowledgement_keeps_the_producer() -> None:
    made: list[_Producer] = []

    def make() -> Any:
        made.append(_Producer(stuck=False))
        return made[-1]

    producer = RenewingProducer(make, failing_for_s=0.2)
    time.sleep(0.25)
    assert _batch(producer)
    made[0].failing = True
    assert not _batch(producer)
    assert producer.renewals == 0 and len(made) == 1
