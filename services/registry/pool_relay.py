"""Publishes assignment changes from the pool's outbox to yrd.assignment.v1.

Rows are marked published only after Kafka acknowledged them (acks=all,
idempotent producer), so a crash re-sends rather than loses; the home
exchanges keep the highest revision of each assignment, so a re-send is a
no-op there.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from dataclasses import asdict
from typing import Protocol

from services.common.convert import timestamp
from services.common.pool_convert import assignment_pb
from services.registry.pool_store import AssignmentRow, PoolStore
from yrdhub.v1 import assessor_pool_pb2

log = logging.getLogger(__name__)


class Sender(Protocol):
    """The part of a Kafka producer the relay uses."""

    def send(self, topic: str, value: bytes, key: bytes) -> object: ...
    def flush(self, timeout: float | None = None) -> None: ...
    def close(self, timeout: float | None = None) -> None: ...


def event_payload(row: AssignmentRow) -> bytes:
    """The AssignmentEvent for one revision of an assignment."""
    return assessor_pool_pb2.AssignmentEvent(
        event_id=str(uuid.uuid4()),
        assignment=assignment_pb(**asdict(row)),
        emitted_at=timestamp(dt.datetime.now(dt.UTC)),
    ).SerializeToString()


class AssignmentRelay:
    def __init__(
        self,
        store: PoolStore,
        sender: Sender,
        topic: str,
        *,
        batch_size: int = 1000,
        idle_poll_s: float = 0.5,
    ) -> None:
        self._store = store
        self._sender = sender
        self._topic = topic
        self._batch_size = batch_size
        self._idle_poll_s = idle_poll_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="assignment-relay", daemon=True)
        self.published = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Called after a commit so the change goes out without waiting for the poll."""
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
        pending = self._store.pending_events(self._batch_size)
        if not pending:
            return 0
        futures = [
            self._sender.send(self._topic, value=payload, key=assignment_id.encode())
            for _, assignment_id, payload in pending
        ]
        self._sender.flush()
        for future in futures:
            future.get(timeout=0)  # type: ignore[attr-defined]  # raises if Kafka refused it
        self._store.mark_published([ident for ident, _, _ in pending])
        self.published += len(pending)
        return len(pending)

    def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                sent = self.drain_once()
                self.last_error = None
                backoff = 0.5
            except Exception as exc:  # Kafka or the database is down: retry, never drop
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("assignment relay failed, retrying in %.1fs: %s", backoff, exc)
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
