"""Client helpers for the hub's gRPC services, shared by the demo, benchmarks and tests."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from services.common.convert import PROVINCE_FROM_PB
from services.common.grpc_server import MAX_MESSAGE_BYTES
from services.core.provinces import Province
from yrdhub.v1 import (
    exchange_pb2,
    exchange_pb2_grpc,
    labels_pb2_grpc,
    records_pb2,
    registry_pb2,
    registry_pb2_grpc,
)

CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
]


def channel(address: str) -> grpc.Channel:
    return grpc.insecure_channel(address, options=CHANNEL_OPTIONS)


def exchange_stub(address: str) -> Any:
    return exchange_pb2_grpc.ExchangeServiceStub(channel(address))


def registry_stub(address: str) -> Any:
    return registry_pb2_grpc.RegistryServiceStub(channel(address))


def label_stub(address: str) -> Any:
    return labels_pb2_grpc.LabelServiceStub(channel(address))


def publish_all(
    stub: Any,
    records: Sequence[records_pb2.Record],
    *,
    batch_size: int = 1000,
    in_flight: int = 4,
    on_batch: Callable[[exchange_pb2.PublishRecordsResponse], None] = lambda _: None,
    timeout: float = 120.0,
) -> list[exchange_pb2.RecordResult]:
    """Publishes records in batches, several calls in flight; results in record order."""
    results: list[exchange_pb2.RecordResult] = []
    window: deque[Any] = deque()

    def collect() -> None:
        response = window.popleft().result()
        results.extend(response.results)
        on_batch(response)

    for start in range(0, len(records), batch_size):
        request = exchange_pb2.PublishRecordsRequest(records=records[start : start + batch_size])
        window.append(stub.PublishRecords.future(request, timeout=timeout))
        if len(window) >= in_flight:
            collect()
    while window:
        collect()
    return results


def published_counts(stubs: dict[Province, Any]) -> dict[Province, int]:
    """Events each exchange has written (what the registry should end up applying)."""
    return {
        p: stub.GetExchangeStatus(exchange_pb2.GetExchangeStatusRequest()).events_total
        for p, stub in stubs.items()
    }


def applied_counts(registry: Any) -> dict[Province, int]:
    status = registry.GetRegistryStatus(registry_pb2.GetRegistryStatusRequest())
    return {PROVINCE_FROM_PB[f.province]: f.events_applied for f in status.feeds}


def wait_until_applied(
    registry: Any, expected: dict[Province, int], timeout: float = 120.0, interval: float = 0.05
) -> dict[Province, int]:
    """Waits until the registry applied at least `expected` events per province."""
    deadline = time.monotonic() + timeout
    while True:
        applied = applied_counts(registry)
        if all(applied.get(p, 0) >= n for p, n in expected.items()):
            return applied
        if time.monotonic() > deadline:
            raise TimeoutError(f"registry applied {applied}, expected {expected}")
        time.sleep(interval)
