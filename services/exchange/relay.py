"""The relay: publishes the outbox to Kafka in sequence order.

It advances its cursor only after Kafka acknowledged (acks=all) every event
of a batch. A crash between the acknowledgement and the cursor update sends
those events again; the registry ignores revisions it already holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from services.core.records import RecordKind
from services.exchange.outbox import Outbox, PendingEvent

log = logging.getLogger(__name__)


class Sender(Protocol):
    """The part of a Kafka producer the relay uses."""

    def send(self, topic: str, value: bytes, key: bytes) -> object: ...
    def flush(self, timeout: float | None = None) -> None: ...
    def close(self, timeout: float | None = None) -> None: ...


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
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
        self.published = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Called after a commit so new events go out without waiting for the poll."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Publishes what is pending (within the timeout), then closes the producer."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
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

    def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                sent = self.drain_once()
                self.last_error = None
                backoff = 0.5
            except Exception as exc:  # Kafka or the database is down: retry, never drop
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("relay failed, retrying in %.1fs: %s", backoff, self.last_error)
                if self._stopping.wait(backoff):
                    return
                backoff = min(backoff * 2, 10.0)
                continue
            if sent:
                continue
            if self._stopping.is_set():
                return
            self._wake.wait(self._idle_poll_s)
            self._wake.clear()
