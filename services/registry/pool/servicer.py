"""AssessorPoolService over gRPC: parse, call the use case, map the result."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import grpc

from services.common.convert import as_of_asked, as_of_pb
from services.common.tls import caller
from services.core.history import AsOf
from services.core.provinces import Province
from services.registry.pool import mapping
from services.registry.pool.draws import AssessorPool, DrawResult
from services.registry.pool.results import InspectionResults, VisitResults, planned_visits
from yrdhub.v1 import assessor_pool_pb2 as pb
from yrdhub.v1 import assessor_pool_pb2_grpc


class AssessorPoolServicer(assessor_pool_pb2_grpc.AssessorPoolServiceServicer):
    # Draws read and write SQL and screen thousands of candidates: they run in a
    # thread so the event loop keeps serving other calls.
    def __init__(self, pool: AssessorPool, results: InspectionResults | None = None) -> None:
        """`results`: a plan's visits' published results, due dates and standings
        (none: plans answer without them)."""
        self._pool = pool
        self._results = results

    def _visit_results(self, result: DrawResult, when: AsOf | None = None) -> VisitResults:
        if self._results is None:
            return {}
        return self._results.of_visits(result.row.draw_id, planned_visits(result.outcome), when)

    async def RequestTeam(
        self, request: pb.RequestTeamRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RequestTeamResponse:
        result = await asyncio.to_thread(
            self._pool.request_team, mapping.team_request(request.spec), _acting_for(context)
        )
        return pb.RequestTeamResponse(
            draw=mapping.draw_pb(result, with_snapshot=False, with_details=True)
        )

    async def PlanInspections(
        self, request: pb.PlanInspectionsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.PlanInspectionsResponse:
        result = await asyncio.to_thread(
            self._pool.plan_inspections,
            mapping.inspection_request(request.spec),
            _acting_for(context),
        )
        found = await asyncio.to_thread(self._visit_results, result)
        return pb.PlanInspectionsResponse(
            draw=mapping.draw_pb(result, with_snapshot=False, with_details=True, results=found)
        )

    async def GetDraw(
        self, request: pb.GetDrawRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetDrawResponse:
        result, when = await asyncio.to_thread(
            self._pool.draw, request.draw_id, *as_of_asked(request.as_of)
        )
        found = await asyncio.to_thread(self._visit_results, result, when)
        return pb.GetDrawResponse(
            draw=mapping.draw_pb(result, with_snapshot=True, with_details=True, results=found),
            as_of=as_of_pb(when),
        )

    async def ListDraws(
        self, request: pb.ListDrawsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListDrawsResponse:
        state = mapping.draw_state(request.state)
        rows, when = await asyncio.to_thread(
            self._pool.draws, request.limit, state, *as_of_asked(request.as_of)
        )
        return pb.ListDrawsResponse(
            as_of=as_of_pb(when),
            draws=[
                mapping.draw_pb(
                    DrawResult(row, json.loads(row.outcome) if row.outcome else None, []),
                    with_snapshot=False,
                    with_details=False,
                )
                for row in rows
            ],
        )

    async def ListAssignments(
        self, request: pb.ListAssignmentsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListAssignmentsResponse:
        _, known_at = as_of_asked(request.as_of)
        rows, when = await asyncio.to_thread(
            self._pool.assignments, mapping.assignment_query(request), known_at
        )
        return pb.ListAssignmentsResponse(
            assignments=[mapping.assignment_pb(r) for r in rows], as_of=as_of_pb(when)
        )

    async def CancelAssignment(
        self, request: pb.CancelAssignmentRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CancelAssignmentResponse:
        row = await asyncio.to_thread(
            self._pool.cancel, request.assignment_id, request.reason, _acting_for(context)
        )
        return pb.CancelAssignmentResponse(assignment=mapping.assignment_pb(row))


def _acting_for(context: grpc.aio.ServicerContext[Any, Any]) -> Province | None:
    """The province of the regulator calling (authorization admitted only
    regulators); None on a plaintext development hub."""
    who = caller(context)
    return None if who is None else who.province
