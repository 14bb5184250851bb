"""Stored rows as domain objects: the record inside the event, and where it came from."""

from __future__ import annotations

from collections.abc import Iterable, Set

from services.common.record_mapping import record_fields
from services.core.credit import CreditFact
from services.core.recognition import Certificate, ProficiencyFact
from services.core.records import (
    MODEL_OF_KIND,
    CreditEvent,
    GreenCertification,
    Qualification,
    SignatoryBan,
)
from services.core.records import Record as DomainRecord
from services.core.results import ProficiencyResult
from services.core.signatory_bans import BanFact
from services.registry.records.as_of import source
from services.registry.records.store import StoredRow
from yrdhub.v1 import events_pb2, records_pb2


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


def certificate(row: StoredRow) -> Certificate:
    record = domain_record(row)
    if not isinstance(record, Qualification | GreenCertification):
        raise ValueError(f"{row.record_key} is not a certificate")
    return Certificate(record, source(row))


def proficiency_fact(row: StoredRow) -> ProficiencyFact:
    record = domain_record(row)
    if not isinstance(record, ProficiencyResult):
        raise ValueError(f"{row.record_key} is not a proficiency result")
    return ProficiencyFact(record, source(row))


def credit_fact(row: StoredRow) -> CreditFact:
    record = domain_record(row)
    if not isinstance(record, CreditEvent):
        raise ValueError(f"{row.record_key} is not a credit event")
    return CreditFact(record, source(row))


def ban_facts(found: Iterable[StoredRow], people: Set[str]) -> list[BanFact]:
    """The signatory bans among `found` on any of `people`: only theirs are
    read into the domain model (a ban names its person in its payload)."""
    out: list[BanFact] = []
    for row in found:
        if record_pb(row).signatory_ban.person_id not in people:
            continue
        record = domain_record(row)
        if not isinstance(record, SignatoryBan):
            raise ValueError(f"{row.record_key} is not a signatory ban")
        out.append(BanFact(record, source(row)))
    return out
