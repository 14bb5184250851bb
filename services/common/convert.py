"""Mapping between the protobuf contracts and the domain models.

Hand-written rather than via json_format: it runs once per record on the
ingest hot path, and explicit fields keep the two sides honest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from services.common.worker import WorkState
from services.core.assessors import PoolMember, Tie
from services.core.codes import normalise_code
from services.core.errors import InvalidRequest, Violation
from services.core.fields import parse_record_key
from services.core.history import AsOf
from services.core.officers import Officer
from services.core.paging import pinned_by
from services.core.provinces import Province
from services.core.records import (
    AffiliationRelation,
    AssessorLevel,
    AssessorStatus,
    CreditAction,
    CreditListType,
    RecordKind,
)
from services.core.risk import CreditClass
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
    RecordKind.RISK_CLASSIFICATION: common_pb2.RECORD_KIND_RISK_CLASSIFICATION,
    RecordKind.OFFICER: common_pb2.RECORD_KIND_OFFICER,
    RecordKind.INSPECTION_RESULT: common_pb2.RECORD_KIND_INSPECTION_RESULT,
    RecordKind.SIGNATORY_BAN: common_pb2.RECORD_KIND_SIGNATORY_BAN,
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


def enum_name(enum: Any, value: int, prefix: str) -> str:
    """ "ASSESSOR_LEVEL_TEAM_LEADER" -> "TEAM_LEADER"; unknown numbers pass through as text
    so that validation, not the mapping, reports them."""
    try:
        return str(enum.Name(value)).removeprefix(prefix)
    except ValueError:
        return str(value)


def province_name(value: int) -> str:
    # A dict first: the registry names the province of every event it applies.
    name = _PROVINCE_NAMES.get(value)
    return name if name is not None else enum_name(common_pb2.Province, value, "PROVINCE_")


_PROVINCE_NAMES = {
    v.number: enum_name(common_pb2.Province, v.number, "PROVINCE_")
    for v in common_pb2.Province.DESCRIPTOR.values
}


T = TypeVar("T")


def filter_values(values: Sequence[int], known: Mapping[int, T], field: str) -> list[T]:
    """A filter's enum values, each one the contract defines: a value that is
    not (UNSPECIFIED, or a newer contract's) is refused, not dropped, since
    dropping the filter's only value would widen the answer to everything."""
    found: list[T] = []
    for i, value in enumerate(values):
        if value not in known:
            raise InvalidRequest(
                "a filter value this registry does not know",
                [Violation(f"{field}[{i}]", f"{value} is not one of {sorted(known)}")],
            )
        found.append(known[value])
    return found


def filter_value(value: int, known: Mapping[int, T], field: str, unset: str = "any") -> T | None:
    """A singular enum filter: UNSPECIFIED (0) is no filter (None, as the
    contracts' "default: all" says; `unset`: what 0 means, as the refusal
    says it); any other value the contract does not define is refused like
    filter_values', never taken as no filter."""
    if value == 0 and 0 not in known:
        return None
    if value not in known:
        raise InvalidRequest(
            "a value this registry does not know",
            [Violation(field, f"{value} is not one of {sorted(known)}, or 0 for {unset}")],
        )
    return known[value]


# The contract's provinces, as a refusal of a province field names them.
PROVINCE_CHOICES = "one of [1, 2, 3, 4] (SH, JS, ZJ, AH)"


def timestamp(when: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(when)
    return ts


def from_timestamp(ts: Timestamp) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC)


def as_of_asked(msg: common_pb2.AsOf) -> tuple[str, dt.datetime | None]:
    """A request's AsOf: the valid day as text (checked by core.history.as_of)
    and the instant of knowledge, None when unset."""
    if not msg.HasField("known_at"):
        return msg.valid_on, None
    try:
        return msg.valid_on, from_timestamp(msg.known_at)
    except (ValueError, OverflowError):
        raise InvalidRequest(
            "bad as_of",
            [
                Violation(
                    "as_of.known_at",
                    "not an instant: seconds from 0001-01-01 to 9999-12-31 and nanos "
                    "from 0 to 999,999,999",
                )
            ],
        ) from None


def as_of_paged(msg: common_pb2.AsOf, page_token: str) -> tuple[str, dt.datetime | None]:
    """as_of_asked, but a request that follows a page token is answered at the
    as_of the first page was (pinned in the token): each part it names must
    be the pinned one, or the pages would mix two answers (a valid_on alone
    would have been answered at the present's knowledge)."""
    pinned = pinned_by(page_token)
    if not pinned:
        return as_of_asked(msg)
    valid_on, _, known_text = pinned.partition("|")
    try:
        known_at = dt.datetime.fromisoformat(known_text)
    except ValueError:
        raise InvalidRequest(
            "bad page token", [Violation("page_token", "use a next_page_token as it came")]
        ) from None
    asked_day, asked_at = as_of_asked(msg)
    if (asked_day and asked_day != valid_on) or (asked_at is not None and asked_at != known_at):
        raise InvalidRequest(
            "as_of differs from the page token's",
            [
                Violation(
                    "as_of",
                    f"a following page is answered at its first page's as_of (valid_on "
                    f"{valid_on}, known_at {known_at.isoformat()}): send no as_of or that one, "
                    "or start again without a token",
                )
            ],
        )
    return valid_on, known_at


_PAGING_FIELDS = ("page_token", "page_size", "as_of")


def query_of(request: Message) -> str:
    """A fingerprint of a paged request's filter: the request without its
    paging fields and as_of (core.paging binds each page token to it)."""
    filter_only = type(request)()
    filter_only.CopyFrom(request)
    for name in _PAGING_FIELDS:
        if name in filter_only.DESCRIPTOR.fields_by_name:
            filter_only.ClearField(name)
    _as_read(filter_only)
    return hashlib.blake2b(
        filter_only.SerializeToString(deterministic=True), digest_size=6
    ).hexdigest()


def _as_read(message: Message) -> None:
    """A filter as the registry reads it, in place: white space around text
    removed, a USCC or a record key in canonical form, and a repeated filter
    (a set of values) in order, so that the same query sent in another form
    is the same query to its page tokens."""
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for item in value if field.is_repeated else [value]:
                _as_read(item)
        elif field.is_repeated:
            values = sorted(
                _text_as_read(field.name, v) if isinstance(v, str) else v for v in value
            )
            del value[:]
            value.extend(values)
        elif isinstance(value, str):
            setattr(message, field.name, _text_as_read(field.name, value))


def _text_as_read(name: str, value: str) -> str:
    text = value.strip()
    if "uscc" in name:
        return normalise_code(text)
    if name in ("record_key", "record_keys"):
        try:
            return parse_record_key(text)
        except InvalidRequest:  # refused by the query itself
            return text
    return text


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
    records_pb2.AFFILIATION_RELATION_KINSHIP: AffiliationRelation.KINSHIP,
    records_pb2.AFFILIATION_RELATION_SHAREHOLDING: AffiliationRelation.SHAREHOLDING,
}


def iso_date(value: dt.date | None) -> str:
    """A date as the contracts write it: ISO, empty when absent."""
    return "" if value is None else value.isoformat()


def _optional_day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _ties(affiliations: Any) -> dict[str, tuple[Tie, ...]]:
    ties: dict[str, list[Tie]] = {}
    for f in affiliations:
        ties.setdefault(f.organization_uscc, []).append(
            Tie(RELATION_FROM_PB[f.relation], _day(f.start_date), _optional_day(f.end_date))
        )
    return {k: tuple(v) for k, v in ties.items()}


def officer_of(o: records_pb2.EnforcementOfficer) -> Officer:
    """An officer as plans match them, from a record the exchange validated
    (a pool member with no employer and no fields: core.officers).

    Raises ValueError or KeyError on a record no exchange should have let through.
    """
    person = PoolMember(
        assessor_id=o.officer_id,
        province=PROVINCE_FROM_PB[o.home_province],
        employer_uscc="",
        level=AssessorLevel.ASSESSOR,
        fields=frozenset(),
        status=ASSESSOR_STATUS_FROM_PB[o.status],
        status_reason=o.status_reason,
        ties=_ties(o.affiliations),
        unavailable=tuple((_day(u.start_date), _day(u.end_date)) for u in o.unavailable),
    )
    return Officer(person, _day(o.certificate_valid_from), _day(o.certificate_valid_until))


def pool_member(a: records_pb2.Assessor) -> PoolMember:
    """A pool member from an assessor record the exchange already validated.

    Raises ValueError or KeyError on a record no exchange should have let through.
    """
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
        ties=_ties(a.affiliations),
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


RISK_CLASS_FROM_PB: dict[int, CreditClass] = {
    records_pb2.RISK_CLASS_A: CreditClass.A,
    records_pb2.RISK_CLASS_B: CreditClass.B,
    records_pb2.RISK_CLASS_C: CreditClass.C,
    records_pb2.RISK_CLASS_D: CreditClass.D,
}
