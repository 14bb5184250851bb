"""RegistryService's record RPCs over gRPC: parse, call the query, map the result.

A mixin: the registry's servicer (app.py) joins it with the check and
reconciliation RPCs of the same service.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from services.common.convert import (
    as_of_asked,
    as_of_paged,
    as_of_pb,
    as_of_pin,
    background_work,
    query_of,
)
from services.common.readiness import Readiness
from services.core.paging import page_of
from services.registry.records.mapping import feed_freshness, stored_record
from services.registry.records.queries import HeldAside, RegistryQueries
from services.registry.records.store import Feed
from yrdhub.v1 import registry_pb2


class RecordRpcs:
    # Set by the servicer's constructor.
    _queries: RegistryQueries
    # How the registry's feeds and relays fare, and whether it is ready.
    _readiness: Readiness

    # Point lookups take tens of microseconds: they run on the event loop,
    # which is cheaper than a hop to a thread.
    async def GetRecord(
        self, request: registry_pb2.GetRecordRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> registry_pb2.GetRecordResponse:
        found = self._queries.record(request.record_key, *as_of_asked(request.as_of))
        day = found.as_of.valid_on
        return registry_pb2.GetRecordResponse(
            records=[stored_record(r, day) for r in found.rows], as_of=as_of_pb(found.as_of)
        )

    async def ListInstitutionRecords(
        self,
        request: registry_pb2.ListInstitutionRecordsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.ListInstitutionRecordsResponse:
        # An institution's every record: off the event loop, like any read
        # whose size the caller decides.
        found = await asyncio.to_thread(
            self._queries.institution,
            request.uscc,
            *as_of_paged(request.as_of, request.page_token),
        )
        day = found.as_of.valid_on
        page = page_of(
            found.rows,
            lambda r: f"{r.record_key}\x00{r.province}",
            request.page_size,
            request.page_token,
            as_of_pin(found.as_of),
            query_of(request),
        )
        return registry_pb2.ListInstitutionRecordsResponse(
            records=[stored_record(r, day) for r in page.items],
            as_of=as_of_pb(found.as_of),
            next_page_token=page.next_token,
        )

    def _counts(self) -> tuple[list[Feed], int, HeldAside]:
        feeds = self._queries.feeds()
        return feeds, self._queries.record_count(feeds), self._queries.held_aside()

    async def GetRegistryStatus(
        self,
        request: registry_pb2.GetRegistryStatusRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.GetRegistryStatusResponse:
        work = self._readiness.work()
        reasons = self._readiness.not_ready_because(work)
        # SQL off the event loop.
        feeds, records, aside = await asyncio.to_thread(self._counts)
        return registry_pb2.GetRegistryStatusResponse(
            feeds=[feed_freshness(f) for f in feeds],
            records=records,
            events_applied=sum(f.events_applied for f in feeds),
            background_work=[background_work(w) for w in work],
            ready=not reasons,
            not_ready_because=reasons,
            quarantined=sum(aside.quarantined.values()),
            dead_letters=aside.dead_letters,
        )
