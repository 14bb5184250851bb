"""RegistryService's view of the provinces' signed chains: the quarantine and
the chains themselves, for offline verification."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc

from services.common.convert import PROVINCE_FROM_PB, PROVINCE_TO_PB, filter_value, timestamp
from services.core.errors import InvalidRequest, Violation
from services.core.paging import limit_of
from services.core.provinces import Province
from services.registry.ingest.chain_store import ChainStore
from yrdhub.v1 import common_pb2, registry_pb2


class ChainRpcs:
    """ListQuarantine: what failed the chain checks and was never applied;
    ExportChain: a province's chain as applied, for `yrdhub verify-chain`."""

    _chains: ChainStore

    async def ListQuarantine(
        self,
        request: registry_pb2.ListQuarantineRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> registry_pb2.ListQuarantineResponse:
        limit = limit_of(request.limit, 100, 1000)
        asked = filter_value(request.province, PROVINCE_FROM_PB, "province")
        province = None if asked is None else asked.value
        found = await asyncio.to_thread(self._chains.quarantined, province, limit)
        entries = [
            registry_pb2.QuarantineEntry(
                province=PROVINCE_TO_PB[Province(q.province)]
                if q.province
                else common_pb2.PROVINCE_UNSPECIFIED,
                sequence=q.sequence,
                item=q.item,
                reason=q.reason,
                topic=q.topic,
                partition=q.partition,
                offset=q.offset,
                quarantined_at=timestamp(q.quarantined_at) if q.quarantined_at else None,
                payload=q.payload,
            )
            for q in found
        ]
        return registry_pb2.ListQuarantineResponse(entries=entries)

    async def ExportChain(
        self,
        request: registry_pb2.ExportChainRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[registry_pb2.ExportChainResponse]:
        asked = PROVINCE_FROM_PB.get(request.province)
        if asked is None:
            raise InvalidRequest(
                "which province's chain?", [Violation("province", "required: SH, JS, ZJ or AH")]
            )
        if request.from_sequence < 0:
            raise InvalidRequest(
                "bad from_sequence",
                [
                    Violation(
                        "from_sequence",
                        f"0 or 1 for the start, or above; not {request.from_sequence}",
                    )
                ],
            )
        after = max(request.from_sequence - 1, 0)
        while True:
            # A page at a time, in a thread: the event loop keeps serving.
            page, after = await asyncio.to_thread(self._chains.export, asked.value, after)
            if not page:
                return
            for kind, value in page:
                yield (
                    registry_pb2.ExportChainResponse(event=value)
                    if kind == "event"
                    else registry_pb2.ExportChainResponse(checkpoint=value)
                )
