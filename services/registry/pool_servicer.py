"""AssessorPoolService over gRPC: parse, call the use case, map the result."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import grpc

from services.common.convert import PROVINCE_FROM_PB, province_name, timestamp
from services.common.pool_convert import (
    CREDIT_CLASS_TO_PB,
    DRAW_KIND_TO_PB,
    DRAW_STATE_FROM_PB,
    DRAW_STATE_TO_PB,
    LEVEL_CODE_TO_PB,
    ROLE_TO_PB,
    assignment_pb,
    province_pb,
)
from services.core.draws import Role
from services.registry.pool import AssessorPool, DrawResult
from services.registry.pool_store import AssignmentRow, DrawRow
from yrdhub.v1 import assessor_pool_pb2 as pb
from yrdhub.v1 import assessor_pool_pb2_grpc


def _team_spec_values(spec: pb.TeamSpec) -> dict[str, Any]:
    return {
        "institution_uscc": spec.institution_uscc,
        "institution_province": province_name(spec.institution_province),
        "fields": list(spec.fields),
        "start_date": spec.start_date,
        "end_date": spec.end_date,
        "size": spec.size,
        "leader": not spec.no_leader,
        "technical_experts": spec.technical_experts,
        "reference": spec.reference,
    }


def _inspection_spec_values(spec: pb.InspectionSpec) -> dict[str, Any]:
    return {
        "provinces": [province_name(p) for p in spec.provinces],
        "fields": list(spec.fields),
        "start_date": spec.start_date,
        "end_date": spec.end_date,
        "reference": spec.reference,
    }


def _assignment(row: AssignmentRow) -> pb.Assignment:
    return assignment_pb(**asdict(row))


def _exclusion(ident: str, province: str, reason: str, detail: str) -> pb.Exclusion:
    return pb.Exclusion(
        assessor_id=ident, home_province=province_pb(province), reason=reason, detail=detail
    )


def _member(
    ident: str, role: str, candidate: list[Any] | None, assignment_id: str
) -> pb.TeamMember:
    member = pb.TeamMember(assessor_id=ident, role=ROLE_TO_PB[Role(role)])
    if candidate is not None:
        member.home_province = province_pb(candidate[1])
        member.level = LEVEL_CODE_TO_PB[candidate[2]]
        member.fields.extend(candidate[3])
    member.assignment_id = assignment_id
    return member


def draw_pb(result: DrawResult, *, with_snapshot: bool, with_details: bool) -> pb.Draw:
    """The draw as published; details (members' levels, exclusions, the plan) come
    from the screened candidates of a fresh draw or the snapshot of a stored one."""
    row = result.row
    draw = _draw_head(row)
    if with_snapshot and row.snapshot is not None:
        draw.snapshot = row.snapshot
    outcome = result.outcome or {}
    if row.kind == "TEAM":
        candidates = _team_candidates(result) if with_details else {}
        assigned = {a.assessor_id: a.assignment_id for a in result.assignments}
        for ident, role in outcome.get("team", ()):
            draw.team.append(_member(ident, role, candidates.get(ident), assigned.get(ident, "")))
        for ident, province, _level, _fields, excluded in candidates.values():
            if excluded is not None:
                draw.exclusions.append(_exclusion(ident, province, *excluded))
    elif with_details and result.snapshot is not None:
        _plan(draw, result.snapshot, outcome, result.assignments)
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


def _draw_head(row: DrawRow) -> pb.Draw:
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
    if row.kind == "TEAM":
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
            )
        )
    return draw


def _plan(
    draw: pb.Draw,
    snapshot: Mapping[str, Any],
    outcome: Mapping[str, Any],
    assignments: list[AssignmentRow],
) -> None:
    inspectors = {i[0]: i for i in snapshot["inspectors"]}
    for ident, province, _level, _fields, excluded in inspectors.values():
        if excluded is not None:
            draw.exclusions.append(_exclusion(ident, province, *excluded))
    ratios = snapshot["rules"]["ratios"]
    for grade, (pool, drawn) in sorted(outcome.get("quotas", {}).items()):
        draw.plan.quotas.append(
            pb.ClassQuota(
                credit_class=CREDIT_CLASS_TO_PB[grade], pool=pool, ratio=ratios[grade], drawn=drawn
            )
        )
    conflicts: dict[str, list[list[str]]] = {}
    for conflict in snapshot["conflicts"]:
        conflicts.setdefault(conflict[1], []).append(conflict)
    fields = {(e[0], e[1]): e[3] for e in snapshot["entities"]}
    assigned = {(a.assessor_id, a.start_date.isoformat()): a.assignment_id for a in assignments}
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
            visit.team.append(
                _member(ident, role, inspectors.get(ident), assigned.get((ident, day), ""))
            )
        for ident, _uscc, reason, detail in conflicts.get(uscc, ()):
            home = inspectors[ident][1] if ident in inspectors else province
            visit.exclusions.append(_exclusion(ident, home, reason, detail))
        draw.plan.inspections.append(visit)


class AssessorPoolServicer(assessor_pool_pb2_grpc.AssessorPoolServiceServicer):
    # Draws read and write SQL and screen thousands of candidates: they run in a
    # thread so the event loop keeps serving other calls.
    def __init__(self, pool: AssessorPool) -> None:
        self._pool = pool

    async def RequestTeam(
        self, request: pb.RequestTeamRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RequestTeamResponse:
        result = await asyncio.to_thread(self._pool.request_team, _team_spec_values(request.spec))
        return pb.RequestTeamResponse(draw=draw_pb(result, with_snapshot=False, with_details=True))

    async def PlanInspections(
        self, request: pb.PlanInspectionsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.PlanInspectionsResponse:
        result = await asyncio.to_thread(
            self._pool.plan_inspections, _inspection_spec_values(request.spec)
        )
        return pb.PlanInspectionsResponse(
            draw=draw_pb(result, with_snapshot=False, with_details=True)
        )

    async def GetDraw(
        self, request: pb.GetDrawRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetDrawResponse:
        result = await asyncio.to_thread(self._pool.draw, request.draw_id)
        return pb.GetDrawResponse(draw=draw_pb(result, with_snapshot=True, with_details=True))

    async def ListDraws(
        self, request: pb.ListDrawsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListDrawsResponse:
        state = DRAW_STATE_FROM_PB.get(request.state, "")
        rows = await asyncio.to_thread(self._pool.draws, request.limit, state)
        return pb.ListDrawsResponse(
            draws=[
                draw_pb(
                    DrawResult(row, json.loads(row.outcome) if row.outcome else None, []),
                    with_snapshot=False,
                    with_details=False,
                )
                for row in rows
            ]
        )

    async def ListAssignments(
        self, request: pb.ListAssignmentsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListAssignmentsResponse:
        province = PROVINCE_FROM_PB.get(request.home_province)
        rows = await asyncio.to_thread(
            self._pool.assignments,
            {
                "assessor_id": request.assessor_id,
                "institution_uscc": request.institution_uscc,
                "home_province": province.value if province else "",
                "start_date": request.start_date,
                "end_date": request.end_date,
                "include_cancelled": request.include_cancelled,
                "limit": request.limit,
            },
        )
        return pb.ListAssignmentsResponse(assignments=[_assignment(r) for r in rows])

    async def CancelAssignment(
        self, request: pb.CancelAssignmentRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CancelAssignmentResponse:
        row = await asyncio.to_thread(self._pool.cancel, request.assignment_id, request.reason)
        return pb.CancelAssignmentResponse(assignment=_assignment(row))
