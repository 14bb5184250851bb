"""The shared gRPC server on a real socket: domain errors become statuses with
their fields, preserialized answers reach clients as messages, methods written
as plain functions run on the event loop, and a service that registers wrongly
stops the server from starting."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from services.common.audit_log import AuditLog
from services.common.auditing import Auditor
from services.common.db import make_engine
from services.common.grpc_errors import bad_request_violations, retry_delay
from services.common.grpc_server import GrpcServer, ServerLimits, preserialized
from services.core.errors import InvalidRequest, NotFound, Unavailable, Violation
from yrdhub.v1 import exchange_pb2, exchange_pb2_grpc, registry_pb2, registry_pb2_grpc

SERVICE = registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name
ANSWER = registry_pb2.CheckCertificateResponse(found=True)


class _Servicer(registry_pb2_grpc.RegistryServiceServicer):
    def __init__(self) -> None:
        self.threads: set[int] = set()

    def CheckCertificate(self, request: Any, context: Any) -> bytes:
        self.threads.add(threading.get_ident())
        if request.code == "bad":
            raise InvalidRequest("malformed code", [Violation("code", "too short")])
        if request.code == "many":
            raise InvalidRequest(
                "malformed codes",
                [Violation(f"codes[{i}]", "a code of 1-64 characters") for i in range(1000)],
            )
        return ANSWER.SerializeToString()

    async def GetRecord(self, request: Any, context: Any) -> Any:
        if request.record_key == "traced":
            # As the exchange answers every publish with its request id.
            context.set_trailing_metadata((("x-request-id", "req-7"),))
            raise InvalidRequest("empty", [Violation("records", "at least one")])
        if request.record_key == "busy":
            raise Unavailable("Kafka is away", retry_after=5)
        raise NotFound(f"no record {request.record_key}")

    async def WatchChanges(self, request: Any, context: Any) -> AsyncIterator[Any]:
        raise InvalidRequest("malformed uscc", [Violation("uscc", "18 characters")])
        yield  # a generator, like the real stream


def _serve(register: Callable[[Any], None], calls: Callable[[str], Awaitable[None]]) -> None:
    async def main() -> None:
        server = GrpcServer("127.0.0.1:0", [(SERVICE, register)])
        port = await server.start()
        try:
            await calls(f"127.0.0.1:{port}")
        finally:
            await server.stop(0)

    asyncio.run(main())


def _preserialized_checks(servicer: _Servicer) -> Callable[[Any], None]:
    """The registry's service over `servicer`, CheckCertificate answering bytes."""
    return preserialized(
        registry_pb2_grpc.add_RegistryServiceServicer_to_server, servicer, ["CheckCertificate"]
    )


def test_errors_and_preserialized_answers_reach_clients() -> None:
    servicer = _Servicer()
    register = _preserialized_checks(servicer)

    async def calls(address: str) -> None:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]
            ok = await stub.CheckCertificate(registry_pb2.CheckCertificateRequest(code="GP1"))
            assert ok == ANSWER
            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CheckCertificate(registry_pb2.CheckCertificateRequest(code="bad"))
            assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT
            assert bad_request_violations(bad.value) == [("code", "too short")]
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetRecord(registry_pb2.GetRecordRequest(record_key="k/1"))
            assert missing.value.code() is grpc.StatusCode.NOT_FOUND
            assert "no record k/1" in (missing.value.details() or "")
            with pytest.raises(grpc.aio.AioRpcError) as busy:
                await stub.GetRecord(registry_pb2.GetRecordRequest(record_key="busy"))
            assert busy.value.code() is grpc.StatusCode.UNAVAILABLE
            assert retry_delay(busy.value) == 5.0 and retry_delay(missing.value) is None
            with pytest.raises(grpc.aio.AioRpcError) as stream:
                async for _ in stub.WatchChanges(registry_pb2.WatchChangesRequest()):
                    pass
            assert stream.value.code() is grpc.StatusCode.INVALID_ARGUMENT
            assert bad_request_violations(stream.value) == [("uscc", "18 characters")]
            # The message names the first violation, for clients that show it alone.
            assert stream.value.details() == "malformed uscc: uscc: 18 characters"

    _serve(register, calls)
    # The plain function ran inline on the loop's thread, not in a thread pool.
    assert servicer.threads == {threading.get_ident()}


def test_a_refusal_that_would_overflow_the_trailers_arrives_as_itself_cut_short() -> None:
    """gRPC's trailers hold 16 KiB: a NOT_FOUND quoting a 9,000-character key
    whole, or a thousand violations, reached the client as RESOURCE_EXHAUSTED
    "received metadata size exceeds hard limit". They arrive as themselves,
    the message cut and the violations that fit named, the rest counted."""
    servicer = _Servicer()
    register = _preserialized_checks(servicer)

    async def calls(address: str) -> None:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetRecord(registry_pb2.GetRecordRequest(record_key="x" * 9000))
            assert missing.value.code() is grpc.StatusCode.NOT_FOUND
            assert (missing.value.details() or "").startswith("no record xxx")
            with pytest.raises(grpc.aio.AioRpcError) as many:
                await stub.CheckCertificate(registry_pb2.CheckCertificateRequest(code="many"))
            assert many.value.code() is grpc.StatusCode.INVALID_ARGUMENT
            named = bad_request_violations(many.value)
            assert named[0] == ("codes[0]", "a code of 1-64 characters")
            assert named[-1] == ("", f"and {1000 - len(named) + 1} more not shown")
            assert (many.value.details() or "").endswith(
                "codes[0]: a code of 1-64 characters (and 999 more: see the BadRequest details)"
            )

    _serve(register, calls)


def test_a_refusal_keeps_the_metadata_the_handler_set_before_it() -> None:
    """A refused call still answers with its request id: refusals are when
    an operator needs it most."""
    register = preserialized(
        registry_pb2_grpc.add_RegistryServiceServicer_to_server, _Servicer(), []
    )

    async def calls(address: str) -> None:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GetRecord(registry_pb2.GetRecordRequest(record_key="traced"))
            assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
            trailers = dict(refused.value.trailing_metadata() or ())
            assert trailers.get("x-request-id") == "req-7"
            assert bad_request_violations(refused.value) == [("records", "at least one")]

    _serve(register, calls)


def test_a_service_that_registers_nothing_or_names_no_such_method_fails_to_start() -> None:
    async def nothing(_address: str) -> None:
        raise AssertionError("the server should not have started")

    with pytest.raises(RuntimeError, match="registered no method handlers"):
        _serve(lambda registrar: None, nothing)
    with pytest.raises(RuntimeError, match="CheckCertificates"):
        _serve(
            preserialized(
                registry_pb2_grpc.add_RegistryServiceServicer_to_server,
                _Servicer(),
                ["CheckCertificates"],
            ),
            nothing,
        )
    with pytest.raises(RuntimeError, match="only unary methods"):
        _serve(
            preserialized(
                registry_pb2_grpc.add_RegistryServiceServicer_to_server,
                _Servicer(),
                ["WatchChanges"],
            ),
            nothing,
        )


class _Failing(registry_pb2_grpc.RegistryServiceServicer):
    """Fails the way a bug would, with personal data in the exception's text."""

    async def GetRecord(self, request: Any, context: Any) -> Any:
        raise RuntimeError(f"boom for 张三 110101199003077777 ({request.record_key})")

    def CheckCertificate(self, request: Any, context: Any) -> bytes:
        raise KeyError("13800138000")


def test_an_unexpected_error_answers_internal_with_only_an_id_the_log_carries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    register = preserialized(
        registry_pb2_grpc.add_RegistryServiceServicer_to_server, _Failing(), ["CheckCertificate"]
    )
    seen: list[str] = []

    async def calls(address: str) -> None:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]
            for call in (
                stub.GetRecord(registry_pb2.GetRecordRequest(record_key="k/1")),
                stub.CheckCertificate(registry_pb2.CheckCertificateRequest(code="GP1")),
            ):
                with pytest.raises(grpc.aio.AioRpcError) as failed:
                    await call
                assert failed.value.code() is grpc.StatusCode.INTERNAL
                seen.append(failed.value.details() or "")

    with caplog.at_level("ERROR"):
        _serve(register, calls)
    for details in seen:
        assert details.startswith("internal error ")
        assert "110101199003077777" not in details and "13800138000" not in details
        error_id = details.removeprefix("internal error ")
        assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)


class _FailingExchange(exchange_pb2_grpc.ExchangeServiceServicer):
    async def PublishRecords(self, request: Any, context: Any) -> Any:
        raise RuntimeError("boom for 110101199003077777")


def test_an_audited_call_that_fails_unexpectedly_is_in_the_trail_with_its_error_id(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    trail = AuditLog(engine)
    trail.create_schema()
    service = exchange_pb2.DESCRIPTOR.services_by_name["ExchangeService"].full_name
    servicer = _FailingExchange()
    seen: list[str] = []

    async def main() -> None:
        server = GrpcServer(
            "127.0.0.1:0",
            [
                (
                    service,
                    lambda s: exchange_pb2_grpc.add_ExchangeServiceServicer_to_server(servicer, s),  # type: ignore[no-untyped-call]
                )
            ],
            auditor=Auditor(trail),
        )
        port = await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = exchange_pb2_grpc.ExchangeServiceStub(channel)  # type: ignore[no-untyped-call]
                with pytest.raises(grpc.aio.AioRpcError) as failed:
                    await stub.PublishRecords(exchange_pb2.PublishRecordsRequest())
                assert failed.value.code() is grpc.StatusCode.INTERNAL
                seen.append(failed.value.details() or "")
        finally:
            await server.stop(0)

    asyncio.run(main())
    [entry] = trail.entries(None, limit=10)
    assert (entry.facts.method, entry.facts.outcome) == (
        "/yrdhub.v1.ExchangeService/PublishRecords",
        "INTERNAL",
    )
    assert entry.facts.touched == seen[0] and "110101199003077777" not in entry.facts.touched
    engine.dispose()


class _Slow(registry_pb2_grpc.RegistryServiceServicer):
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def GetRecord(self, request: Any, context: Any) -> Any:
        self.entered += 1
        await self.release.wait()
        return registry_pb2.GetRecordResponse()


def test_a_request_too_large_or_one_call_too_many_is_resource_exhausted() -> None:
    servicer = _Slow()

    async def main() -> None:
        server = GrpcServer(
            "127.0.0.1:0",
            [
                (
                    SERVICE,
                    lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(servicer, s),  # type: ignore[no-untyped-call]
                )
            ],
            limits=ServerLimits(receive_bytes=1024, concurrent_rpcs=2),
        )
        port = await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = registry_pb2_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]
                with pytest.raises(grpc.aio.AioRpcError) as large:
                    await stub.GetRecord(registry_pb2.GetRecordRequest(record_key="k" * 2000))
                assert large.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
                assert servicer.entered == 0
                held = [
                    asyncio.ensure_future(stub.GetRecord(registry_pb2.GetRecordRequest()))
                    for _ in range(2)
                ]
                while servicer.entered < 2:
                    await asyncio.sleep(0.01)
                with pytest.raises(grpc.aio.AioRpcError) as many:
                    await stub.GetRecord(registry_pb2.GetRecordRequest(), timeout=5)
                assert many.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
                servicer.release.set()
                await asyncio.gather(*held)
        finally:
            await server.stop(0)

    asyncio.run(main())
