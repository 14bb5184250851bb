"""records.proto and the domain records for people other than through their
assessor record: enforcement officers and signatory bans, and the ties and
leave periods assessors and officers both declare. Identities never pass
here: the exchange turns them into pseudonyms first (services.exchange.identities)."""

from __future__ import annotations

from typing import Any

from services.common.convert import PROVINCE_TO_PB, enum_name, iso_date, province_name
from services.core.records import Affiliation, DateRange, EnforcementOfficer, SignatoryBan
from yrdhub.v1 import records_pb2


def affiliation_fields(affiliations: Any) -> list[dict[str, Any]]:
    return [
        {
            "organization_uscc": f.organization_uscc,
            "relation": enum_name(
                records_pb2.AffiliationRelation, f.relation, "AFFILIATION_RELATION_"
            ),
            "start_date": f.start_date,
            "end_date": f.end_date,
        }
        for f in affiliations
    ]


def range_fields(ranges: Any) -> list[dict[str, Any]]:
    return [{"start_date": u.start_date, "end_date": u.end_date} for u in ranges]


def affiliations_pb(affiliations: tuple[Affiliation, ...]) -> list[records_pb2.Affiliation]:
    return [
        records_pb2.Affiliation(
            organization_uscc=f.organization_uscc,
            relation=f"AFFILIATION_RELATION_{f.relation.value}",
            start_date=iso_date(f.start_date),
            end_date=iso_date(f.end_date),
        )
        for f in affiliations
    ]


def ranges_pb(ranges: tuple[DateRange, ...]) -> list[records_pb2.DateRange]:
    return [
        records_pb2.DateRange(start_date=iso_date(u.start_date), end_date=iso_date(u.end_date))
        for u in ranges
    ]


def officer_fields(o: records_pb2.EnforcementOfficer) -> dict[str, Any]:
    return {
        "officer_id": o.officer_id,
        "home_province": province_name(o.home_province),
        "authority": o.authority,
        "certificate_number": o.certificate_number,
        "certificate_valid_from": o.certificate_valid_from,
        "certificate_valid_until": o.certificate_valid_until,
        "status": enum_name(records_pb2.AssessorStatus, o.status, "ASSESSOR_STATUS_"),
        "status_reason": o.status_reason,
        "status_since": o.status_since,
        "affiliations": affiliation_fields(o.affiliations),
        "unavailable": range_fields(o.unavailable),
    }


def officer_pb(record: EnforcementOfficer) -> records_pb2.Record:
    return records_pb2.Record(
        officer=records_pb2.EnforcementOfficer(
            officer_id=record.officer_id,
            home_province=PROVINCE_TO_PB[record.home_province],
            authority=record.authority,
            certificate_number=record.certificate_number,
            certificate_valid_from=iso_date(record.certificate_valid_from),
            certificate_valid_until=iso_date(record.certificate_valid_until),
            status=f"ASSESSOR_STATUS_{record.status.value}",
            status_reason=record.status_reason,
            status_since=iso_date(record.status_since),
            affiliations=affiliations_pb(record.affiliations),
            unavailable=ranges_pb(record.unavailable),
            # identity is absent, as for assessors.
        )
    )


def signatory_ban_fields(b: records_pb2.SignatoryBan) -> dict[str, Any]:
    return {
        "reference": b.reference,
        "person_id": b.person_id,
        "institution_uscc": b.institution_uscc,
        "reason": b.reason,
        "effective_from": b.effective_from,
        "effective_until": b.effective_until,
        "action": enum_name(records_pb2.CreditAction, b.action, "CREDIT_ACTION_"),
        "lifts_reference": b.lifts_reference,
        "listing_province": province_name(b.listing_province),
    }


def signatory_ban_pb(record: SignatoryBan) -> records_pb2.Record:
    return records_pb2.Record(
        signatory_ban=records_pb2.SignatoryBan(
            reference=record.reference,
            person_id=record.person_id,
            institution_uscc=record.institution_uscc,
            reason=record.reason,
            effective_from=iso_date(record.effective_from),
            effective_until=iso_date(record.effective_until),
            action=f"CREDIT_ACTION_{record.action.value}",
            lifts_reference=record.lifts_reference,
            listing_province=PROVINCE_TO_PB[record.listing_province],
        )
    )
