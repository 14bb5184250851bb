"""Events as the registry reads them off Kafka: checked and indexed for the store."""

from __future__ import annotations

import datetime as dt
import logging

from services.common.convert import (
    CERTIFICATE_STATUS_FROM_PB,
    KIND_FROM_PB,
    PROVINCE_FROM_PB,
    from_timestamp,
    province_name,
)
from services.common.enum_ranges import out_of_range
from services.common.event_content import record_altered
from services.common.identity_places import strip_identities
from services.core.codes import normalise_code
from services.core.label_format import product_of
from services.core.records import RecordKind, record_key
from services.core.results import report_key
from services.registry.ingest.apply import IncomingEvent
from services.registry.ingest.storable import unstorable
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
    if which == "officer":
        return "", None, None  # found by its key alone
    if which in ("risk_classification", "inspection_result", "signatory_ban"):
        return getattr(record, which).institution_uscc, None, None
    if which in ("report", "proficiency"):
        # Found by its key or its laboratory, never by a certificate code.
        return getattr(record, which).institution_uscc, None, None
    raise ValueError("event carries an empty record")


def product_of_record(record: records_pb2.Record) -> str | None:
    """The product a green certificate's label stands for (enterprise and
    model, core.label_format.product_of); None for other records."""
    if record.WhichOneof("body") != "green_cert":
        return None
    g = record.green_cert
    return product_of(g.enterprise_uscc, g.model)


def record_key_of(record: records_pb2.Record) -> str | None:
    """The key the exchanges give a record of this body (core.records.record_key,
    from the canonical fields an exchange publishes)."""
    which = record.WhichOneof("body")
    if which == "qualification":
        q = record.qualification
        return record_key(RecordKind.QUALIFICATION, q.issuer, q.number)
    if which == "assessor":
        return record_key(RecordKind.ASSESSOR, record.assessor.assessor_id)
    if which == "green_cert":
        g = record.green_cert
        return record_key(RecordKind.GREEN_CERT, g.body_code, g.certificate_number)
    if which == "credit_event":
        c = record.credit_event
        return record_key(RecordKind.CREDIT_EVENT, province_name(c.listing_province), c.reference)
    if which == "report":
        return report_key(record.report.cma_number, record.report.report_number)
    if which == "proficiency":
        f = record.proficiency
        return record_key(RecordKind.PROFICIENCY, f.cma_number, f.round_id)
    if which == "risk_classification":
        return record_key(
            RecordKind.RISK_CLASSIFICATION, record.risk_classification.institution_uscc
        )
    if which == "officer":
        return record_key(RecordKind.OFFICER, record.officer.officer_id)
    if which == "inspection_result":
        r = record.inspection_result
        return record_key(RecordKind.INSPECTION_RESULT, r.plan_draw_id, r.institution_uscc)
    if which == "signatory_ban":
        b = record.signatory_ban
        return record_key(RecordKind.SIGNATORY_BAN, province_name(b.listing_province), b.reference)
    return None


# The kinds' names by their numbers (an enum's .value costs a property call,
# and every event read asks for its kind's name three times).
_KIND_NAMES = {number: kind.value for number, kind in KIND_FROM_PB.items()}

# How far an event's acceptance time may be ahead of the broker's timestamp of
# the message that carries it: clocks differ by seconds, not minutes. Behind
# it, any amount is fine (an outbox publishes late after a broker outage).
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


def contract_problem(event: events_pb2.Event, topic: str | None) -> str | None:
    """Why an event does not hold to the contract or to the topic it came on,
    or None. The checks an exchange's validation makes sure of, repeated where
    they decide what the registry stores, so that a faulty or hostile
    producer's event is a dead letter rather than a row nothing expects."""
    if event.province not in PROVINCE_FROM_PB:
        return f"province {event.province} is not one of the contract's"
    kind = _KIND_NAMES.get(event.kind)
    if kind is None or not event.record_key or event.revision < 1 or event.sequence < 0:
        return "event lacks a record key, a revision or a known kind"
    body = event.record.WhichOneof("body")
    if body != kind:
        return f"an event of kind {kind} carries a {body or 'empty'} record"
    if topic is not None and not topic.endswith(f"yrd.{kind}.v1"):
        return f"an event of kind {kind} on topic {topic}"
    if event.record_key != record_key_of(event.record):
        return f"record_key {event.record_key!r} is not the key of the record it carries"
    if record_altered(event):
        return "content_hash does not match the record"
    if body in ("qualification", "green_cert"):
        status = getattr(event.record, body).status.canonical
        if status not in CERTIFICATE_STATUS_FROM_PB:
            return f"certificate status {status} is not one of the contract's"
    return out_of_range(event)


def parse_event(
    value: bytes,
    event: events_pb2.Event | None = None,
    topic: str | None = None,
    broker_time: dt.datetime | None = None,
) -> IncomingEvent:
    """An event as the store takes it (`event`: value, decoded already; `topic`:
    where it was read, checked against its kind; `broker_time`: the message's
    timestamp, which its acceptance time may not be far ahead of), or
    ValueError (DecodeError) saying why not."""
    if event is None:
        event = events_pb2.Event.FromString(value)
    if strip_identities(event.record):
        # Personal data never leaves the home province: an exchange that let it
        # through is faulty, and the registry still stores none of it (not even
        # as a dead letter, hence before any other check).
        log.error("event %s carried a person's identity: dropped it", event.event_id)
        value = event.SerializeToString()
    problem = contract_problem(event, topic)
    if problem is not None:
        raise ValueError(problem)
    accepted_at = from_timestamp(event.accepted_at)
    if broker_time is not None and accepted_at - broker_time > MAX_CLOCK_SKEW:
        raise ValueError(
            f"accepted_at {accepted_at.isoformat()} is ahead of the broker's timestamp "
            f"{broker_time.isoformat()} by more than {MAX_CLOCK_SKEW}"
        )
    uscc, code, label = index_columns(event.record)
    name, status, valid_from, valid_until = certificate_facts(event.record)
    incoming = IncomingEvent(
        province=province_name(event.province),
        record_key=event.record_key,
        kind=_KIND_NAMES[event.kind],
        revision=event.revision,
        sequence=event.sequence,
        event_id=event.event_id,
        accepted_at=accepted_at,
        uscc=uscc,
        code=code,
        label_code=label,
        payload=value,
        holder_name=name,
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        product=product_of_record(event.record),
        message=event,
    )
    problem = unstorable(incoming)
    if problem is not None:
        raise ValueError(problem)
    return incoming


def scrubbed(value: bytes) -> bytes:
    """What a dead letter may keep of an unreadable event: the event without any
    person's identity when it parses, else nothing (bytes that do not parse
    cannot be told free of personal data; the error, topic and offset remain)."""
    try:
        event = events_pb2.Event.FromString(value)
    except Exception:
        return b""
    if strip_identities(event.record):
        return event.SerializeToString()
    return value
