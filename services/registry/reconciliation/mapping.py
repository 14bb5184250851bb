"""reconciliation.proto's messages and RegistryService's reconciliation answers, from
the use cases' domain results (the one place they are mapped)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from google.protobuf.json_format import MessageToDict

from services.common.convert import (
    CERTIFICATE_STATUS_TO_PB,
    KIND_FROM_PB,
    PROVINCE_FROM_PB,
    PROVINCE_TO_PB,
    as_of_pb,
    filter_values,
    timestamp,
)
from services.common.record_mapping import to_record_pb
from services.core.conflicts import ConflictType
from services.core.credit import Listing
from services.core.errors import InvalidRequest, Violation
from services.core.fields import parse_record_key
from services.core.history import AsOf
from services.core.policy import Outcome
from services.core.provinces import Province
from services.core.recognition import Decision, DecisionInput, Reason, RequestedItem
from services.registry.reconciliation.changelog import ChangeFilter, ChangeType
from services.registry.reconciliation.changes import Change
from services.registry.reconciliation.conflict_store import StoredConflict
from services.registry.reconciliation.institutions import (
    ConflictPage,
    History,
    InstitutionView,
    parse_uscc,
)
from services.registry.reconciliation.recognition import Decided
from services.registry.reconciliation.reports import VerifiedReport
from services.registry.records.mapping import feed_freshness, provenance, stored_record
from yrdhub.v1 import reconciliation_pb2, registry_pb2

# --- enums -------------------------------------------------------------------------

# Protobuf enum values by name: the domain enums' values are the names' suffixes.
CONFLICT_TYPE_TO_PB = {t: f"CONFLICT_TYPE_{t.value}" for t in ConflictType}
CONFLICT_TYPE_FROM_PB = {
    reconciliation_pb2.ConflictType.Value(name): t for t, name in CONFLICT_TYPE_TO_PB.items()
}
OUTCOME_TO_PB = {o: f"RECOGNITION_OUTCOME_{o.value}" for o in Outcome}
CHANGE_TYPE_TO_PB = {t: f"CHANGE_TYPE_{t.value}" for t in ChangeType}


# --- messages ----------------------------------------------------------------------


def conflict(c: StoredConflict) -> reconciliation_pb2.Conflict:
    msg = reconciliation_pb2.Conflict(
        conflict_id=c.conflict_id,
        type=CONFLICT_TYPE_TO_PB[c.type],
        subject=c.subject,
        records=[
            reconciliation_pb2.ConflictRecord(
                province=PROVINCE_TO_PB[r.province],
                record_key=r.record_key,
                value=r.value,
                holder_uscc=r.holder_uscc,
            )
            for r in c.records
        ],
        summary=c.summary,
        first_seen=timestamp(c.first_seen),
        updated_at=timestamp(c.updated_at),
    )
    if c.resolved_at is not None:
        msg.resolved_at.CopyFrom(timestamp(c.resolved_at))
    return msg


def credit_listing(item: Listing) -> reconciliation_pb2.CreditListing:
    listing = item.listing
    msg = reconciliation_pb2.CreditListing(
        record_key=listing.source.record_key,
        provenance=provenance(listing.source),
        listing=to_record_pb(listing.event).credit_event,
        state=f"LISTING_STATE_{item.state.value}",
    )
    if item.lifted_by is not None:
        msg.lifted_by_record_key = item.lifted_by.source.record_key
        msg.lifted_on = item.lifted_by.event.effective_from.isoformat()
    return msg


def institution(view: InstitutionView) -> registry_pb2.GetInstitutionResponse:
    today = view.as_of.valid_on
    return registry_pb2.GetInstitutionResponse(
        uscc=view.uscc,
        found=view.found,
        names=[
            reconciliation_pb2.NameClaim(
                name=n.name,
                provinces=[PROVINCE_TO_PB[p] for p in n.provinces],
                record_keys=n.record_keys,
            )
            for n in view.names
        ],
        provinces=[PROVINCE_TO_PB[p] for p in view.provinces],
        qualifications=[stored_record(r, today) for r in view.qualifications],
        green_certs=[stored_record(r, today) for r in view.green_certs],
        credit_events=[stored_record(r, today) for r in view.credit_events],
        credit_listings=[credit_listing(item) for item in view.listings],
        conflicts=[conflict(c) for c in view.conflicts],
        as_of=as_of_pb(view.as_of),
        freshness=[feed_freshness(f) for f in view.feeds],
    )


def conflict_page(page: ConflictPage) -> registry_pb2.ListConflictsResponse:
    return registry_pb2.ListConflictsResponse(
        conflicts=[conflict(c) for c in page.conflicts],
        next_page_token=page.next_page_token,
        as_of=as_of_pb(page.as_of),
    )


def conflict_types(values: Sequence[int]) -> list[ConflictType]:
    return filter_values(values, CONFLICT_TYPE_FROM_PB, "types")


def history(h: History, next_page_token: str = "") -> registry_pb2.GetRecordHistoryResponse:
    return registry_pb2.GetRecordHistoryResponse(
        next_page_token=next_page_token,
        versions=[stored_record(r, h.as_of.valid_on) for r in h.versions],
        current=[stored_record(r, h.as_of.valid_on) for r in h.current],
        validity=[
            reconciliation_pb2.ValidityOnDate(
                province=PROVINCE_TO_PB[v.province],
                revision=v.revision,
                status=CERTIFICATE_STATUS_TO_PB[v.validity.status],
                valid=v.validity.valid,
                reason=v.validity.reason,
            )
            for v in h.validity
        ],
        as_of=as_of_pb(h.as_of),
    )


def _input(i: DecisionInput) -> reconciliation_pb2.DecisionInput:
    msg = reconciliation_pb2.DecisionInput(
        name=i.name,
        value=i.value,
        origin=f"INPUT_ORIGIN_{i.origin.value}",
    )
    if i.source is not None:
        msg.record_key = i.source.record_key
        msg.provenance.CopyFrom(provenance(i.source))
    if i.conflict_id is not None:
        msg.conflict_id = i.conflict_id
    return msg


def reason(r: Reason) -> reconciliation_pb2.RecognitionReason:
    return reconciliation_pb2.RecognitionReason(
        rule_id=r.rule_id,
        effect=OUTCOME_TO_PB[r.effect],
        message=r.message,
        inputs=[_input(i) for i in r.inputs],
    )


def _decision_fields(d: Decision, as_of: AsOf, decided_at: dt.datetime) -> dict[str, Any]:
    """The fields DecideRecognitionResponse and VerifyReportResponse share."""
    return {
        "outcome": OUTCOME_TO_PB[d.outcome],
        "reasons": [reason(r) for r in d.reasons],
        "policy_version": d.policy_version,
        "policy_digest": d.policy_digest,
        "target_province": PROVINCE_TO_PB[d.target],
        "as_of": as_of_pb(as_of),
        "decided_at": timestamp(decided_at),
    }


def decision(decided: Decided) -> registry_pb2.DecideRecognitionResponse:
    return registry_pb2.DecideRecognitionResponse(
        **_decision_fields(decided.decision, decided.as_of, decided.decided_at)
    )


def report_verdict(verified: VerifiedReport) -> registry_pb2.VerifyReportResponse:
    msg = registry_pb2.VerifyReportResponse(
        registered=verified.row is not None,
        **_decision_fields(verified.decision, verified.as_of, verified.decided_at),
    )
    if verified.row is not None:
        msg.report.CopyFrom(stored_record(verified.row, verified.as_of.valid_on))
    return msg


def report_document(verified: VerifiedReport) -> dict[str, Any]:
    """The verdict as the public page's JSON: VerifyReportResponse in the
    protobuf JSON mapping, with the contract's field names."""
    return MessageToDict(report_verdict(verified), preserving_proto_field_name=True)


def province_or_none(value: int) -> Province | None:
    return PROVINCE_FROM_PB.get(value)


def requested_items(items: Any) -> list[RequestedItem]:
    return [RequestedItem(i.parameter, i.standard_code, i.standard_year or None) for i in items]


def change_filter(request: registry_pb2.WatchChangesRequest) -> ChangeFilter:
    watched = request.watch_list
    return ChangeFilter(
        publishing_provinces=frozenset(
            p.value
            for p in filter_values(
                request.publishing_provinces, PROVINCE_FROM_PB, "publishing_provinces"
            )
        ),
        kinds=frozenset(k.value for k in filter_values(request.kinds, KIND_FROM_PB, "kinds")),
        holder_uscc=(parse_uscc(request.holder_uscc, "holder_uscc") if request.holder_uscc else ""),
        record_keys=record_keys(request.record_keys, "record_keys"),
        watched_keys=record_keys(watched.record_keys, "watch_list.record_keys"),
        watched_holders=frozenset(
            parse_uscc(u, f"watch_list.holder_usccs[{i}]")
            for i, u in enumerate(_bounded(watched.holder_usccs, "watch_list.holder_usccs"))
        ),
    )


MAX_WATCHED = 1000


def _bounded(values: Sequence[str], field: str) -> Sequence[str]:
    if len(values) > MAX_WATCHED:
        raise InvalidRequest(
            "too many entries", [Violation(field, f"{len(values)} given; at most {MAX_WATCHED}")]
        )
    return values


def record_keys(values: Sequence[str], field: str) -> frozenset[str]:
    """Record keys as a filter takes them: KIND/..., and no comma (the change
    log's tags are comma-separated)."""
    found = set()
    for i, value in enumerate(_bounded(values, field)):
        key = parse_record_key(value, f"{field}[{i}]")
        if "," in key:
            raise InvalidRequest(
                "malformed record key", [Violation(f"{field}[{i}]", "a record key has no comma")]
            )
        found.add(key)
    return frozenset(found)


def change_event(change: Change, today: dt.date) -> registry_pb2.ChangeEvent:
    msg = registry_pb2.ChangeEvent(
        cursor=change.cursor,
        type=CHANGE_TYPE_TO_PB[change.type],
        recorded_at=timestamp(change.recorded_at),
    )
    if change.record is not None:
        msg.record.CopyFrom(stored_record(change.record, today))
        msg.current = change.became_current
    elif change.conflict is not None:
        msg.conflict.CopyFrom(conflict(change.conflict))
    return msg
