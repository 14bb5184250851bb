"""The relay: publishes the outbox to Kafka in sequence order.

It advances its cursor only after Kafka acknowledged (acks=all) every event
of a batch. A crash between the acknowledgement and the cursor update sends
those events again; the registry ignores revisions it already holds.
"""

from __future__ import annotations

from collections.abc import Callable

from services.common.kafka_io import Sender
from services.common.logs import REQUEST_ID_HEADER
from services.common.relaying import KafkaRelay, Outgoing
from services.core.records import RecordKind
from services.exchange.outbox import CHECKPOINT, Outbox, PendingEvent


class Relay(KafkaRelay[PendingEvent]):
    """The exchange's relay: the outbox in sequence order, one topic per record kind,
    keyed by record key so one record's revisions stay in order."""

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        topic_of: Callable[[RecordKind], str],
        checkpoint_topic: str,
        *,
        batch_size: int = 5000,
        idle_poll_s: float = 0.2,
    ) -> None:
        # Each row's topic by its kind, looked up rather than built per message.
        topics = {kind.value: topic_of(kind) for kind in RecordKind}
        topics[CHECKPOINT] = checkpoint_topic
        super().__init__(
            "outbox-relay",
            sender,
            pending=outbox.pending,
            # A checkpoint goes out after the events it covers, keyed by province.
            # Each event carries its publish's request id (services/common/logs.py).
            message=lambda ev: Outgoing(
                topics[ev.kind],
                ev.record_key.encode(),
                ev.payload,
                [(REQUEST_ID_HEADER, ev.request_id.encode())] if ev.request_id else None,
            ),
            # Sequence order: everything up to the batch's last row is out.
            mark_published=lambda rows: outbox.mark_published(rows[-1].sequence),
            batch_size=batch_size,
            idle_poll_s=idle_poll_s,
        )
