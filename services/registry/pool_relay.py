"""Publishes assignment changes from the pool's outbox to yrd.assignment.v1.

Rows are marked published only after Kafka acknowledged them (acks=all,
idempotent producer), so a crash re-sends rather than loses; the home
exchanges keep the highest revision of each assignment, so a re-send is a
no-op there.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import asdict

from services.common.convert import timestamp
from services.common.kafka_io import Sender
from services.common.pool_convert import assignment_pb
from services.common.worker import Worker
from services.registry.pool_store import AssignmentRow, PoolStore
from yrdhub.v1 import assessor_pool_pb2

log = logging.getLogger(__name__)


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
        self._worker = Worker(
            "assignment-relay", self.drain_once, idle_s=idle_poll_s, drain_on_stop=True
        )
        self.published = 0

    @property
    def last_error(self) -> str | None:
        return self._worker.last_error

    def start(self) -> None:
        self._worker.start()

    def wake(self) -> None:
        """Called after a commit so the change goes out without waiting for the poll."""
        self._worker.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Publishes what is pending (within the timeout), then closes the producer."""
        self._worker.stop(timeout)
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
