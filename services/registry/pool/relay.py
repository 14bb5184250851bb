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

from services.common.convert import timestamp
from services.common.kafka_io import Sender
from services.common.relaying import KafkaRelay, Outgoing
from services.registry.pool.mapping import assignment_pb
from services.registry.pool.store import PoolStore
from services.registry.pool.tables import AssignmentRow
from yrdhub.v1 import assessor_pool_pb2

log = logging.getLogger(__name__)


def event_payload(row: AssignmentRow) -> bytes:
    """The AssignmentEvent for one revision of an assignment."""
    return assessor_pool_pb2.AssignmentEvent(
        event_id=str(uuid.uuid4()),
        assignment=assignment_pb(row),
        emitted_at=timestamp(dt.datetime.now(dt.UTC)),
    ).SerializeToString()


class AssignmentRelay(KafkaRelay[tuple[int, str, bytes]]):
    """The pool's outbox (id, assignment id, event) to yrd.assignment.v1, keyed by
    assignment id so one assignment's revisions stay in order."""

    def __init__(
        self,
        store: PoolStore,
        sender: Sender,
        topic: str,
        *,
        batch_size: int = 1000,
        idle_poll_s: float = 0.5,
    ) -> None:
        super().__init__(
            "assignment-relay",
            sender,
            pending=store.pending_events,
            message=lambda row: Outgoing(topic, row[1].encode(), row[2]),
            mark_published=lambda rows: store.mark_published([ident for ident, _, _ in rows]),
            batch_size=batch_size,
            idle_poll_s=idle_poll_s,
        )
