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
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from sqlalchemy.engine import Connection

from services.common.convert import province_name
from services.common.feeding import (
    FEED_STUCK_AFTER_S,
    LAG_EVERY_S,
    KafkaFeed,
    PoisonGuard,
    batch_of,
)
from services.common.kafka_io import POLL_TIMEOUT_MS, rewound_on_failure
from services.common.logs import request_id_of_headers
from services.core.provenance import utcnow
from services.registry.ingest.apply import IncomingEvent, RecordWriter
from services.registry.ingest.events import parse_event, scrubbed
from services.registry.ingest.gate import ChainGate, Deferred, Message
from services.registry.records.store import DeadEvent
from yrdhub.v1 import events_pb2

log = logging.getLogger(__name__)


# Events read per poll. A province's events lie on every kind's topic and
# partition, and the gate lets them through only once its chain is whole: a
# poll cut at 5,000 read a few partitions to their end and none of the rest,
# so nothing went through until the next (the bench's ingest ran ~4% faster
# at 10,000, in four pairs of five, with no more memory after).
MAX_RECORDS = 10_000


def _at(message: Message) -> dt.datetime | None:
    if message.timestamp_ms is None or message.timestamp_ms < 0:
        return None
    return dt.datetime.fromtimestamp(message.timestamp_ms / 1000, dt.UTC)


class Ingestor(KafkaFeed):
    def __init__(
        self,
        writer: RecordWriter,
        consumers: Callable[[], KafkaConsumer],
        topics: Sequence[str],
        offsets: Callable[[], dict[tuple[str, int], int]],
        *,
        max_records: int = MAX_RECORDS,
        on_applied: Callable[[], None] = lambda: None,
        writing: Callable[[], AbstractContextManager[Any]] = nullcontext,
        clock: Callable[[], dt.datetime] = utcnow,
        gate: ChainGate | None = None,
        checkpoint_topic: str = "",
        lag_every_s: float = LAG_EVERY_S,
        stuck_after_s: float = FEED_STUCK_AFTER_S,
    ) -> None:
        super().__init__(
            "registry-ingest",
            consumers,
            [*topics, checkpoint_topic] if gate is not None else topics,
            offsets,
            lag_every_s,
            stuck_after_s,
        )
        # None: a development registry that applies what it reads, unverified.
        self._gate = gate
        self._checkpoint_topic = checkpoint_topic
        self._writer = writer
        self._max_records = max_records
        # Called after each committed batch: refreshes freshness, wakes change streams.
        self._on_applied = on_applied
        # Wraps each apply transaction: readers holding snapshots let go meanwhile.
        self._writing = writing
        self._clock = clock
        self._guard = PoisonGuard()
        # Partitions set aside at an event the gate deferred: its province,
        # sequence and offset (where reading resumes).
        self._held: dict[TopicPartition, tuple[str, int, int]] = {}
        # While the checkpoints are read to where they ended at the start (their
        # end offsets), every event partition is set aside (province "").
        self._priming: dict[TopicPartition, int] = {}

    def assign(self) -> None:
        """Takes every partition at its stored offset. With a gate, the
        checkpoints are read to their end first, so that the events of a
        registry catching up are vouched for when they are read (Deferred)."""
        super().assign()
        if self._gate is None or not self._checkpoint_topic:
            return
        assigned = self._consumer.assignment()
        checkpoints = [tp for tp in assigned if tp.topic == self._checkpoint_topic]
        try:
            ends = self._consumer.end_offsets(checkpoints)
        except KafkaError as exc:
            log.warning("reading events with the checkpoints, whose ends are unknown: %s", exc)
            return
        self._priming = {
            tp: int(ends[tp]) for tp in checkpoints if self._consumer.position(tp) < ends[tp]
        }
        if not self._priming:
            return
        for tp in assigned:
            if tp.topic != self._checkpoint_topic:
                self._held[tp] = ("", 0, int(self._consumer.position(tp)))
        self._consumer.assign(checkpoints)

    def poll_once(self, timeout_ms: int = POLL_TIMEOUT_MS) -> int:
        """Applies one polled batch; returns how many events were new."""
        if self._held:
            self._resume_held()
        batches: dict[Any, list[Any]] = self._consumer.poll(
            timeout_ms=timeout_ms, max_records=self._max_records
        )
        if not batches:
            return 0
        now = self._clock()
        read: list[tuple[Message, events_pb2.Event]] = []
        checkpoints: list[Message] = []
        dead: list[DeadEvent] = []
        offsets: dict[tuple[str, int], int] = {}
        for tp, messages in batches.items():
            for msg in messages:
                message = Message(
                    tp.topic,
                    tp.partition,
                    msg.offset,
                    msg.value or b"",
                    msg.timestamp,
                    request_id_of_headers(msg.headers),
                )
                if tp.topic == self._checkpoint_topic:
                    checkpoints.append(message)
                    continue
                try:
                    read.append((message, events_pb2.Event.FromString(message.value)))
                except DecodeError as exc:
                    self._dead(message, exc, dead)
            offsets[(tp.topic, tp.partition)] = messages[-1].offset + 1
        # Everything past the poll inside: should any step fail (the gate's or
        # the ownership's reads included), the consumer goes back to the batch.
        with rewound_on_failure(self._consumer, batches):
            admitted = None
            gate = self._gate
            if gate is not None:
                admitted = gate.admit(read, checkpoints, now)
                read = admitted.events
                # No further than the first event still waiting in each partition.
                offsets = {tp: min(o, admitted.pins.get(tp, o)) for tp, o in offsets.items()}
            parsed: list[tuple[Message, IncomingEvent]] = []
            for message, event in read:
                try:
                    parsed.append(
                        (message, parse_event(message.value, event, message.topic, _at(message)))
                    )
                except Exception as exc:  # parsing touches nothing: the event's fault
                    self._dead(message, exc, dead)
            # Every province's registration of a person is kept: the pool
            # makes one person of them (core.assessors.one_person).
            events = [ev for _, ev in parsed]

            message_of = {id(ev): m for m, ev in parsed}

            def chain_writes(conn: Connection) -> None:
                if admitted is None:
                    return
                # Set aside, but still links of their chains: kept for the export.
                refused = {(d.topic, d.partition, d.offset) for d in dead}
                admitted.writes.unapplied[:] = [
                    (province_name(event.province), event.sequence, scrubbed(m.value))
                    for m, event in read
                    if (m.topic, m.partition, m.offset) in refused
                ]
                admitted.writes.write(conn)

            def refuse(ev: IncomingEvent, reason: str) -> None:
                m = message_of[id(ev)]
                # A batch applied again, its poison set aside, refuses again.
                if not any(
                    (d.topic, d.partition, d.offset) == (m.topic, m.partition, m.offset)
                    for d in dead
                ):
                    self._dead(m, ValueError(reason), dead)

            def commit(events: list[IncomingEvent]) -> int:
                return self._writer.apply(
                    events, offsets, dead, now, chain_writes if admitted else None, refuse=refuse
                )

            def set_aside(poison: list[tuple[IncomingEvent, Exception]]) -> None:
                for ev, exc in poison:
                    self._dead(message_of[id(ev)], exc, dead)

            with self._writing():
                new = self._guard.apply(
                    events,
                    commit,
                    lambda group: self._writer.apply(group, {}, (), now, trial=True),
                    set_aside,
                    batch_of(batches),
                )
        if gate is not None and admitted is not None:
            gate.settle(admitted)
            self._hold(admitted.deferred)
        if new:
            _log_applied(new, parsed)
        self.applied += new
        # Offsets moved in a commit: freshness and change streams may follow.
        self._on_applied()
        return new

    def _hold(self, deferred: list[Deferred]) -> None:
        """Each partition with deferred events is set aside, to be read again
        from the first of them once the gate no longer holds it back (its
        stored offset was pinned there in the transaction just committed).
        Set aside by leaving the assignment, not paused: kafka-python 3.0.12
        parks the records fetched for a paused partition (dpkp/kafka-python#2981)
        and restores them only when no other partition's records are in line,
        so a partition paused with records buffered was not fetched again (a
        1M-record fill stalled)."""
        first: dict[TopicPartition, Deferred] = {}
        for d in deferred:
            tp = TopicPartition(d.message.topic, d.message.partition)
            if tp not in first or d.message.offset < first[tp].message.offset:
                first[tp] = d
        if not first:
            return
        for tp, d in first.items():
            self._held[tp] = (d.province, d.sequence, d.message.offset)
        self._consumer.assign([tp for tp in self._consumer.assignment() if tp not in first])
        log.debug("set %d partitions read far ahead of their chains aside", len(first))

    def _resume_held(self) -> None:
        now = self._clock()
        if self._priming and all(
            self._consumer.position(tp) >= end for tp, end in self._priming.items()
        ):
            self._priming = {}
        free = {
            tp: offset
            for tp, (province, sequence, offset) in self._held.items()
            if self._ready_again(province, sequence, now)
        }
        if not free:
            return
        for tp in free:
            del self._held[tp]
        self._consumer.assign([*self._consumer.assignment(), *free])
        for tp, offset in free.items():
            self._consumer.seek(tp, offset)

    def _ready_again(self, province: str, sequence: int, now: dt.datetime) -> bool:
        if not province:  # set aside while the checkpoints are read
            return not self._priming
        return self._gate is None or not self._gate.holds(province, sequence, now)

    def _set_aside(self) -> dict[TopicPartition, int]:
        return {tp: offset for tp, (_, _, offset) in self._held.items()}

    @staticmethod
    def _dead(message: Message, exc: Exception, dead: list[DeadEvent]) -> None:
        log.error(
            "unreadable event at %s[%d]@%d (request %s): %s",
            message.topic,
            message.partition,
            message.offset,
            message.request_id or "unknown",
            exc,
            extra={"request_id": message.request_id},
        )
        dead.append(
            DeadEvent(
                message.topic, message.partition, message.offset, str(exc), scrubbed(message.value)
            )
        )


def _log_applied(new: int, parsed: list[tuple[Message, IncomingEvent]]) -> None:
    """One line per applied batch, naming the publishes its events came from."""
    ids = sorted({m.request_id for m, _ in parsed if m.request_id})
    log.info(
        "applied %d new events of %d requests: %s",
        new,
        len(ids),
        " ".join(ids[:10]) + (" ..." if len(ids) > 10 else ""),
        extra={"events_applied": new, "request_ids": ids},
    )
