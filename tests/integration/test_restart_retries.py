"""A server stopped gracefully and started again fails no call of a client
that follows the contracts' service config. gRPC core answers CANCELLED to
the calls a stopping server had received but not yet handed to a handler
(grpc/grpc#41785), and UNAVAILABLE to those that come after; the config
retries both on every method safe to repeat."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import grpc

from services.common.grpc_server import GrpcServer
from services.hub import client
from yrdhub.v1 import registry_pb2, registry_pb2_grpc

SERVICE = registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name
ANSWER = registry_pb2.GetRecordResponse()


class _Records(registry_pb2_grpc.RegistryServiceServicer):
    """GetRecord, a read safe to repeat; answers CANCELLED to the keys named
    once, as gRPC does to a call a stopping server had not handled yet. The
    key "hold" blocks the server's event loop for a second, so that calls
    coming meanwhile stay queued in gRPC core."""

    def __init__(self, cancel_once: set[str] | None = None) -> None:
        self.calls: Counter[str] = Counter()
        self.holding = threading.Event()
        self._cancel_once = cancel_once or set()

    async def GetRecord(self, request: Any, context: Any) -> Any:
        if request.record_key == "hold":
            self.holding.set()
            time.sleep(1.0)  # blocks the loop on purpose
            return ANSWER
        self.calls[request.record_key] += 1
        if request.record_key in self._cancel_once and self.calls[request.record_key] == 1:
            await context.abort(grpc.StatusCode.CANCELLED, "shutting down")
        await asyncio.sleep(0.002)
        return ANSWER


async def _started(listen: str, servicer: _Records) -> GrpcServer:
    """Made on the loop that runs it: a gRPC aio server keeps the loop it was made on."""

    def register(server: Any) -> None:
        registry_pb2_grpc.add_RegistryServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]

    server = GrpcServer(listen, [(SERVICE, register)])
    await server.start()
    return server


class _ServerThread:
    """A GrpcServer on its own event loop, so the test's client calls block."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, work: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


def test_a_call_answered_cancelled_is_tried_again() -> None:
    servicer = _Records(cancel_once={"k/1"})
    loop = _ServerThread()
    server = loop.run(_started("127.0.0.1:0", servicer))
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}", client.CHANNEL_OPTIONS) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]
            assert stub.GetRecord(registry_pb2.GetRecordRequest(record_key="k/1")) == ANSWER
        assert servicer.calls["k/1"] == 2
    finally:
        loop.run(server.stop(0))
        loop.close()


def test_calls_queued_when_a_server_stops_succeed_once_it_is_back() -> None:
    loop = _ServerThread()
    before = _Records()
    first = loop.run(_started("127.0.0.1:0", before))
    address = f"127.0.0.1:{first.port}"
    again = _Records()
    second: GrpcServer | None = None
    try:
        with grpc.insecure_channel(address, client.CHANNEL_OPTIONS) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]
            stub.GetRecord(registry_pb2.GetRecordRequest(record_key="warm"))
            # While the server's loop is held, the calls reach gRPC core and wait
            # there; the stop is the next thing the loop runs.
            held = stub.GetRecord.future(registry_pb2.GetRecordRequest(record_key="hold"))
            assert before.holding.wait(10)
            calls = [
                stub.GetRecord.future(registry_pb2.GetRecordRequest(record_key=f"k/{i}"))
                for i in range(100)
            ]
            time.sleep(0.3)
            stopping = asyncio.run_coroutine_threadsafe(first.stop(5), loop.loop)
            stopping.result(30)
            second = loop.run(_started(address, again))
            assert held.result(60) == ANSWER  # running when the stop came: it finished
            failures = Counter[str]()
            for call in calls:
                try:
                    assert call.result(60) == ANSWER
                except grpc.RpcError as exc:
                    failures[exc.code().name] += 1
        assert failures == Counter()
        assert again.calls, "no call was left for the restarted server to answer"
    finally:
        loop.run((second or first).stop(0))
        loop.close()
