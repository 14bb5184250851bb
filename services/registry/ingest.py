"""The registry's feed: reads every topic from Kafka and applies events in batches.

The registry takes every partition itself (no consumer group): each replica
is an independent materialised view of the log, resumable from the offsets
it stored beside its data.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from google.protobuf.message import DecodeError
from kafka import KafkaConsumer

from services.common.convert import KIND_FROM_PB, STATUS_FROM_PB, from_timestamp, province_name
from services.common.feeding import KafkaFeed
from services.common.kafka_io import POLL_TIMEOUT_MS, rewound_on_failure
from services.registry.answers import is_certificate, label_match_body, stored_record_body
from services.registry.store import DeadEvent, IncomingEvent, RegistryStore
from yrdhub.v1 import events_pb2, records_pb2

log = logging.getLogger(__name__)


def index_columns(record: records_pb2.Record) -> tuple[str, str | None, str | None]:
    """(institution USCC, certificate number, label code) of a record."""
    which = record.WhichOneof("body")
    if which == "qualification":
        return record.qualification.institution_uscc, record.qualification.number, None
    if which == "green_cert":
        g = record.green_cert
        return g.enterprise_uscc, g.certificate_number, g.label_code
    if which == "credit_event":
        return record.credit_event.uscc, None, None
    if which == "assessor":
        return record.assessor.employer_uscc, None, None
    raise ValueError("event carries an empty record")


def certificate_facts(record: records_pb2.Record) -> tuple[str | None, str | None, str | None]:
    """(holder name, canonical status, last valid day) of a certificate: what
    conflict rules compare and what decides its status on the day of a check."""
    which = record.WhichOneof("body")
    if which == "qualification":
        q = record.qualification
        status = STATUS_FROM_PB.get(q.status.canonical)
        return (
            q.institution_name,
            status.value if status is not None else None,
            _last_day(q.valid_until),
        )
    if which == "green_cert":
        g = record.green_cert
        status = STATUS_FROM_PB.get(g.status.canonical)
        return (
            g.enterprise_name,
            status.value if status is not None else None,
            _last_day(g.valid_until),
        )
    return None, None, None


@functools.lru_cache(maxsize=16384)
def _last_day(text: str) -> str | None:
    """A certificate's last valid day as YYYY-MM-DD, the form checks compare as
    text; a date that is no date makes the event unreadable (a dead letter)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"valid_until {text!r} is not a date") from None


def parse_event(value: bytes) -> IncomingEvent:
    event = events_pb2.Event.FromString(value)
    if event.record.WhichOneof("body") == "assessor" and event.record.assessor.HasField("identity"):
        # Personal data never leaves the home province: an exchange that let it
        # through is faulty, and the registry still stores none of it (not even
        # as a dead letter, hence before any other check).
        log.error("event %s carried an assessor's identity: dropped it", event.event_id)
        event.record.assessor.ClearField("identity")
        value = event.SerializeToString()
    if not event.record_key or event.revision < 1 or event.kind not in KIND_FROM_PB:
        raise ValueError("event lacks a record key, a revision or a known kind")
    uscc, code, label = index_columns(event.record)
    name, status, valid_until = certificate_facts(event.record)
    return IncomingEvent(
        province=province_name(event.province),
        record_key=event.record_key,
        kind=KIND_FROM_PB[event.kind].value,
        revision=event.revision,
        sequence=event.sequence,
        event_id=event.event_id,
        accepted_at=from_timestamp(event.accepted_at),
        uscc=uscc,
        code=code,
        label_code=label,
        payload=value,
        holder_name=name,
        status=status,
        valid_until=valid_until,
        answer=stored_record_body(event) if is_certificate(event) else None,
        label_answer=label_match_body(event),
    )


class Ingestor(KafkaFeed):
    def __init__(
        self,
        store: RegistryStore,
        consumer: KafkaConsumer,
        topics: Sequence[str],
        *,
        max_records: int = 5000,
        on_applied: Callable[[], None] = lambda: None,
        writing: Callable[[], AbstractContextManager[Any]] = nullcontext,
    ) -> None:
        super().__init__("registry-ingest", consumer, topics, store.offsets)
        self._store = store
        self._max_records = max_records
        # Called after each committed batch: refreshes freshness, wakes change streams.
        self._on_applied = on_applied
        # Wraps each apply transaction: readers holding snapshots let go meanwhile.
        self._writing = writing

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
                        DeadEvent(tp.topic, tp.partition, msg.offset, str(exc), msg.value or b"")
                    )
            offsets[(tp.topic, tp.partition)] = messages[-1].offset + 1
        with rewound_on_failure(self._consumer, batches), self._writing():
            new = self._store.apply(events, offsets, dead)
        self.applied += new
        # Offsets moved in a commit: freshness and change streams may follow.
        self._on_applied()
        return new
