"""ExchangeService over gRPC: parse, call the use case, map the result."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB, background_work, timestamp
from services.common.logs import REQUEST_ID_METADATA, asked_request_id
from services.common.readiness import Readiness
from services.common.tls import caller
from services.core.errors import Violation
from services.core.provinces import Province
from services.core.records import RecordKind, pseudonym_of
from services.exchange.outbox import Outbox
from services.exchange.publishing import Outcome, Publisher, new_event_id
from yrdhub.v1 import common_pb2, exchange_pb2, exchange_pb2_grpc

_OUTCOMES = {
    Outcome.ACCEPTED: exchange_pb2.RECORD_OUTCOME_ACCEPTED,
    Outcome.UNCHANGED: exchange_pb2.RECORD_OUTCOME_UNCHANGED,
    Outcome.REJECTED: exchange_pb2.RECORD_OUTCOME_REJECTED,
}


def _violations(items: list[Violation]) -> list[common_pb2.FieldViolation]:
    return [common_pb2.FieldViolation(field=v.field, description=v.description) for v in items]


class ExchangeServicer(exchange_pb2_grpc.ExchangeServiceServicer):
    def __init__(
        self,
        province: Province,
        publisher: Publisher,
        outbox: Outbox,
        readiness: Readiness | None = None,
    ) -> None:
        """`readiness`: how the exchange's relay and feeds fare, for its status."""
        self._province = province
        self._publisher = publisher
        self._outbox = outbox
        self._readiness = readiness or Readiness(list)

    async def PublishRecords(
        self,
        request: exchange_pb2.PublishRecordsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> exchange_pb2.PublishRecordsResponse:
        # The caller's id for the call, or a new one; it is answered, logged
        # and sent with each event to Kafka (services/common/logs.py).
        named = asked_request_id(context.invocation_metadata())
        request_id = named or new_event_id()
        context.set_trailing_metadata(((REQUEST_ID_METADATA, request_id),))
        # SQL work runs in a thread so the event loop keeps serving other calls.
        results = await asyncio.to_thread(
            self._publisher.publish, request.records, request_id, caller(context), bool(named)
        )
        response = exchange_pb2.PublishRecordsResponse()
        # Made in place: append would build each result, then copy it in.
        add = response.results.add
        for r in results:
            add(
                index=r.index,
                record_key=r.record_key,
                outcome=_OUTCOMES[r.outcome],
                revision=r.revision,
                event_id=r.event_id,
                violations=_violations(r.violations),
                warnings=_violations(r.warnings),
                # The id it is published under: none for a record refused.
                assessor_id="" if r.outcome is Outcome.REJECTED else pseudonym_of(r.record_key),
            )
        response.accepted = sum(r.outcome is Outcome.ACCEPTED for r in results)
        response.unchanged = sum(r.outcome is Outcome.UNCHANGED for r in results)
        response.rejected = sum(r.outcome is Outcome.REJECTED for r in results)
        return response

    async def GetExchangeStatus(
        self,
        request: exchange_pb2.GetExchangeStatusRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> exchange_pb2.GetExchangeStatusResponse:
        status = await asyncio.to_thread(self._outbox.status)
        work = self._readiness.work()
        reasons = self._readiness.not_ready_because(work)
        response = exchange_pb2.GetExchangeStatusResponse(
            province=PROVINCE_TO_PB[self._province],
            records_per_kind=[
                exchange_pb2.KindCount(kind=KIND_TO_PB[RecordKind(kind)], records=count)
                for kind, count in sorted(status.records_by_kind.items())
            ],
            events_total=status.last_sequence,
            events_published=status.last_published_sequence,
            events_pending=status.last_sequence - status.last_published_sequence,
            last_sequence=status.last_sequence,
            last_published_sequence=status.last_published_sequence,
            background_work=[background_work(w) for w in work],
            ready=not reasons,
            not_ready_because=reasons,
        )
        if status.oldest_pending_at is not None:
            response.oldest_pending_at.CopyFrom(timestamp(status.oldest_pending_at))
        return response
