"""Stored rows as the domain reads them: where a version came from, and its
validated record (every capability that judges records reads them so)."""

from __future__ import annotations

from services.common.record_mapping import record_fields
from services.core.credit import CreditFact
from services.core.provenance import Source
from services.core.provinces import Province
from services.core.records import MODEL_OF_KIND, CreditEvent
from services.core.records import Record as DomainRecord
from services.registry.records.store import StoredRow
from yrdhub.v1 import events_pb2, records_pb2


def source(row: StoredRow) -> Source:
    return Source(
        province=Province(row.province),
        record_key=row.record_key,
        revision=row.revision,
        event_id=row.event_id,
        sequence=row.sequence,
        accepted_at=row.accepted_at,
        applied_at=row.applied_at,
    )


def record_pb(row: StoredRow) -> records_pb2.Record:
    return events_pb2.Event.FromString(row.payload).record


def domain_record(row: StoredRow) -> DomainRecord:
    """The validated domain model of a stored record (the exchange validated it
    with the same rules before publishing, so this does not fail on stored data)."""
    parsed = record_fields(record_pb(row))
    if parsed is None:
        raise ValueError(f"{row.record_key} revision {row.revision} carries no record")
    kind, values = parsed
    return MODEL_OF_KIND[kind].model_validate(values)


def credit_fact(row: StoredRow) -> CreditFact:
    record = domain_record(row)
    if not isinstance(record, CreditEvent):
        raise ValueError(f"{row.record_key} is not a credit event")
    return CreditFact(record, source(row))
