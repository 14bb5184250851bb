"""assessor_pool.proto's messages: requests to the pool's domain types, and draws,
assignments and the outcome a published draw claims back (the one place they are mapped)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from services.common.convert import (
    PROVINCE_FROM_PB,
    PROVINCE_TO_PB,
    filter_value,
    province_name,
    timestamp,
)
from services.common.inspection_mapping import inspection_result_message
from services.core.draws import (
    AssignmentQuery,
    AssignmentState,
    DrawKind,
    DrawState,
    Role,
    person_loads_of,
)
from services.core.inspection_results import ResultStanding, VisitResult
from services.core.inspections import InspectionRequest
from services.core.officers import serving_for
from services.core.provinces import Province
from services.core.risk import CreditClass
from services.core.team_requests import TeamRequest
from services.registry.pool.draws import DrawResult
from services.registry.pool.tables import AssignmentRow, DrawRow
from yrdhub.v1 import assessor_pool_pb2, records_pb2
from yrdhub.v1 import assessor_pool_pb2 as pb

ROLE_TO_PB = {
    Role.LEADER: assessor_pool_pb2.TEAM_ROLE_LEADER,
    Role.ASSESSOR: assessor_pool_pb2.TEAM_ROLE_ASSESSOR,
    Role.TECHNICAL_EXPERT: assessor_pool_pb2.TEAM_ROLE_TECHNICAL_EXPERT,
    Role.INSPECTOR: assessor_pool_pb2.TEAM_ROLE_INSPECTOR,
    Role.LEAD_OFFICER: assessor_pool_pb2.TEAM_ROLE_LEAD_OFFICER,
    Role.OFFICER: assessor_pool_pb2.TEAM_ROLE_OFFICER,
    Role.TECHNICAL_SUPPORT: assessor_pool_pb2.TEAM_ROLE_TECHNICAL_SUPPORT,
}
ROLE_FROM_PB = {v: k for k, v in ROLE_TO_PB.items()}
# Levels as the snapshot writes them.
LEVEL_CODE_TO_PB = {
    "L": records_pb2.ASSESSOR_LEVEL_TEAM_LEADER,
    "A": records_pb2.ASSESSOR_LEVEL_ASSESSOR,
    "E": records_pb2.ASSESSOR_LEVEL_TECHNICAL_EXPERT,
}
# The contract's enum values are the domain values' names with a prefix.
DRAW_KIND_TO_PB: dict[DrawKind, Any] = {
    k: assessor_pool_pb2.DrawKind.Value(f"DRAW_KIND_{k.value}") for k in DrawKind
}
DRAW_STATE_TO_PB: dict[DrawState, Any] = {
    s: assessor_pool_pb2.DrawState.Value(f"DRAW_STATE_{s.value}") for s in DrawState
}
DRAW_STATE_FROM_PB = {v: k for k, v in DRAW_STATE_TO_PB.items()}
ASSIGNMENT_STATE_TO_PB: dict[AssignmentState, Any] = {
    s: assessor_pool_pb2.AssignmentState.Value(f"ASSIGNMENT_STATE_{s.value}")
    for s in AssignmentState
}
CREDIT_CLASS_TO_PB: dict[CreditClass, Any] = {
    c: assessor_pool_pb2.CreditClass.Value(f"CREDIT_CLASS_{c.value}") for c in CreditClass
}
CREDIT_CLASS_FROM_PB = {v: k for k, v in CREDIT_CLASS_TO_PB.items()}
RESULT_STANDING_TO_PB: dict[ResultStanding, Any] = {
    s: assessor_pool_pb2.ResultStanding.Value(f"RESULT_STANDING_{s.value}") for s in ResultStanding
}
# A plan's visits' results, by (province, institution USCC) (pool/results.py).
VisitResults = Mapping[tuple[str, str], VisitResult]


def province_pb(code: str) -> Any:
    return PROVINCE_TO_PB[Province(code)]


def assignment_pb(row: AssignmentRow) -> assessor_pool_pb2.Assignment:
    return assessor_pool_pb2.Assignment(
        assignment_id=row.assignment_id,
        draw_id=row.draw_id,
        assessor_id=row.assessor_id,
        home_province=province_pb(row.home_province),
        role=ROLE_TO_PB[row.role],
        institution_uscc=row.institution_uscc,
        institution_province=province_pb(row.institution_province),
        start_date=row.start_date.isoformat(),
        end_date=row.end_date.isoformat(),
        state=ASSIGNMENT_STATE_TO_PB[row.state],
        cancel_reason=row.cancel_reason,
        revision=row.revision,
        kind=DRAW_KIND_TO_PB[row.kind],
        reference=row.reference,
        updated_at=timestamp(row.updated_at),
        booked_at=timestamp(row.booked_at),
    )


def claimed_outcome(draw: assessor_pool_pb2.Draw) -> dict[str, Any]:
    """The outcome a published draw claims, in the form the verifier recomputes."""
    if draw.kind == assessor_pool_pb2.DRAW_KIND_INSPECTION_PLAN:
        classes = {c: q for q in draw.plan.quotas for c in [CREDIT_CLASS_FROM_PB[q.credit_class]]}
        fields = {q.field: [q.pool, q.drawn] for q in draw.plan.field_quotas}
        return {
            "quotas": {c: [q.pool, q.drawn] for c, q in sorted(classes.items())},
            **({"field_quotas": dict(sorted(fields.items()))} if fields else {}),
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


# --- requests ------------------------------------------------------------------


def team_request(spec: pb.TeamSpec) -> TeamRequest:
    return TeamRequest(
        institution_uscc=spec.institution_uscc,
        institution_province=province_name(spec.institution_province),
        fields=tuple(spec.fields),
        start_date=spec.start_date,
        end_date=spec.end_date,
        size=spec.size,
        leader=not spec.no_leader,
        technical_experts=spec.technical_experts,
        reference=spec.reference,
        recusals=tuple((r.assessor_id, r.reason) for r in spec.recusals),
    )


def inspection_request(spec: pb.InspectionSpec) -> InspectionRequest:
    return InspectionRequest(
        provinces=tuple(province_name(p) for p in spec.provinces),
        fields=tuple(spec.fields),
        start_date=spec.start_date,
        end_date=spec.end_date,
        reference=spec.reference,
        technical_support=spec.technical_support,
    )


def assignment_query(request: pb.ListAssignmentsRequest) -> AssignmentQuery:
    province = filter_value(request.home_province, PROVINCE_FROM_PB, "home_province")
    return AssignmentQuery(
        assessor_id=request.assessor_id,
        institution_uscc=request.institution_uscc,
        home_province=province.value if province else "",
        start_date=request.start_date,
        end_date=request.end_date,
        include_cancelled=request.include_cancelled,
        limit=request.limit,
        valid_on=request.as_of.valid_on,
    )


def draw_state(value: int) -> DrawState | None:
    """ListDraws' state filter: UNSPECIFIED is every state ("default: all");
    a value the contract does not define is refused, naming state."""
    return filter_value(value, DRAW_STATE_FROM_PB, "state")


# --- answers -------------------------------------------------------------------


def _exclusion(ident: str, province: str, reason: str, detail: str) -> pb.Exclusion:
    return pb.Exclusion(
        assessor_id=ident, home_province=province_pb(province), reason=reason, detail=detail
    )


def _member(
    ident: str, role: str, candidate: list[Any] | None, assignment_id: str, recent: int
) -> pb.TeamMember:
    member = pb.TeamMember(
        assessor_id=ident, role=ROLE_TO_PB[Role(role)], recent_assignments=recent
    )
    if candidate is not None:
        member.home_province = province_pb(candidate[1])
        member.level = LEVEL_CODE_TO_PB[candidate[2]]
        member.fields.extend(candidate[3])
    member.assignment_id = assignment_id
    return member


def draw_pb(
    result: DrawResult,
    *,
    with_snapshot: bool,
    with_details: bool,
    results: VisitResults | None = None,
) -> pb.Draw:
    """The draw as published; details (members' levels, exclusions, the plan) come
    from the screened candidates of a fresh draw or the snapshot of a stored one,
    and a plan's visits' results from `results` (pool/results.py)."""
    row = result.row
    # The recusals an institution asked for, with its reasons, are for the
    # officials reading one draw, not for lists or public pages.
    draw = _draw_head(row, with_recusals=with_details)
    if with_snapshot and row.snapshot is not None:
        draw.snapshot = row.snapshot
    outcome = result.outcome or {}
    if row.kind is DrawKind.TEAM:
        candidates = _team_candidates(result) if with_details else {}
        assigned = {a.assessor_id: a.assignment_id for a in result.assignments}
        recent = result.person_loads or person_loads_of(result.snapshot or {})
        for ident, role in outcome.get("team", ()):
            draw.team.append(
                _member(
                    ident,
                    role,
                    candidates.get(ident),
                    assigned.get(ident, ""),
                    recent.get(ident, 0),
                )
            )
        for ident, province, _level, _fields, excluded in candidates.values():
            if excluded is not None:
                draw.exclusions.append(_exclusion(ident, province, *excluded))
    elif with_details and result.snapshot is not None:
        _plan(draw, result.snapshot, outcome, result.assignments, results or {})
    return draw


def _team_candidates(result: DrawResult) -> dict[str, list[Any]]:
    """Each candidate once, by id: [id, province, level, covered fields, exclusion]."""
    if result.screened is not None:
        return {
            ident: [
                ident,
                entry.entrant.province,
                entry.entrant.level,
                fields,
                None if excluded is None else [excluded.reason, excluded.detail],
            ]
            for ident, (entry, excluded, fields) in result.screened.candidates().items()
        }
    found: dict[str, list[Any]] = {}
    if result.snapshot is not None:
        for field, lines in result.snapshot["candidates"].items():
            for ident, province, level, excluded in lines:
                held = found.setdefault(ident, [ident, province, level, [], excluded])
                held[3].append(field)
    return found


def _draw_head(row: DrawRow, *, with_recusals: bool) -> pb.Draw:
    draw = pb.Draw(
        draw_id=row.draw_id,
        kind=DRAW_KIND_TO_PB[row.kind],
        state=DRAW_STATE_TO_PB[row.state],
        seed_commitment=row.seed_commitment,
        committed_at=timestamp(row.committed_at),
        seed=row.seed or b"",
        snapshot_sha256=row.snapshot_sha256 or b"",
        policy_version=row.policy_version,
        failure=row.failure,
        candidates=row.candidates,
        eligible=row.eligible,
    )
    if row.drawn_at is not None:
        draw.drawn_at.CopyFrom(timestamp(row.drawn_at))
    spec = json.loads(row.spec)
    if row.kind is DrawKind.TEAM:
        draw.team_spec.CopyFrom(
            pb.TeamSpec(
                institution_uscc=spec["institution_uscc"],
                institution_province=province_pb(spec["institution_province"]),
                fields=spec["fields"],
                start_date=spec["start_date"],
                end_date=spec["end_date"],
                size=spec["size"],
                no_leader=not spec["leader"],
                technical_experts=spec["technical_experts"],
                reference=spec["reference"],
                recusals=[
                    pb.RecusalRequest(assessor_id=r["assessor_id"], reason=r["reason"])
                    for r in (spec.get("recusals", ()) if with_recusals else ())
                ],
            )
        )
    else:
        draw.inspection_spec.CopyFrom(
            pb.InspectionSpec(
                provinces=[province_pb(p) for p in spec["provinces"]],
                fields=spec["fields"],
                start_date=spec["start_date"],
                end_date=spec["end_date"],
                reference=spec["reference"],
                technical_support=spec.get("technical_support", 0),
            )
        )
    return draw


def _plan(
    draw: pb.Draw,
    snapshot: Mapping[str, Any],
    outcome: Mapping[str, Any],
    assignments: list[AssignmentRow],
    results: VisitResults,
) -> None:
    inspectors = {i[0]: i for i in snapshot["inspectors"]}
    for ident, province, _level, _fields, excluded in inspectors.values():
        if excluded is not None:
            draw.exclusions.append(_exclusion(ident, province, *excluded))
    # Officers (plan format 5): [id, provinces, certificate from, until, exclusion].
    officers = {o[0]: o for o in snapshot.get("officers", ())}
    for ident, provinces, _from, _until, excluded in officers.values():
        if excluded is not None:
            draw.exclusions.append(_exclusion(ident, provinces[0], *excluded))
    ratios = snapshot["rules"]["ratios"]
    for grade, (pool, drawn) in sorted(outcome.get("quotas", {}).items()):
        draw.plan.quotas.append(
            pb.ClassQuota(
                credit_class=CREDIT_CLASS_TO_PB[grade], pool=pool, ratio=ratios[grade], drawn=drawn
            )
        )
    extra = snapshot["rules"].get("high_risk_fields", {})
    for field, (pool, drawn) in sorted(outcome.get("field_quotas", {}).items()):
        draw.plan.field_quotas.append(
            pb.FieldQuota(field=field, pool=pool, ratio=extra[field], drawn=drawn)
        )
    conflicts: dict[str, list[list[str]]] = {}
    for conflict in [*snapshot["conflicts"], *snapshot.get("officer_conflicts", ())]:
        conflicts.setdefault(conflict[1], []).append(conflict)
    fields = {(e[0], e[1]): e[3] for e in snapshot["entities"]}
    assigned = {(a.assessor_id, a.start_date.isoformat()): a.assignment_id for a in assignments}
    # As the plan weighed them: recent assignments, then each earlier visit.
    recent = dict(person_loads_of(snapshot))
    for province, uscc, grade, day, team, failure in outcome.get("visits", ()):
        visit = pb.PlannedInspection(
            institution_uscc=uscc,
            province=province_pb(province),
            credit_class=CREDIT_CLASS_TO_PB[grade],
            date=day,
            failure=failure,
            fields=fields.get((province, uscc), []),
        )
        for ident, role in team:
            member = _member(
                ident,
                role,
                None if ident in officers else inspectors.get(ident),
                assigned.get((ident, day), ""),
                recent.get(ident, 0),
            )
            if ident in officers:
                member.home_province = province_pb(serving_for(officers[ident][1], province))
            visit.team.append(member)
        for ident, _role in team:
            recent[ident] = recent.get(ident, 0) + 1
        for ident, _uscc, reason, detail in conflicts.get(uscc, ()):
            home = (
                inspectors[ident][1]
                if ident in inspectors
                else serving_for(officers[ident][1], province)
                if ident in officers
                else province
            )
            visit.exclusions.append(_exclusion(ident, home, reason, detail))
        found = results.get((province, uscc))
        if found is not None:
            visit_result_fields(visit, found)
        draw.plan.inspections.append(visit)


def visit_result_fields(visit: pb.PlannedInspection, found: VisitResult) -> None:
    """A visit's published result (not part of the plan's snapshot), its due
    date and standing."""
    visit.result_due_date = found.due_date.isoformat()
    visit.result_standing = RESULT_STANDING_TO_PB[found.standing]
    if found.result is not None:
        visit.result.CopyFrom(inspection_result_message(found.result))
