"""RegistryService over gRPC: parse, call the query, map the result."""

from __future__ import annotations

from typing import Any

import grpc

from services.common.convert import timestamp
from services.core.provenance import china_date
from services.registry.checks import CertificateChecks
from services.registry.mapping import feed_freshness, stored_record
from services.registry.queries import RegistryQueries
from services.registry.reconciliation_servicer import ReconciliationRpcs, ReconciliationUseCases
from services.registry.store import RegistryStore
from yrdhub.v1 import registry_pb2, registry_pb2_grpc

__all__ = ["RegistryServicer", "feed_freshness", "stored_record"]


class RegistryServicer(ReconciliationRpcs, registry_pb2_grpc.RegistryServiceServicer):
    # Point lookups take tens of microseconds: they run on the event loop,
    # which is cheaper than a hop to a thread.
    # Methods returning serialized responses (see grpc_server.preserialized).
    PRESERIALIZED = ("CheckCertificate",)

    def __init__(
        self,
        queries: RegistryQueries,
        checks: CertificateChecks,
        store: RegistryStore,
        reconciliation: ReconciliationUseCases,
    ) -> None:
        self._queries = queries
        self._checks = checks
        self._store = store
        self._use_cases = reconciliation

    async def GetRecord(
        self, request: registry_pb2.GetRecordRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> registry_pb2.GetRecordResponse:
        now = self._queries.now()
        rows = self._queries.record(request.record_key)
        return registry_pb2.GetRecordResponse(
            records=[stored_record(r, china_date(now)) for r in rows], as_of=timestamp(now)
        )

    async def ListInstitutionRecords(
        self,
        request: registry_pb2.ListInstitutionRecordsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.ListInstitutionRecordsResponse:
        now = self._queries.now()
        rows = self._queries.institution(request.uscc)
        return registry_pb2.ListInstitutionRecordsResponse(
            records=[stored_record(r, china_date(now)) for r in rows], as_of=timestamp(now)
        )

    def CheckCertificate(
        self,
        request: registry_pb2.CheckCertificateRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> bytes:
        """A serialized CheckCertificateResponse. A plain function, called inline
        on the event loop (see grpc_errors.with_domain_errors)."""
        return self._checks.answer(request.code)

    async def GetRegistryStatus(
        self,
        request: registry_pb2.GetRegistryStatusRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.GetRegistryStatusResponse:
        feeds = self._store.feeds()
        return registry_pb2.GetRegistryStatusResponse(
            feeds=[feed_freshness(f) for f in feeds],
            records=self._store.record_count(),
            events_applied=sum(f.events_applied for f in feeds),
        )
