"""A relay's producer replaces itself when a flush is stuck (kafka-python left
a batch neither acknowledged nor expired after a leader moved), and the flush
still fails so that the relay sends the batch again from its outbox."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from services.common.kafka_io import RenewingProducer


class _Producer:
    """Records what it was asked; its flush times out while `stuck`."""

    def __init__(self, stuck: bool) -> None:
        self.stuck = stuck
        self.sent: list[tuple[str, bytes]] = []
        self.closed = threading.Event()
        self.flush_timeouts: list[float | None] = []

    def send(self, topic: str, value: bytes, key: bytes, headers: Any = None) -> Any:
        self.sent.append((topic, value))

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
