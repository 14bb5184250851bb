"""Stored rows as domain objects: the record inside the event, and where it came from."""

from __future__ import annotations

from collections.abc import Iterable, Set

from services.core.recognition import Certificate, ProficiencyFact
from services.core.records import (
    GreenCertification,
    Qualification,
    SignatoryBan,
)
from services.core.results import ProficiencyResult
from services.core.signatory_bans import BanFact
from services.registry.records.domain import domain_record, record_pb, source
from services.registry.records.store import StoredRow


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
