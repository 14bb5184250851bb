"""Relaying an outbox to Kafka: the one loop behind every relay in the hub.

Rows go out in the order the outbox gives them and are marked published only
after Kafka acknowledged every message of the batch (acks=all, idempotent
producer). A crash in between sends them again; consumers ignore what they
already hold, so nothing is lost and nothing is applied twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, NamedTuple, TypeVar

from services.common.kafka_io import Headers, Sender
from services.common.worker import Worker, WorkState

Row = TypeVar("Row")


class Outgoing(NamedTuple):
    """One message to send (a tuple: made for every row a relay sends)."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers | None = None


class KafkaRelay(Generic[Row]):
    def __init__(
        self,
        name: str,
        sender: Sender,
        *,
        pending: Callable[[int], Sequence[Row]],
        message: Callable[[Row], Outgoing],
        mark_published: Callable[[Sequence[Row]], None],
        batch_size: int,
        idle_poll_s: float,
    ) -> None:
        self._sender = sender
        self._pending = pending
        self._message = message
        self._mark_published = mark_published
        self._batch_size = batch_size
        self._worker = Worker(name, self.drain_once, idle_s=idle_poll_s, drain_on_stop=True)
        self.published = 0

    def state(self) -> WorkState:
        """How its worker fares (retrying, failures, the last error's kind)."""
        return self._worker.state()

    def start(self) -> None:
        self._worker.start()

    def wake(self) -> None:
        """Called after a commit so new rows go out without waiting for the poll."""
        self._worker.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Publishes what is pending (within the timeout), then closes the producer."""
        if self._worker.stop(timeout):
            self._sender.close(timeout=5)

    def drain_once(self) -> int:
        """Publishes one batch; returns how many rows went out."""
        rows = self._pending(self._batch_size)
        if not rows:
            return 0
        futures = []
        for row in rows:
            out = self._message(row)
            futures.append(
                self._sender.send(out.topic, value=out.value, key=out.key, headers=out.headers)
            )
        self._sender.flush()
        for future in futures:
            future.get(timeout=0)  # type: ignore[attr-defined]  # raises if Kafka refused it
        self._mark_published(rows)
        self.published += len(rows)
        return len(rows)
