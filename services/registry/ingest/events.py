"""Events as the registry reads them off Kafka: checked and indexed for the store."""

from __future__ import annotations

import logging

from services.common.convert import (
    KIND_FROM_PB,
    from_timestamp,
    province_name,
)
from services.core.codes import normalise_code
from services.registry.ingest.apply import IncomingEvent
from services.registry.records.mapping import certificate_facts
from yrdhub.v1 import events_pb2, records_pb2

log = logging.getLogger(__name__)


def index_columns(record: records_pb2.Record) -> tuple[str, str | None, str | None]:
    """(institution USCC, certificate number, label code) of a record; the codes in
    their canonical form (core.codes), which checks compare, whatever form an
    event published before that rule carries."""
    which = record.WhichOneof("body")
    if which == "qualification":
        q = record.qualification
        return q.institution_uscc, normalise_code(q.number), None
    if which == "green_cert":
        g = record.green_cert
        return g.enterprise_uscc, normalise_code(g.certificate_number), normalise_code(g.label_code)
    if which == "credit_event":
        return record.credit_event.uscc, None, None
    if which == "assessor":
        return record.assessor.employer_uscc, None, None
    raise ValueError("event carries an empty record")


def parse_event(value: bytes, event: events_pb2.Event | None = None) -> IncomingEvent:
    """An event as the store takes it (`event`: value, decoded already), or
    ValueError (DecodeError) saying why not."""
    if event is None:
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
    name, status, valid_from, valid_until = certificate_facts(event.record)
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
        valid_from=valid_from,
        valid_until=valid_until,
        message=event,
    )


def scrubbed(value: bytes) -> bytes:
    """What a dead letter may keep of an unreadable event: the event without any
    assessor identity when it parses, else nothing (bytes that do not parse
    cannot be told free of personal data; the error, topic and offset remain)."""
    try:
        event = events_pb2.Event.FromString(value)
    except Exception:
        return b""
    if event.record.WhichOneof("body") == "assessor" and event.record.assessor.HasField("identity"):
        event.record.assessor.ClearField("identity")
        return event.SerializeToString()
    return value
