"""Mapping between the protobuf contracts and the domain models.

Hand-written rather than via json_format: it runs once per record on the
ingest hot path, and explicit fields keep the two sides honest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from services.common.worker import WorkState
from services.core.assessors import PoolMember, Tie
from services.core.errors import InvalidRequest, Violation
from services.core.history import AsOf
from services.core.paging import pinned_by
from services.core.provinces import Province
from services.core.records import (
    AffiliationRelation,
    Assessor,
    AssessorLevel,
    AssessorStatus,
    CreditAction,
    CreditListType,
    GreenCertification,
    Qualification,
    Record,
    RecordKind,
)
from services.core.results import ProficiencyResult, TestReport
from services.core.status import CertificateStatus
from yrdhub.v1 import common_pb2, records_pb2

PROVINCE_TO_PB: dict[Province, common_pb2.Province] = {
    Province.SH: common_pb2.PROVINCE_SH,
    Province.JS: common_pb2.PROVINCE_JS,
    Province.ZJ: common_pb2.PROVINCE_ZJ,
    Province.AH: common_pb2.PROVINCE_AH,
}
PROVINCE_FROM_PB: dict[int, Province] = {v: k for k, v in PROVINCE_TO_PB.items()}

KIND_TO_PB: dict[RecordKind, common_pb2.RecordKind] = {
    RecordKind.QUALIFICATION: common_pb2.RECORD_KIND_QUALIFICATION,
    RecordKind.ASSESSOR: common_pb2.RECORD_KIND_ASSESSOR,
    RecordKind.GREEN_CERT: common_pb2.RECORD_KIND_GREEN_CERT,
    RecordKind.CREDIT_EVENT: common_pb2.RECORD_KIND_CREDIT_EVENT,
    RecordKind.REPORT: common_pb2.RECORD_KIND_REPORT,
    RecordKind.PROFICIENCY: common_pb2.RECORD_KIND_PROFICIENCY,
}
KIND_FROM_PB: dict[int, RecordKind] = {v: k for k, v in KIND_TO_PB.items()}

CERTIFICATE_STATUS_TO_PB: dict[CertificateStatus, common_pb2.CertificateStatus] = {
    CertificateStatus.VALID: common_pb2.CERTIFICATE_STATUS_VALID,
    CertificateStatus.SUSPENDED: common_pb2.CERTIFICATE_STATUS_SUSPENDED,
    CertificateStatus.REVOKED: common_pb2.CERTIFICATE_STATUS_REVOKED,
    CertificateStatus.CANCELLED: common_pb2.CERTIFICATE_STATUS_CANCELLED,
    CertificateStatus.EXPIRED: common_pb2.CERTIFICATE_STATUS_EXPIRED,
}
CERTIFICATE_STATUS_FROM_PB: dict[int, CertificateStatus] = {
    v: k for k, v in CERTIFICATE_STATUS_TO_PB.items()
}


CREDIT_LIST_TYPE_FROM_PB: dict[int, CreditListType] = {
    records_pb2.CreditListType.Value(f"CREDIT_LIST_TYPE_{t.value}"): t for t in CreditListType
}
CREDIT_ACTION_FROM_PB: dict[int, CreditAction] = {
    records_pb2.CreditAction.Value(f"CREDIT_ACTION_{a.value}"): a for a in CreditAction
}


def _enum_name(enum: Any, value: int, prefix: str) -> str:
    """ "ASSESSOR_LEVEL_TEAM_LEADER" -> "TEAM_LEADER"; unknown numbers pass through as text
    so that validation, not the mapping, reports them."""
    try:
        return str(enum.Name(value)).removeprefix(prefix)
    except ValueError:
        return str(value)


def province_name(value: int) -> str:
    # A dict first: the registry names the province of every event it applies.
    name = _PROVINCE_NAMES.get(value)
    return name if name is not None else _enum_name(common_pb2.Province, value, "PROVINCE_")


_PROVINCE_NAMES = {
    v.number: _enum_name(common_pb2.Province, v.number, "PROVINCE_")
    for v in common_pb2.Province.DESCRIPTOR.values
}


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
            "status": _enum_name(
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
                }
                for s in q.scope
            ],
            "signatories": [{"name": s.name, "fields": list(s.fields)} for s in q.signatories],
            "status_effective_date": q.status_effective_date,
            "replaces": q.replaces,
        }
    if which == "assessor":
        a = record.assessor
        return RecordKind.ASSESSOR, {
            "assessor_id": a.assessor_id,
            "home_province": province_name(a.home_province),
            "employer_uscc": a.employer_uscc,
            "level": _enum_name(records_pb2.AssessorLevel, a.level, "ASSESSOR_LEVEL_"),
            "fields": list(a.fields),
            "status": _enum_name(records_pb2.AssessorStatus, a.status, "ASSESSOR_STATUS_"),
            "original_status": a.original_status,
            "status_reason": a.status_reason,
            "available": a.available,
            "affiliations": [
                {
                    "organization_uscc": f.organization_uscc,
                    "relation": _enum_name(
                        records_pb2.AffiliationRelation, f.relation, "AFFILIATION_RELATION_"
                    ),
                    "start_date": f.start_date,
                    "end_date": f.end_date,
                }
                for f in a.affiliations
            ],
            "unavailable": [
                {"start_date": u.start_date, "end_date": u.end_date} for u in a.unavailable
            ],
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
            "status": _enum_name(
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
            "list_type": _enum_name(records_pb2.CreditListType, c.list_type, "CREDIT_LIST_TYPE_"),
            "action": _enum_name(records_pb2.CreditAction, c.action, "CREDIT_ACTION_"),
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
            "outcome": _enum_name(
                records_pb2.ProficiencyOutcome, f.outcome, "PROFICIENCY_OUTCOME_"
            ),
            "result_date": f.result_date,
        }
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


def _date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


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
                valid_from=_date(record.valid_from),
                valid_until=_date(record.valid_until),
                status=_status(record.status, record.original_status),
                scope=[
                    records_pb2.ScopeItem(
                        parameter=s.parameter,
                        standard_code=s.standard_code,
                        standard_year=s.standard_year,
                        limits=s.limits,
                        exclusions=s.exclusions,
                    )
                    for s in record.scope
                ],
                signatories=[
                    records_pb2.Signatory(name=s.name, fields=s.fields) for s in record.signatories
                ],
                status_effective_date=_date(record.status_effective_date),
                replaces=record.replaces,
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
                affiliations=[
                    records_pb2.Affiliation(
                        organization_uscc=f.organization_uscc,
                        relation=f"AFFILIATION_RELATION_{f.relation.value}",
                        start_date=_date(f.start_date),
                        end_date=_date(f.end_date),
                    )
                    for f in record.affiliations
                ],
                unavailable=[
                    records_pb2.DateRange(
                        start_date=_date(u.start_date), end_date=_date(u.end_date)
                    )
                    for u in record.unavailable
                ],
                assignment_history=[
                    records_pb2.PastAssignment(
                        institution_uscc=h.institution_uscc,
                        start_date=_date(h.start_date),
                        end_date=_date(h.end_date),
                        reference=h.reference,
                    )
                    for h in record.assignment_history
                ],
                status_since=_date(record.status_since),
                # identity is deliberately absent: the domain model has none, so
                # nothing personal can reach an event.
            )
        )
    if isinstance(record, GreenCertification):
        return records_pb2.Record(
            green_cert=records_pb2.GreenCertification(
                body_code=record.body_code,
                certificate_number=record.certificate_number,
                label_code=record.label_code,
                enterprise_uscc=record.enterprise_uscc,
                enterprise_name=record.enterprise_name,
                product=record.product,
                model=record.model,
                category=record.category,
                evaluation_standard=record.evaluation_standard,
                valid_from=_date(record.valid_from),
                valid_until=_date(record.valid_until),
                status=_status(record.status, record.original_status),
                certification_mode=record.certification_mode,
                laboratory=record.laboratory,
                status_effective_date=_date(record.status_effective_date),
                replaces=record.replaces,
            )
        )
    if isinstance(record, TestReport):
        return records_pb2.Record(
            report=records_pb2.TestReport(
                report_number=record.report_number,
                cma_number=record.cma_number,
                institution_uscc=record.institution_uscc,
                issue_date=_date(record.issue_date),
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
                result_date=_date(record.result_date),
            )
        )
    return records_pb2.Record(
        credit_event=records_pb2.CreditEvent(
            reference=record.reference,
            uscc=record.uscc,
            list_type=f"CREDIT_LIST_TYPE_{record.list_type.value}",
            action=f"CREDIT_ACTION_{record.action.value}",
            reason=record.reason,
            effective_from=_date(record.effective_from),
            effective_until=_date(record.effective_until),
            listing_province=PROVINCE_TO_PB[record.listing_province],
            lifts_reference=record.lifts_reference,
        )
    )


def timestamp(when: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(when)
    return ts


def from_timestamp(ts: Timestamp) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC)


def as_of_asked(msg: common_pb2.AsOf) -> tuple[str, dt.datetime | None]:
    """A request's AsOf: the valid day as text (checked by core.history.as_of)
    and the instant of knowledge, None when unset."""
    return msg.valid_on, from_timestamp(msg.known_at) if msg.HasField("known_at") else None


def as_of_paged(msg: common_pb2.AsOf, page_token: str) -> tuple[str, dt.datetime | None]:
    """as_of_asked, but a request that names no as_of and follows a page token
    is answered at the as_of the first page was (pinned in the token)."""
    pinned = pinned_by(page_token)
    if pinned and not msg.valid_on and not msg.HasField("known_at"):
        valid_on, _, known_at = pinned.partition("|")
        try:
            return valid_on, dt.datetime.fromisoformat(known_at)
        except ValueError:
            raise InvalidRequest(
                "bad page token", [Violation("page_token", "use a next_page_token as it came")]
            ) from None
    return as_of_asked(msg)


def as_of_pin(value: AsOf) -> str:
    """An answer's as_of as a page token pins it (see as_of_paged)."""
    return f"{value.valid_on.isoformat()}|{value.known_at.isoformat()}"


def as_of_pb(value: AsOf) -> common_pb2.AsOf:
    """The AsOf an answer states."""
    return common_pb2.AsOf(valid_on=value.valid_on.isoformat(), known_at=timestamp(value.known_at))


# --- assessors as the pool holds them -------------------------------------------

LEVEL_FROM_PB = {
    records_pb2.ASSESSOR_LEVEL_TEAM_LEADER: AssessorLevel.TEAM_LEADER,
    records_pb2.ASSESSOR_LEVEL_ASSESSOR: AssessorLevel.ASSESSOR,
    records_pb2.ASSESSOR_LEVEL_TECHNICAL_EXPERT: AssessorLevel.TECHNICAL_EXPERT,
}
ASSESSOR_STATUS_FROM_PB = {
    records_pb2.ASSESSOR_STATUS_ACTIVE: AssessorStatus.ACTIVE,
    records_pb2.ASSESSOR_STATUS_SUSPENDED: AssessorStatus.SUSPENDED,
    records_pb2.ASSESSOR_STATUS_REINSTATED: AssessorStatus.REINSTATED,
    records_pb2.ASSESSOR_STATUS_REVOKED: AssessorStatus.REVOKED,
}
RELATION_FROM_PB = {
    records_pb2.AFFILIATION_RELATION_EMPLOYED: AffiliationRelation.EMPLOYED,
    records_pb2.AFFILIATION_RELATION_CONSULTED: AffiliationRelation.CONSULTED,
}


def _optional_day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def pool_member(a: records_pb2.Assessor) -> PoolMember:
    """A pool member from an assessor record the exchange already validated.

    Raises ValueError or KeyError on a record no exchange should have let through.
    """
    ties: dict[str, list[Tie]] = {}
    for f in a.affiliations:
        ties.setdefault(f.organization_uscc, []).append(
            Tie(RELATION_FROM_PB[f.relation], _day(f.start_date), _optional_day(f.end_date))
        )
    reviewed: dict[str, list[dt.date]] = {}
    for h in a.assignment_history:
        reviewed.setdefault(h.institution_uscc, []).append(_day(h.start_date))
    return PoolMember(
        assessor_id=a.assessor_id,
        province=PROVINCE_FROM_PB[a.home_province],
        employer_uscc=a.employer_uscc,
        level=LEVEL_FROM_PB[a.level],
        fields=frozenset(a.fields),
        status=ASSESSOR_STATUS_FROM_PB[a.status],
        status_reason=a.status_reason,
        available=a.available,
        ties={k: tuple(v) for k, v in ties.items()},
        unavailable=tuple((_day(u.start_date), _day(u.end_date)) for u in a.unavailable),
        reviewed={k: tuple(v) for k, v in reviewed.items()},
    )


def background_work(state: WorkState) -> common_pb2.BackgroundWork:
    work = common_pb2.BackgroundWork(
        name=state.name,
        retrying=state.retrying,
        consecutive_failures=state.consecutive_failures,
        retries=state.retries,
        last_error=state.last_error or "",
        lag=(-1 if state.lag is None else state.lag) if state.feed else 0,
    )
    if state.failing_since is not None:
        work.failing_since.CopyFrom(timestamp(state.failing_since))
    return work
