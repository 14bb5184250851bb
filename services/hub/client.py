"""Client helpers for the hub's gRPC services, shared by the demo, benchmarks and tests."""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import grpc

from services.common.convert import PROVINCE_FROM_PB
from services.common.grpc_server import MAX_MESSAGE_BYTES
from services.common.tls import TlsFiles, channel_credentials
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.hub.certs import file_stem
from yrdhub.v1 import (
    exchange_pb2,
    exchange_pb2_grpc,
    labels_pb2_grpc,
    records_pb2,
    registry_pb2,
    registry_pb2_grpc,
)

# The contracts' service config (proto/yrdhub/v1/service_config.json): calls
# wait for a restarting server and retry UNAVAILABLE or CANCELLED (what a
# stopping server answers to calls it had not yet handed to a handler) with
# back-off.
SERVICE_CONFIG = (resources.files("yrdhub.v1") / "service_config.json").read_text()
CHANNEL_OPTIONS: list[tuple[str, int | str]] = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.enable_retries", 1),
    ("grpc.service_config", SERVICE_CONFIG),
]


@dataclass(frozen=True)
class ClientTls:
    """How this process reaches a hub served with TLS: the certificates folder
    (`yrdhub certs`), and which identity each address expects by default (a
    province's exchange: that province's systems; the registry: a regulator)."""

    folder: Path
    identities: Mapping[str, Identity]
    fallback: Identity = field(default_factory=lambda: Identity(Role.REGULATOR, Province.SH))


_tls: ClientTls | None = None


def use_tls(tls: ClientTls | None) -> None:
    """Channels from now on use `tls` (None: plaintext, for a hub run with
    --insecure-plaintext)."""
    global _tls
    _tls = tls


def default_identity(address: str) -> Identity | None:
    if _tls is None:
        return None
    return _tls.identities.get(address, _tls.fallback)


def channel(address: str, as_: Identity | None = None, *, retry: bool = True) -> grpc.Channel:
    """A channel to a hub service, presenting `as_` (by default the identity
    the address expects) when the hub serves TLS. `retry=False`: one try per
    call, for tools that report a service down rather than wait for it."""
    options = CHANNEL_OPTIONS if retry else [*CHANNEL_OPTIONS[:2], ("grpc.enable_retries", 0)]
    if _tls is None:
        return grpc.insecure_channel(address, options=options)
    who = as_ or default_identity(address)
    files = None if who is None else TlsFiles(_tls.folder, file_stem(who))
    return grpc.secure_channel(
        address, channel_credentials(files, ca=_tls.folder / "ca.pem"), options=options
    )


def aio_channel(address: str, as_: Identity | None = None) -> grpc.aio.Channel:
    """channel() for asyncio clients."""
    if _tls is None:
        return grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)
    who = as_ or default_identity(address)
    files = None if who is None else TlsFiles(_tls.folder, file_stem(who))
    return grpc.aio.secure_channel(
        address, channel_credentials(files, ca=_tls.folder / "ca.pem"), options=CHANNEL_OPTIONS
    )


def exchange_stub(address: str, as_: Identity | None = None) -> Any:
    return exchange_pb2_grpc.ExchangeServiceStub(channel(address, as_))


def registry_stub(address: str, as_: Identity | None = None) -> Any:
    return registry_pb2_grpc.RegistryServiceStub(channel(address, as_))


def label_stub(address: str, as_: Identity | None = None) -> Any:
    return labels_pb2_grpc.LabelServiceStub(channel(address, as_))


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


class ChangeSubscription:
    """A WatchChanges stream read on a background thread, so a caller can wait
    for the next changes with a timeout and disconnect at any moment.

    Returns once the registry confirmed the subscription (its first, empty
    message), so nothing published afterwards can be missed, even from_latest.
    """

    def __init__(
        self, registry: Any, request: registry_pb2.WatchChangesRequest, timeout: float = 30.0
    ) -> None:
        self._call = registry.WatchChanges(request)
        self._changes: queue.Queue[registry_pb2.ChangeEvent | None] = queue.Queue()
        self._live = threading.Event()
        self.start_cursor = 0
        self.last_cursor = request.after_cursor
        self._thread = threading.Thread(target=self._read, name="watch-changes", daemon=True)
        self._thread.start()
        if not self._live.wait(timeout):
            self._call.cancel()
            raise TimeoutError("the registry did not confirm the subscription")

    def _read(self) -> None:
        try:
            for response in self._call:
                if not self._live.is_set():
                    self.start_cursor = response.resume_cursor
                    self._live.set()
                for change in response.changes:
                    self._changes.put(change)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.CANCELLED:
                raise
        finally:
            self._live.set()
            self._changes.put(None)

    def take(self, count: int, timeout: float = 30.0) -> list[registry_pb2.ChangeEvent]:
        """The next `count` changes; TimeoutError if they do not all come in time."""
        deadline = time.monotonic() + timeout
        taken: list[registry_pb2.ChangeEvent] = []
        while len(taken) < count:
            try:
                change = self._changes.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"got {len(taken)} of {count} changes") from None
            if change is None:
                raise ConnectionError(f"the stream ended after {len(taken)} of {count} changes")
            self.last_cursor = change.cursor
            taken.append(change)
        return taken

    def wait_for(
        self, predicate: Callable[[registry_pb2.ChangeEvent], bool], timeout: float = 30.0
    ) -> registry_pb2.ChangeEvent:
        """Skips changes until one satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        while True:
            [change] = self.take(1, max(0.0, deadline - time.monotonic()))
            if predicate(change):
                return change

    def cancel(self) -> None:
        """Disconnects; the server stops streaming."""
        self._call.cancel()
        self._thread.join(5)
