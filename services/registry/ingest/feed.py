"""The registry's feed: reads every topic from Kafka and applies events in batches.

The registry takes every partition itself (no consumer group): each replica
is an independent materialised view of the log, resumable from the offsets
it stored beside its data.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from google.protobuf.message import DecodeError
from kafka import KafkaConsumer

from services.common.feeding import KafkaFeed
from services.common.kafka_io import POLL_TIMEOUT_MS, rewound_on_failure
from services.core.provenance import utcnow
from services.registry.ingest.apply import IncomingEvent, RecordWriter
from services.registry.ingest.events import parse_event, scrubbed
from services.registry.records.store import DeadEvent

log = logging.getLogger(__name__)


class Ingestor(KafkaFeed):
    def __init__(
        self,
        writer: RecordWriter,
        consumer: KafkaConsumer,
        topics: Sequence[str],
        offsets: Callable[[], dict[tuple[str, int], int]],
        *,
        max_records: int = 5000,
        on_applied: Callable[[], None] = lambda: None,
        writing: Callable[[], AbstractContextManager[Any]] = nullcontext,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        super().__init__("registry-ingest", consumer, topics, offsets)
        self._writer = writer
        self._max_records = max_records
        # Called after each committed batch: refreshes freshness, wakes change streams.
        self._on_applied = on_applied
        # Wraps each apply transaction: readers holding snapshots let go meanwhile.
        self._writing = writing
        self._clock = clock

    def poll_once(self, timeout_ms: int = POLL_TIMEOUT_MS) -> int:
        """Applies one polled batch; returns how many events were new."""
        batches: dict[Any, list[Any]] = self._consumer.poll(
            timeout_ms=timeout_ms, max_records=self._max_records
        )
        if not batches:
            return 0
        events: list[IncomingEvent] = []
        dead: list[DeadEvent] = []
        offsets: dict[tuple[str, int], int] = {}
        for tp, messages in batches.items():
            for msg in messages:
                try:
                    events.append(parse_event(msg.value))
                except (DecodeError, ValueError) as exc:
                    log.error(
                        "unreadable event at %s[%d]@%d: %s", tp.topic, tp.partition, msg.offset, exc
                    )
                    dead.append(
                        DeadEvent(
                            tp.topic, tp.partition, msg.offset, str(exc), scrubbed(msg.value or b"")
                        )
                    )
            offsets[(tp.topic, tp.partition)] = messages[-1].offset + 1
        with rewound_on_failure(self._consumer, batches), self._writing():
            new = self._writer.apply(events, offsets, dead, self._clock())
        self.applied += new
        # Offsets moved in a commit: freshness and change streams may follow.
        self._on_applied()
        return new
