"""The relay: publishes the outbox to Kafka in sequence order.

It advances its cursor only after Kafka acknowledged (acks=all) every event
of a batch. A crash between the acknowledgement and the cursor update sends
those events again; the registry ignores revisions it already holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from services.common.kafka_io import Sender
from services.common.worker import Worker
from services.core.records import RecordKind
from services.exchange.outbox import Outbox, PendingEvent

log = logging.getLogger(__name__)


class Relay:
    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        topic_of: Callable[[RecordKind], str],
        *,
        batch_size: int = 5000,
        idle_poll_s: float = 0.2,
    ) -> None:
        self._outbox = outbox
        self._sender = sender
        self._topic_of = topic_of
        self._batch_size = batch_size
        self._idle_poll_s = idle_poll_s
        self._worker = Worker(
            "outbox-relay", self.drain_once, idle_s=idle_poll_s, drain_on_stop=True
        )
        self.published = 0

    @property
    def last_error(self) -> str | None:
        return self._worker.last_error

    def start(self) -> None:
        self._worker.start()

    def wake(self) -> None:
        """Called after a commit so new events go out without waiting for the poll."""
        self._worker.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Publishes what is pending (within the timeout), then closes the producer."""
        self._worker.stop(timeout)
        self._sender.close(timeout=5)

    def drain_once(self) -> int:
        """Publishes one batch; returns how many events went out."""
        pending = self._outbox.pending(self._batch_size)
        if pending:
            self._publish(pending)
        return len(pending)

    def _publish(self, pending: list[PendingEvent]) -> None:
        futures = [
            self._sender.send(
                self._topic_of(RecordKind(ev.kind)), value=ev.payload, key=ev.record_key.encode()
            )
            for ev in pending
        ]
        self._sender.flush()
        for future in futures:
            future.get(timeout=0)  # type: ignore[attr-defined]  # raises if Kafka refused it
        self._outbox.mark_published(pending[-1].sequence)
        self.published += len(pending)
