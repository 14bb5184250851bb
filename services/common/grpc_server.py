"""A gRPC server with what every yrdhub server offers: health checking,
reflection, domain-error mapping and a graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.auditing import Auditor
from services.common.caller_quota import CallerQuota
from services.common.grpc_errors import with_domain_errors
from services.common.metrics import ServiceMetrics
from services.common.readiness import LIVENESS, Readiness
from services.common.tls import ServerTls, authorization_check

log = logging.getLogger(__name__)


class MethodTable(grpc.GenericRpcHandler):  # type: ignore[misc]  # untyped base
    """Every method a server serves, found by its path in one dictionary.

    The server is given this one generic handler and no registered methods:
    grpc.aio keeps a pending request for each registered method and waits on
    all of them for every call it accepts (asyncio.wait over some thirty
    futures in the registry, against one here).
    """

    def __init__(self) -> None:
        self.methods: dict[str, grpc.RpcMethodHandler] = {}

    def add_generic_rpc_handlers(self, handlers: object) -> None:
        """Ignored: generated code adds its methods below as well."""

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        """Takes a service's methods as generated code offers them (health, reflection)."""
        self.methods.update((f"/{service}/{name}", h) for name, h in handlers.items())

    def service(
        self, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        return self.methods.get(handler_call_details.method)


class ServiceRegistrar:
    """Stands in for the server while a generated service registers itself.

    Each method handler is wrapped once here so that domain errors become gRPC
    statuses (an interceptor would do that work again on every call), and the
    methods named by `preserialized` lose their response serializer; the
    wrapped handlers go into the server's MethodTable.
    """

    def __init__(
        self,
        table: MethodTable,
        tls: ServerTls | None = None,
        auditor: Auditor | None = None,
        quota: CallerQuota | None = None,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._table = table
        self._tls = tls
        self._auditor = auditor
        self._quota = quota
        self._metrics = metrics
        self._preserialized: Collection[str] = ()
        self.registered = False

    def preserialize(self, methods: Collection[str]) -> None:
        """These unary methods return their response already serialized (bytes
        assembled from stored answers), not a message."""
        self._preserialized = methods

    def add_generic_rpc_handlers(self, handlers: object) -> None:
        """Ignored: rebuilt from the method handlers below."""

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        missing = set(self._preserialized) - set(handlers)
        if missing:
            raise RuntimeError(f"{service} has no methods {sorted(missing)}")
        streaming = [n for n in self._preserialized if handlers[n].unary_unary is None]
        if streaming:
            raise RuntimeError(f"{service}: only unary methods answer in bytes, not {streaming}")
        edited = {}
        for name, handler in handlers.items():
            if name in self._preserialized:
                handler = grpc.unary_unary_rpc_method_handler(
                    handler.unary_unary, request_deserializer=handler.request_deserializer
                )
            method = f"/{service}/{name}"
            check = None if self._tls is None else authorization_check(method, self._tls.serving)
            audit = None if self._auditor is None else self._auditor.hook(method)
            edited[name] = with_domain_errors(handler, check, audit, self._quota)
            if self._metrics is not None:
                edited[name] = self._metrics.observed(edited[name], method)
        self._table.add_registered_method_handlers(service, edited)
        self.registered = True


Register = Callable[[ServiceRegistrar], None]


def preserialized(
    add_to_server: Callable[[Any, Any], None], servicer: object, methods: Collection[str]
) -> Register:
    """Registers a generated service whose unary `methods` return bytes."""

    def register(registrar: ServiceRegistrar) -> None:
        registrar.preserialize(methods)
        add_to_server(servicer, registrar)

    return register


# What a client may receive: the largest answers (an institution's records,
# a batch of label checks) stay far below it.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What one server takes at most. A request larger than `receive_bytes`,
    a call beyond `concurrent_rpcs` in progress (streams included), or beyond
    a caller's share (`calls_per_caller`, of which `streams_per_caller`
    server streams; callers known by their certificate) is answered
    RESOURCE_EXHAUSTED before any servicer runs."""

    receive_bytes: int = 4 * 1024 * 1024
    concurrent_rpcs: int = 512
    calls_per_caller: int = 128
    streams_per_caller: int = 32

    def options(self) -> list[tuple[str, int]]:
        return [
            ("grpc.max_receive_message_length", self.receive_bytes),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ]


# A province's exchange: a publish batch of up to 5,000 records of a few kB
# (services/exchange/publishing.py); calls are written one at a time anyway.
EXCHANGE_LIMITS = ServerLimits(
    receive_bytes=32 * 1024 * 1024, concurrent_rpcs=64, calls_per_caller=48, streams_per_caller=16
)
# The registry: queries and checks are small; many checks and change streams
# are in flight at once, and no one province's callers take more than a quarter.
REGISTRY_LIMITS = ServerLimits(
    receive_bytes=4 * 1024 * 1024, concurrent_rpcs=512, calls_per_caller=128, streams_per_caller=32
)


# How often health hears how the feeds and relays fare; more often while the
# server is not ready, so that a starting service is reported ready soon after
# its feeds have read their topics rather than up to a second later.
WORK_REPORT_S = 1.0
NOT_READY_REPORT_S = 0.1


class GrpcServer:
    """Serves the given services plus grpc.health.v1 and reflection."""

    def __init__(
        self,
        listen: str,
        services: Sequence[tuple[str, Register]],
        tls: ServerTls | None = None,
        auditor: Auditor | None = None,
        limits: ServerLimits = REGISTRY_LIMITS,
        readiness: Readiness | None = None,
        metrics: ServiceMetrics | None = None,
        health_listen: str | None = None,
    ) -> None:
        """`tls`: serve mutual TLS and authorize every call (None: plaintext,
        for development only, and nothing is authorized); `auditor`: record the
        audited calls and every refusal (services/common/auditing.py);
        `limits`: how large and how many calls it takes; `readiness`: the
        process's feeds and relays, each reported by health as
        "yrdhub.work.<name>" (NOT_SERVING while it retries a failure or its step has stalled), and
        whether they make the server ready, which health reports for "" and
        each service (services/common/readiness.py). LIVENESS is SERVING while
        the server runs. `metrics`: count and time every call of its
        services (services/common/metrics.py). `health_listen`: also serve
        grpc.health.v1 alone, in plaintext, there (the kubelet's gRPC probe
        speaks no TLS); it reports what the server's own health does."""
        self._health_listen = health_listen
        self._health_server: grpc.aio.Server | None = None
        self._metrics = metrics
        self._readiness = readiness
        self._reporting: asyncio.Task[None] | None = None
        self._reported: dict[str, int] = {}
        self._reasons: list[str] = []
        self._listen = listen
        self._services = services
        self._tls = tls
        self._auditor = auditor
        self._server = grpc.aio.server(
            options=limits.options(), maximum_concurrent_rpcs=limits.concurrent_rpcs
        )
        self._quota = CallerQuota(limits.calls_per_caller, limits.streams_per_caller)
        self._health = health.aio.HealthServicer()
        self.port = 0

    async def start(self) -> int:
        table = MethodTable()
        for name, register in self._services:
            registrar = ServiceRegistrar(
                table, self._tls, self._auditor, self._quota, self._metrics
            )
            register(registrar)
            if not registrar.registered:
                # Code generated before grpcio-tools 1.62 registers generic handlers only.
                raise RuntimeError(f"{name} registered no method handlers")
        health_pb2_grpc.add_HealthServicer_to_server(self._health, table)
        names = [name for name, _ in self._services]
        reflection.enable_server_reflection(
            [
                *names,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            table,
        )
        self._server.add_generic_rpc_handlers((table,))
        if self._tls is None:
            self.port = self._server.add_insecure_port(self._listen)
        else:
            self.port = self._server.add_secure_port(self._listen, self._tls.credentials())
        if self.port == 0:
            raise RuntimeError(f"cannot listen on {self._listen}")
        await self._server.start()
        if self._health_listen is not None:
            self._health_server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
            probe = MethodTable()
            health_pb2_grpc.add_HealthServicer_to_server(self._health, probe)
            self._health_server.add_generic_rpc_handlers((probe,))
            if self._health_server.add_insecure_port(self._health_listen) == 0:
                raise RuntimeError(f"cannot listen on {self._health_listen}")
            await self._health_server.start()
        await self._health.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)
        if self._readiness is None:
            for name in ["", *names]:
                await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        else:
            # Told before the first call can come: a registry replaying the log
            # is not ready from its first moment.
            await self._report(self._readiness, ["", *names])
            self._reporting = asyncio.create_task(self._keep_reporting(self._readiness, names))
        return self.port

    async def _keep_reporting(self, readiness: Readiness, names: list[str]) -> None:
        while True:
            await asyncio.sleep(NOT_READY_REPORT_S if self._reasons else WORK_REPORT_S)
            await self._report(readiness, ["", *names])

    async def _report(self, readiness: Readiness, ready_names: list[str]) -> None:
        serving, not_serving = (
            health_pb2.HealthCheckResponse.SERVING,
            health_pb2.HealthCheckResponse.NOT_SERVING,
        )
        work = readiness.work()
        reasons = readiness.not_ready_because(work)
        if reasons != self._reasons:
            if reasons:
                log.warning("not ready: %s", "; ".join(reasons))
            else:
                log.info("ready")
            self._reasons = reasons
        statuses = {
            f"yrdhub.work.{w.name}": not_serving if readiness.in_trouble(w) else serving
            for w in work
        }
        statuses.update(dict.fromkeys(ready_names, not_serving if reasons else serving))
        for name, status in statuses.items():
            if self._reported.get(name) != status:
                await self._health.set(name, status)
                self._reported[name] = status

    async def stop(self, grace: float = 5.0) -> None:
        """Reports NOT_SERVING first so balancers drain us, then lets calls finish."""
        if self._reporting is not None:
            self._reporting.cancel()
        await self._health.enter_graceful_shutdown()
        await self._server.stop(grace)
        if self._health_server is not None:
            await self._health_server.stop(0)


async def run_until_signalled(
    server: GrpcServer,
    *,
    ready_file: Path | None = None,
    on_stop: Callable[[], Awaitable[None]] | None = None,
    also: Sequence[GrpcServer] = (),
) -> None:
    """Starts the server, writes the bound port to ready_file, and runs until
    SIGINT/SIGTERM; then stops taking calls, lets running ones finish and
    calls on_stop (flush relays, close consumers)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for other in also:
        log.info("also serving on port %d", await other.start())
    port = await server.start()
    log.info("serving on port %d", port)
    if ready_file is not None:
        tmp = ready_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(ready_file)  # atomic: a reader never sees a half-written port
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        for other in also:
            await other.stop()
        await server.stop()
        if on_stop is not None:
            await on_stop()
        if ready_file is not None:
            with contextlib.suppress(FileNotFoundError):
                ready_file.unlink()
