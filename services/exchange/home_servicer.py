"""HomeAssignmentService over gRPC: this province's assignments, with who they are."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from services.common.convert import as_of_asked, as_of_pb
from services.core.history import as_of
from services.core.paging import limit_of
from services.core.provenance import utcnow
from services.exchange.home_assignments import HomeAssignments
from services.exchange.identities import IdentityVault
from yrdhub.v1 import home_assignments_pb2 as pb
from yrdhub.v1 import home_assignments_pb2_grpc, records_pb2


class HomeAssignmentServicer(home_assignments_pb2_grpc.HomeAssignmentServiceServicer):
    def __init__(self, assignments: HomeAssignments, vault: IdentityVault) -> None:
        self._assignments = assignments
        self._vault = vault

    def _list(self, request: pb.ListHomeAssignmentsRequest) -> pb.ListHomeAssignmentsResponse:
        limit = limit_of(request.limit, 1000, 10_000)
        when = as_of(*as_of_asked(request.as_of), utcnow())
        found = self._assignments.list(
            request.assessor_id.strip(),
            request.include_cancelled,
            limit,
            on=when.valid_on if request.as_of.valid_on.strip() else None,
            at=None if when.latest else when.known_at,
        )
        identities = self._vault.lookup(a.assessor_id for a in found)
        response = pb.ListHomeAssignmentsResponse(as_of=as_of_pb(when))
        for a in found:
            item = response.assignments.add(assignment=a)
            person = identities.get(a.assessor_id)
            if person is not None:
                item.identity.CopyFrom(
                    records_pb2.AssessorIdentity(
                        name=person.name, id_number=person.id_number, phone=person.phone
                    )
                )
        return response

    async def ListHomeAssignments(
        self,
        request: pb.ListHomeAssignmentsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> pb.ListHomeAssignmentsResponse:
        return await asyncio.to_thread(self._list, request)
