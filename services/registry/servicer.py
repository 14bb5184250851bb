"""RegistryService over gRPC: parse, call the query, map the result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc

from services.common.convert import KIND_TO_PB, PROVINCE_TO_PB, STATUS_TO_PB, timestamp
from services.core.provinces import Province
from services.core.records import RecordKind
from services.core.status import CertificateStatus, effective_status
from services.registry.queries import RegistryQueries
from services.registry.store import Feed, RegistryStore, StoredRow
from yrdhub.v1 import common_pb2, events_pb2, registry_pb2, registry_pb2_grpc

_STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def _effective(record: Any, today: dt.date) -> common_pb2.CertificateStatus:
    which = record.WhichOneof("body")
    if which not in ("qualification", "green_cert"):
        return common_pb2.CERTIFICATE_STATUS_UNSPECIFIED
    body = getattr(record, which)
    status = _STATUS_FROM_PB.get(body.status.canonical, CertificateStatus.VALID)
    until = dt.date.fromisoformat(body.valid_until) if body.valid_until else None
    return STATUS_TO_PB[effective_status(status, until, today)]


def stored_record(row: StoredRow, today: dt.date) -> registry_pb2.StoredRecord:
    event = events_pb2.Event.FromString(row.payload)
    return registry_pb2.StoredRecord(
        record_key=row.record_key,
        kind=KIND_TO_PB[RecordKind(row.kind)],
        provenance=common_pb2.Provenance(
            province=PROVINCE_TO_PB[Province(row.province)],
            revision=row.revision,
            event_id=row.event_id,
            sequence=row.sequence,
            accepted_at=timestamp(row.accepted_at),
            applied_at=timestamp(row.applied_at),
        ),
        record=event.record,
        effective_status=_effective(event.record, today),
    )


def feed_freshness(feed: Feed) -> registry_pb2.FeedFreshness:
    msg = registry_pb2.FeedFreshness(
        province=PROVINCE_TO_PB[Province(feed.province)],
        last_sequence=feed.last_sequence,
        events_applied=feed.events_applied,
    )
    if feed.last_accepted_at is not None:
        msg.last_accepted_at.CopyFrom(timestamp(feed.last_accepted_at))
    if feed.last_applied_at is not None:
        msg.last_applied_at.CopyFrom(timestamp(feed.last_applied_at))
    return msg


class RegistryServicer(registry_pb2_grpc.RegistryServiceServicer):
    # Point lookups take tens of microseconds: they run on the event loop,
    # which is cheaper than a hop to a thread.
    def __init__(self, queries: RegistryQueries, store: RegistryStore) -> None:
        self._queries = queries
        self._store = store

    async def GetRecord(
        self, request: registry_pb2.GetRecordRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> registry_pb2.GetRecordResponse:
        now = self._queries.now()
        rows = self._queries.record(request.record_key)
        return registry_pb2.GetRecordResponse(
            records=[stored_record(r, now.date()) for r in rows], as_of=timestamp(now)
        )

    async def ListInstitutionRecords(
        self,
        request: registry_pb2.ListInstitutionRecordsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.ListInstitutionRecordsResponse:
        now = self._queries.now()
        rows = self._queries.institution(request.uscc)
        return registry_pb2.ListInstitutionRecordsResponse(
            records=[stored_record(r, now.date()) for r in rows], as_of=timestamp(now)
        )

    async def CheckCertificate(
        self,
        request: registry_pb2.CheckCertificateRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.CheckCertificateResponse:
        result = self._queries.check(request.code)
        return registry_pb2.CheckCertificateResponse(
            found=bool(result.matches),
            matches=[stored_record(r, result.as_of.date()) for r in result.matches],
            as_of=timestamp(result.as_of),
            freshness=[feed_freshness(f) for f in result.feeds],
        )

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
