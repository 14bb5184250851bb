"""The reconciliation RPCs of RegistryService: parse, call the use case, map the result.

A mixin of RegistryServicer, so the service stays one servicer while these
handlers live apart from the lookups.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import grpc

from services.common.convert import (
    PROVINCE_CHOICES,
    PROVINCE_FROM_PB,
    as_of_asked,
    as_of_paged,
    as_of_pin,
    filter_value,
    query_of,
)
from services.common.tls import caller
from services.core.errors import InvalidRequest, Violation
from services.core.history import as_of
from services.core.paging import page_of
from services.core.provenance import china_date, utcnow
from services.registry.reconciliation import mapping
from services.registry.reconciliation.changes import ChangeWatch
from services.registry.reconciliation.institutions import Reconciliation
from services.registry.reconciliation.recognition import RecognitionDecisions
from services.registry.reconciliation.reports import ReportVerifications, report_query
from yrdhub.v1 import registry_pb2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconciliationUseCases:
    reconciliation: Reconciliation
    decisions: RecognitionDecisions
    watch: ChangeWatch
    reports: ReportVerifications


class ReconciliationRpcs:
    # Set by RegistryServicer.__init__.
    _use_cases: ReconciliationUseCases

    # The merged view and decisions parse a few payloads and run several
    # queries: off the event loop, so they do not hold up point lookups.
    async def GetInstitution(
        self,
        request: registry_pb2.GetInstitutionRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.GetInstitutionResponse:
        view = await asyncio.to_thread(
            self._use_cases.reconciliation.institution,
            request.uscc,
            *as_of_asked(request.as_of),
        )
        return mapping.institution(view)

    async def ListConflicts(
        self,
        request: registry_pb2.ListConflictsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.ListConflictsResponse:
        valid_on, known_at = as_of_paged(request.as_of, request.page_token)
        page = await asyncio.to_thread(
            lambda: self._use_cases.reconciliation.conflicts(
                types=mapping.conflict_types(request.types),
                uscc=request.uscc,
                open_only=request.open_only,
                page_size=request.page_size,
                page_token=request.page_token,
                query=query_of(request),
                valid_on=valid_on,
                known_at=known_at,
            )
        )
        return mapping.conflict_page(page)

    async def GetRecordHistory(
        self,
        request: registry_pb2.GetRecordHistoryRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.GetRecordHistoryResponse:
        history = await asyncio.to_thread(
            self._use_cases.reconciliation.history,
            request.record_key,
            *as_of_paged(request.as_of, request.page_token),
        )
        # Versions by province and revision, the order they come in.
        page = page_of(
            history.versions,
            lambda r: f"{r.province}\x00{r.revision:020d}",
            request.page_size,
            request.page_token,
            as_of_pin(history.as_of),
            query_of(request),
        )
        return mapping.history(replace(history, versions=page.items), page.next_token)

    async def DecideRecognition(
        self,
        request: registry_pb2.DecideRecognitionRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.DecideRecognitionResponse:
        decisions = self._use_cases.decisions
        # Required, so not filter_value (whose 0 is "any"): every value but
        # the four provinces is refused as none.
        target = mapping.province_or_none(request.target_province)
        if target is None and request.target_province != 0:
            raise InvalidRequest(
                "unknown target province",
                [
                    Violation(
                        "target_province",
                        f"{request.target_province} is not {PROVINCE_CHOICES}",
                    )
                ],
            )
        valid_on, known_at = as_of_asked(request.as_of)
        subject = request.WhichOneof("subject")
        if subject is None or (subject == "record_key" and not request.record_key.strip()):
            raise InvalidRequest(
                "no subject",
                [Violation("record_key", "required: a record key, or an institution's scope")],
            )
        if subject == "institution":
            scope = request.institution
            decision = await asyncio.to_thread(
                lambda: decisions.for_scope(
                    scope.uscc,
                    mapping.requested_items(scope.items),
                    target=target,
                    valid_on=valid_on,
                    known_at=known_at,
                )
            )
        else:
            decision = await asyncio.to_thread(
                lambda: decisions.for_record(
                    request.record_key,
                    target=target,
                    valid_on=valid_on,
                    known_at=known_at,
                    source_province=filter_value(
                        request.source_province, PROVINCE_FROM_PB, "source_province"
                    ),
                )
            )
        return mapping.decision(decision)

    async def VerifyReport(
        self,
        request: registry_pb2.VerifyReportRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.VerifyReportResponse:
        query = report_query(request.cma_number, request.report_number, request.document_sha256)
        valid_on, known_at = as_of_asked(request.as_of)
        # Ignored (a report is judged on its issue date), but never malformed.
        as_of(valid_on, known_at, utcnow())
        verified = await asyncio.to_thread(
            self._use_cases.reports.verify,
            query,
            target=filter_value(
                request.target_province,
                PROVINCE_FROM_PB,
                "target_province",
                "the province that registered the report",
            ),
            known_at=known_at,
        )
        return mapping.report_verdict(verified)

    async def WatchChanges(
        self, request: registry_pb2.WatchChangesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[registry_pb2.WatchChangesResponse]:
        where = mapping.change_filter(request)
        # The client certificate names the subscriber; the request's own
        # `subscriber` only on a plaintext development hub.
        who = caller(context)
        log.info(
            "change stream for %s from %s after cursor %d",
            who if who is not None else (request.subscriber or "an unnamed subscriber"),
            context.peer(),
            request.after_cursor,
        )
        changes = self._use_cases.watch.follow(
            where, after=request.after_cursor, from_latest=request.from_latest
        )
        async for batch, resume in changes:
            today = china_date(self._use_cases.decisions.now())
            yield registry_pb2.WatchChangesResponse(
                changes=[mapping.change_event(c, today) for c in batch], resume_cursor=resume
            )
