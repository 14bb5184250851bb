"""Load drivers: many unary calls in flight from one asyncio client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import grpc

from services.hub import client


@dataclass(frozen=True)
class CallStats:
    calls: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.calls / self.seconds

    @classmethod
    def combined(cls, parts: Sequence[CallStats]) -> CallStats:
        """Several runs as one: calls and seconds summed, latencies pooled."""
        return cls(
            sum(p.calls for p in parts),
            sum(p.seconds for p in parts),
            [ms for p in parts for ms in p.latencies_ms],
        )

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def percentile(values: Sequence[float], p: float) -> float:
    """The value at rank p percent of the sorted values (the upper one of two
    middles for p 50); every percentile the bench reports."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _identity(data: bytes) -> bytes:
    return data


def answers(address: str, method: str, payloads: Sequence[bytes]) -> list[bytes]:
    """The serialized answer to each payload, one call at a time."""
    return asyncio.run(_answers(address, method, payloads))


async def _answers(address: str, method: str, payloads: Sequence[bytes]) -> list[bytes]:
    async with client.aio_channel(address) as channel:
        stub = _bytes_stub(channel, method)
        return [await stub(payload) for payload in payloads]


def _bytes_stub(channel: grpc.aio.Channel, method: str) -> grpc.aio.UnaryUnaryMultiCallable:
    """`method` called with serialized requests, answering serialized responses."""
    return channel.unary_unary(
        method, request_serializer=_identity, response_deserializer=_identity
    )


async def _drive(
    address: str,
    method: str,
    payloads: Sequence[bytes],
    calls: int,
    concurrency: int,
    warm_up: Sequence[bytes] | None,
) -> CallStats:
    # TLS when the hub serves it (the echo baseline serves it too).
    async with client.aio_channel(address) as channel:
        stub = _bytes_stub(channel, method)
        for payload in payloads[:50] if warm_up is None else warm_up:  # connection, caches
            await stub(payload)
        latencies: list[float] = []
        next_call = 0

        async def worker() -> None:
            nonlocal next_call
            while next_call < calls:
                payload = payloads[next_call % len(payloads)]
                next_call += 1
                started = time.perf_counter()
                await stub(payload)
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return CallStats(len(latencies), time.perf_counter() - started, latencies)


def drive_unary(
    address: str,
    method: str,
    payloads: Sequence[bytes],
    *,
    calls: int,
    concurrency: int = 32,
    warm_up: Sequence[bytes] | None = None,
) -> CallStats:
    """Sends `calls` requests (cycling through payloads), `concurrency` at a time,
    after `warm_up` (None: the first 50 payloads) one at a time."""
    return asyncio.run(_drive(address, method, payloads, calls, concurrency, warm_up))
