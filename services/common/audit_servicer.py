"""AuditService over gRPC: a service's audit trail, newest first."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from services.common.audit_log import AuditLog
from services.common.convert import PROVINCE_TO_PB, timestamp
from services.common.tls import caller
from services.core.errors import InvalidRequest, Violation
from services.core.identity import Role
from services.core.paging import limit_of
from services.core.provinces import Province
from yrdhub.v1 import audit_pb2, audit_pb2_grpc, common_pb2

SERVICE_NAME = audit_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name


class AuditServicer(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, audit_log: AuditLog, *, own_callers_only: bool) -> None:
        """`own_callers_only`: a regulator sees only entries of its own
        province's callers (the registry, which serves every province); an
        exchange serves only its own province's regulators, who see it all."""
        self._log = audit_log
        self._own_callers_only = own_callers_only

    async def ListAuditEntries(
        self,
        request: audit_pb2.ListAuditEntriesRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> audit_pb2.ListAuditEntriesResponse:
        who = caller(context)
        province = None
        if self._own_callers_only and who is not None and who.role is not Role.OPERATOR:
            province = who.province.value if who.province is not None else ""
        limit = limit_of(request.limit, 100, 1000)
        if request.before_sequence < 0:
            # Not "the newest", as 0 is: a client counting down past 1 would
            # start over at the top and page the log forever.
            raise InvalidRequest(
                "bad before_sequence",
                [
                    Violation(
                        "before_sequence",
                        f"0 for the newest, or above; not {request.before_sequence}",
                    )
                ],
            )
        found = await asyncio.to_thread(self._log.entries, province, request.before_sequence, limit)
        return audit_pb2.ListAuditEntriesResponse(
            entries=[
                audit_pb2.AuditEntry(
                    sequence=e.sequence,
                    at=timestamp(e.facts.at),
                    caller=e.facts.caller,
                    caller_province=PROVINCE_TO_PB[Province(e.facts.caller_province)]
                    if e.facts.caller_province
                    else common_pb2.PROVINCE_UNSPECIFIED,
                    method=e.facts.method,
                    outcome=e.facts.outcome,
                    touched=e.facts.touched,
                    previous_hash=e.previous_hash,
                    entry_hash=e.entry_hash,
                )
                for e in found
            ]
        )


def audit_service(audit_log: AuditLog, *, own_callers_only: bool) -> tuple[str, Any]:
    """(name, register) of AuditService, for GrpcServer."""
    servicer = AuditServicer(audit_log, own_callers_only=own_callers_only)

    def register(server: Any) -> None:
        # The generated registration function has no type annotations.
        audit_pb2_grpc.add_AuditServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]

    return SERVICE_NAME, register
