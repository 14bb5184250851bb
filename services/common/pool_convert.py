"""Protobuf mapping for the assessor pool: records to pool members, assignments,
draws and the outcome a published draw claims."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.common.convert import PROVINCE_FROM_PB, PROVINCE_TO_PB, timestamp
from services.core.assessors import PoolMember, Tie
from services.core.draws import Role
from services.core.provinces import Province
from services.core.records import AffiliationRelation, AssessorLevel, AssessorStatus
from yrdhub.v1 import assessor_pool_pb2, records_pb2

LEVEL_FROM_PB = {
    records_pb2.ASSESSOR_LEVEL_TEAM_LEADER: AssessorLevel.TEAM_LEADER,
    records_pb2.ASSESSOR_LEVEL_ASSESSOR: AssessorLevel.ASSESSOR,
    records_pb2.ASSESSOR_LEVEL_TECHNICAL_EXPERT: AssessorLevel.TECHNICAL_EXPERT,
}
LEVEL_TO_PB = {v: k for k, v in LEVEL_FROM_PB.items()}
LEVEL_CODE_TO_PB = {
    "L": records_pb2.ASSESSOR_LEVEL_TEAM_LEADER,
    "A": records_pb2.ASSESSOR_LEVEL_ASSESSOR,
    "E": records_pb2.ASSESSOR_LEVEL_TECHNICAL_EXPERT,
}
STATUS_FROM_PB = {
    records_pb2.ASSESSOR_STATUS_ACTIVE: AssessorStatus.ACTIVE,
    records_pb2.ASSESSOR_STATUS_SUSPENDED: AssessorStatus.SUSPENDED,
    records_pb2.ASSESSOR_STATUS_REINSTATED: AssessorStatus.REINSTATED,
    records_pb2.ASSESSOR_STATUS_REVOKED: AssessorStatus.REVOKED,
}
RELATION_FROM_PB = {
    records_pb2.AFFILIATION_RELATION_EMPLOYED: AffiliationRelation.EMPLOYED,
    records_pb2.AFFILIATION_RELATION_CONSULTED: AffiliationRelation.CONSULTED,
}
ROLE_TO_PB = {
    Role.LEADER: assessor_pool_pb2.TEAM_ROLE_LEADER,
    Role.ASSESSOR: assessor_pool_pb2.TEAM_ROLE_ASSESSOR,
    Role.TECHNICAL_EXPERT: assessor_pool_pb2.TEAM_ROLE_TECHNICAL_EXPERT,
    Role.INSPECTOR: assessor_pool_pb2.TEAM_ROLE_INSPECTOR,
}
ROLE_FROM_PB = {v: k for k, v in ROLE_TO_PB.items()}
DRAW_KIND_TO_PB = {
    "TEAM": assessor_pool_pb2.DRAW_KIND_TEAM,
    "INSPECTION_PLAN": assessor_pool_pb2.DRAW_KIND_INSPECTION_PLAN,
}
DRAW_STATE_TO_PB = {
    "COMMITTED": assessor_pool_pb2.DRAW_STATE_COMMITTED,
    "DRAWN": assessor_pool_pb2.DRAW_STATE_DRAWN,
    "FAILED": assessor_pool_pb2.DRAW_STATE_FAILED,
}
DRAW_STATE_FROM_PB = {v: k for k, v in DRAW_STATE_TO_PB.items()}
ASSIGNMENT_STATE_TO_PB = {
    "ACTIVE": assessor_pool_pb2.ASSIGNMENT_STATE_ACTIVE,
    "CANCELLED": assessor_pool_pb2.ASSIGNMENT_STATE_CANCELLED,
}
ASSIGNMENT_STATE_FROM_PB = {v: k for k, v in ASSIGNMENT_STATE_TO_PB.items()}
CREDIT_CLASS_TO_PB = {
    "A": assessor_pool_pb2.CREDIT_CLASS_A,
    "B": assessor_pool_pb2.CREDIT_CLASS_B,
    "C": assessor_pool_pb2.CREDIT_CLASS_C,
    "D": assessor_pool_pb2.CREDIT_CLASS_D,
}
CREDIT_CLASS_FROM_PB = {v: k for k, v in CREDIT_CLASS_TO_PB.items()}


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _required_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def pool_member(a: records_pb2.Assessor) -> PoolMember:
    """A pool member from an assessor record the exchange already validated.

    Raises ValueError or KeyError on a record no exchange should have let through.
    """
    ties: dict[str, list[Tie]] = {}
    for f in a.affiliations:
        ties.setdefault(f.organization_uscc, []).append(
            Tie(RELATION_FROM_PB[f.relation], _required_date(f.start_date), _date(f.end_date))
        )
    reviewed: dict[str, list[dt.date]] = {}
    for h in a.assignment_history:
        reviewed.setdefault(h.institution_uscc, []).append(_required_date(h.start_date))
    return PoolMember(
        assessor_id=a.assessor_id,
        province=PROVINCE_FROM_PB[a.home_province],
        employer_uscc=a.employer_uscc,
        level=LEVEL_FROM_PB[a.level],
        fields=frozenset(a.fields),
        status=STATUS_FROM_PB[a.status],
        status_reason=a.status_reason,
        available=a.available,
        ties={k: tuple(v) for k, v in ties.items()},
        unavailable=tuple(
            (_required_date(u.start_date), _required_date(u.end_date)) for u in a.unavailable
        ),
        reviewed={k: tuple(v) for k, v in reviewed.items()},
    )


def province_pb(code: str) -> Any:
    return PROVINCE_TO_PB[Province(code)]


def assignment_pb(
    *,
    assignment_id: str,
    draw_id: str,
    assessor_id: str,
    home_province: str,
    role: str,
    kind: str,
    institution_uscc: str,
    institution_province: str,
    start_date: dt.date,
    end_date: dt.date,
    state: str,
    cancel_reason: str,
    revision: int,
    reference: str,
    updated_at: dt.datetime,
) -> assessor_pool_pb2.Assignment:
    return assessor_pool_pb2.Assignment(
        assignment_id=assignment_id,
        draw_id=draw_id,
        assessor_id=assessor_id,
        home_province=province_pb(home_province),
        role=ROLE_TO_PB[Role(role)],
        institution_uscc=institution_uscc,
        institution_province=province_pb(institution_province),
        start_date=start_date.isoformat(),
        end_date=end_date.isoformat(),
        state=ASSIGNMENT_STATE_TO_PB[state],
        cancel_reason=cancel_reason,
        revision=revision,
        kind=DRAW_KIND_TO_PB[kind],
        reference=reference,
        updated_at=timestamp(updated_at),
    )


def claimed_outcome(draw: assessor_pool_pb2.Draw) -> dict[str, Any]:
    """The outcome a published draw claims, in the form the verifier recomputes."""
    if draw.kind == assessor_pool_pb2.DRAW_KIND_INSPECTION_PLAN:
        classes = {c: q for q in draw.plan.quotas for c in [CREDIT_CLASS_FROM_PB[q.credit_class]]}
        return {
            "quotas": {c: [q.pool, q.drawn] for c, q in sorted(classes.items())},
            "visits": [
                [
                    PROVINCE_FROM_PB[v.province].value,
                    v.institution_uscc,
                    CREDIT_CLASS_FROM_PB[v.credit_class],
                    v.date,
                    [[m.assessor_id, ROLE_FROM_PB[m.role].value] for m in v.team],
                    v.failure,
                ]
                for v in draw.plan.inspections
            ],
            "failure": draw.failure,
        }
    return {
        "team": [[m.assessor_id, ROLE_FROM_PB[m.role].value] for m in draw.team],
        "failure": draw.failure,
    }
