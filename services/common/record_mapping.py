"""records.proto and the domain records (core/records.py, core/results.py):
a Record's fields by domain name for validation (what goes into events is
the message received with what validation normalised written back:
normalised_message.py), and a domain record as a Record (for the registry's
answers, tools and tests)."""

from __future__ import annotations

from typing import Any

from services.common.convert import (
    CERTIFICATE_STATUS_TO_PB,
    PROVINCE_TO_PB,
    enum_name,
    iso_date,
    province_name,
)
from services.common.inspection_mapping import (
    inspection_result_fields,
    inspection_result_message,
)
from services.common.people_mapping import (
    affiliation_fields,
    affiliations_pb,
    officer_fields,
    officer_pb,
    range_fields,
    ranges_pb,
    signatory_ban_fields,
    signatory_ban_pb,
)
from services.core.inspection_results import InspectionResult
from services.core.records import (
    Assessor,
    EnforcementOfficer,
    GreenCertification,
    Qualification,
    Record,
    RecordKind,
    SignatoryBan,
)
from services.core.results import ProficiencyResult, TestReport
from services.core.risk import RiskClassification
from services.core.status import CertificateStatus
from yrdhub.v1 import common_pb2, records_pb2


def record_fields(record: records_pb2.Record) -> tuple[RecordKind, dict[str, Any]] | None:
    """The record's kind and its fields by domain name, or None if the oneof is empty."""
    which = record.WhichOneof("body")
    if which == "qualification":
        q = record.qualification
        return RecordKind.QUALIFICATION, {
            "issuer": q.issuer,
            "number": q.number,
            "institution_uscc": q.institution_uscc,
            "institution_name": q.institution_name,
            "address": q.address,
            "legal_nature": q.legal_nature,
            "valid_from": q.valid_from,
            "valid_until": q.valid_until,
            "status": enum_name(
                common_pb2.CertificateStatus, q.status.canonical, "CERTIFICATE_STATUS_"
            ),
            "original_status": q.status.original,
            "scope": [
                {
                    "parameter": s.parameter,
                    "standard_code": s.standard_code,
                    "standard_year": s.standard_year,
                    "limits": s.limits,
                    "exclusions": s.exclusions,
                    "field": s.field,
                }
                for s in q.scope
            ],
            "signatories": [
                {"name": s.name, "fields": list(s.fields), "person_id": s.person_id}
                for s in q.signatories
            ],
            "status_effective_date": q.status_effective_date,
            "replaces": q.replaces,
            "parent_uscc": q.parent_uscc,
        }
    if which == "assessor":
        a = record.assessor
        return RecordKind.ASSESSOR, {
            "assessor_id": a.assessor_id,
            "home_province": province_name(a.home_province),
            "employer_uscc": a.employer_uscc,
            "level": enum_name(records_pb2.AssessorLevel, a.level, "ASSESSOR_LEVEL_"),
            "fields": list(a.fields),
            "status": enum_name(records_pb2.AssessorStatus, a.status, "ASSESSOR_STATUS_"),
            "original_status": a.original_status,
            "status_reason": a.status_reason,
            "available": a.available,
            "affiliations": affiliation_fields(a.affiliations),
            "unavailable": range_fields(a.unavailable),
            "assignment_history": [
                {
                    "institution_uscc": h.institution_uscc,
                    "start_date": h.start_date,
                    "end_date": h.end_date,
                    "reference": h.reference,
                }
                for h in a.assignment_history
            ],
            "status_since": a.status_since,
        }
    if which == "green_cert":
        g = record.green_cert
        return RecordKind.GREEN_CERT, {
            "body_code": g.body_code,
            "body_name": g.body_name,
            "certificate_number": g.certificate_number,
            "label_code": g.label_code,
            "enterprise_uscc": g.enterprise_uscc,
            "enterprise_name": g.enterprise_name,
            "product": g.product,
            "model": g.model,
            "category": g.category,
            "evaluation_standard": g.evaluation_standard,
            "valid_from": g.valid_from,
            "valid_until": g.valid_until,
            "status": enum_name(
                common_pb2.CertificateStatus, g.status.canonical, "CERTIFICATE_STATUS_"
            ),
            "original_status": g.status.original,
            "certification_mode": g.certification_mode,
            "laboratory": g.laboratory,
            "status_effective_date": g.status_effective_date,
            "replaces": g.replaces,
        }
    if which == "credit_event":
        c = record.credit_event
        return RecordKind.CREDIT_EVENT, {
            "reference": c.reference,
            "uscc": c.uscc,
            "list_type": enum_name(records_pb2.CreditListType, c.list_type, "CREDIT_LIST_TYPE_"),
            "action": enum_name(records_pb2.CreditAction, c.action, "CREDIT_ACTION_"),
            "reason": c.reason,
            "effective_from": c.effective_from,
            "effective_until": c.effective_until,
            "listing_province": province_name(c.listing_province),
            "lifts_reference": c.lifts_reference,
        }
    if which == "report":
        t = record.report
        return RecordKind.REPORT, {
            "report_number": t.report_number,
            "cma_number": t.cma_number,
            "institution_uscc": t.institution_uscc,
            "issue_date": t.issue_date,
            "items": _items(t.items),
            "signatory": t.signatory,
            "sample_category": t.sample_category,
            "document_sha256": t.document_sha256,
        }
    if which == "proficiency":
        f = record.proficiency
        return RecordKind.PROFICIENCY, {
            "round_id": f.round_id,
            "provider": f.provider,
            "cma_number": f.cma_number,
            "institution_uscc": f.institution_uscc,
            "items": _items(f.items),
            "outcome": enum_name(records_pb2.ProficiencyOutcome, f.outcome, "PROFICIENCY_OUTCOME_"),
            "result_date": f.result_date,
        }
    if which == "risk_classification":
        rc = record.risk_classification
        return RecordKind.RISK_CLASSIFICATION, {
            "institution_uscc": rc.institution_uscc,
            "risk_class": enum_name(records_pb2.RiskClass, rc.risk_class, "RISK_CLASS_"),
            "effective_from": rc.effective_from,
            "basis": rc.basis,
        }
    if which == "officer":
        return RecordKind.OFFICER, officer_fields(record.officer)
    if which == "inspection_result":
        return RecordKind.INSPECTION_RESULT, inspection_result_fields(record.inspection_result)
    if which == "signatory_ban":
        return RecordKind.SIGNATORY_BAN, signatory_ban_fields(record.signatory_ban)
    return None


def _items(items: Any) -> list[dict[str, Any]]:
    return [
        {
            "parameter": i.parameter,
            "standard_code": i.standard_code,
            "standard_year": i.standard_year,
        }
        for i in items
    ]


def _items_pb(items: Any) -> list[records_pb2.ReportItem]:
    return [
        records_pb2.ReportItem(
            parameter=i.parameter, standard_code=i.standard_code, standard_year=i.standard_year or 0
        )
        for i in items
    ]


def _status(status: CertificateStatus, original: str) -> common_pb2.Status:
    return common_pb2.Status(canonical=CERTIFICATE_STATUS_TO_PB[status], original=original)


def to_record_pb(record: Record) -> records_pb2.Record:
    """The normalised domain record as a protobuf Record (what goes into events)."""
    if isinstance(record, Qualification):
        return records_pb2.Record(
            qualification=records_pb2.Qualification(
                issuer=record.issuer,
                number=record.number,
                institution_uscc=record.institution_uscc,
                institution_name=record.institution_name,
                address=record.address,
                legal_nature=record.legal_nature,
                valid_from=iso_date(record.valid_from),
                valid_until=iso_date(record.valid_until),
                status=_status(record.status, record.original_status),
                scope=[
                    records_pb2.ScopeItem(
                        parameter=s.parameter,
                        standard_code=s.standard_code,
                        standard_year=s.standard_year,
                        limits=s.limits,
                        exclusions=s.exclusions,
                        field=s.field,
                    )
                    for s in record.scope
                ],
                signatories=[
                    records_pb2.Signatory(name=s.name, fields=s.fields, person_id=s.person_id)
                    for s in record.signatories
                ],
                status_effective_date=iso_date(record.status_effective_date),
                replaces=record.replaces,
                parent_uscc=record.parent_uscc,
            )
        )
    if isinstance(record, Assessor):
        return records_pb2.Record(
            assessor=records_pb2.Assessor(
                assessor_id=record.assessor_id,
                home_province=PROVINCE_TO_PB[record.home_province],
                employer_uscc=record.employer_uscc,
                level=f"ASSESSOR_LEVEL_{record.level.value}",
                fields=record.fields,
                status=f"ASSESSOR_STATUS_{record.status.value}",
                original_status=record.original_status,
                status_reason=record.status_reason,
                available=record.available,
                affiliations=affiliations_pb(record.affiliations),
                unavailable=ranges_pb(record.unavailable),
                assignment_history=[
                    records_pb2.PastAssignment(
                        institution_uscc=h.institution_uscc,
                        start_date=iso_date(h.start_date),
                        end_date=iso_date(h.end_date),
                        reference=h.reference,
                    )
                    for h in record.assignment_history
                ],
                status_since=iso_date(record.status_since),
                # identity is absent: the domain model has none.
            )
        )
    if isinstance(record, GreenCertification):
        return records_pb2.Record(
            green_cert=records_pb2.GreenCertification(
                body_code=record.body_code,
                body_name=record.body_name,
                certificate_number=record.certificate_number,
                label_code=record.label_code,
                enterprise_uscc=record.enterprise_uscc,
                enterprise_name=record.enterprise_name,
                product=record.product,
                model=record.model,
                category=record.category,
                evaluation_standard=record.evaluation_standard,
                valid_from=iso_date(record.valid_from),
                valid_until=iso_date(record.valid_until),
                status=_status(record.status, record.original_status),
                certification_mode=record.certification_mode,
                laboratory=record.laboratory,
                status_effective_date=iso_date(record.status_effective_date),
                replaces=record.replaces,
            )
        )
    if isinstance(record, TestReport):
        return records_pb2.Record(
            report=records_pb2.TestReport(
                report_number=record.report_number,
                cma_number=record.cma_number,
                institution_uscc=record.institution_uscc,
                issue_date=iso_date(record.issue_date),
                items=_items_pb(record.items),
                signatory=record.signatory,
                sample_category=record.sample_category,
                document_sha256=record.document_sha256,
            )
        )
    if isinstance(record, ProficiencyResult):
        return records_pb2.Record(
            proficiency=records_pb2.ProficiencyResult(
                round_id=record.round_id,
                provider=record.provider,
                cma_number=record.cma_number,
                institution_uscc=record.institution_uscc,
                items=_items_pb(record.items),
                outcome=f"PROFICIENCY_OUTCOME_{record.outcome.value}",
                result_date=iso_date(record.result_date),
            )
        )
    if isinstance(record, RiskClassification):
        return records_pb2.Record(
            risk_classification=records_pb2.RiskClassification(
                institution_uscc=record.institution_uscc,
                risk_class=f"RISK_CLASS_{record.risk_class.value}",
                effective_from=iso_date(record.effective_from),
                basis=record.basis,
            )
        )
    if isinstance(record, EnforcementOfficer):
        return officer_pb(record)
    if isinstance(record, InspectionResult):
        return records_pb2.Record(inspection_result=inspection_result_message(record))
    if isinstance(record, SignatoryBan):
        return signatory_ban_pb(record)
    return records_pb2.Record(
        credit_event=records_pb2.CreditEvent(
            reference=record.reference,
            uscc=record.uscc,
            list_type=f"CREDIT_LIST_TYPE_{record.list_type.value}",
            action=f"CREDIT_ACTION_{record.action.value}",
            reason=record.reason,
            effective_from=iso_date(record.effective_from),
            effective_until=iso_date(record.effective_until),
            listing_province=PROVINCE_TO_PB[record.listing_province],
            lifts_reference=record.lifts_reference,
        )
    )
