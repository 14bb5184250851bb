"""Prometheus metrics: what a service exposes on `--metrics-listen`.

Each service process has one ServiceMetrics, built by its composition root:
every gRPC method's calls by status code and their latency (GrpcServer wraps
each handler once, as it does for domain errors), how its feeds and relays
fare (read from their WorkState at scrape time), and what the service adds:
counters its code increments and collectors that read its stores when
scraped. Names follow Prometheus conventions (`yrdhub_` prefix, base units,
`_total` counters).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.common import handlers
from services.common.worker import WorkState

# Latency buckets in seconds: a label check takes well under a millisecond
# in process, a publish batch up to seconds.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    def __init__(self) -> None:
        # A registry of its own: tests run several services in one process.
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "yrdhub_grpc_requests",
            "gRPC calls handled, by method and status code",
            ["method", "code"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "yrdhub_grpc_request_seconds",
            "gRPC call duration, by method (server streams: until they end)",
            ["method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        """A counter the service's own code increments (`_total` is added)."""
        return Counter(name, documentation, list(labels), registry=self.registry)

    def add(self, collector: Collector) -> None:
        """A collector read at each scrape (e.g. a store's backlog)."""
        self.registry.register(collector)

    def serve(self, listen: str) -> int:
        """Serves /metrics on `listen` (host:port; port 0 picks one) on a
        thread of its own; returns the bound port."""
        host, _, port = listen.rpartition(":")
        server, _ = start_http_server(int(port), addr=host or "127.0.0.1", registry=self.registry)
        return int(server.server_port)

    def observed(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        """The handler, counting each call by the status it ends with and
        timing it. Applied once per method when a service registers."""
        latency = self._latency.labels(method)
        requests = self._requests
        ok = requests.labels(method, "OK")

        def ended(context: grpc.aio.ServicerContext[Any, Any], start: float) -> None:
            latency.observe(time.perf_counter() - start)
            code = _code_name(context)
            (ok if code == "OK" else requests.labels(method, code)).inc()

        if handler.unary_unary is not None:
            unary = handler.unary_unary

            async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                start = time.perf_counter()
                try:
                    return await unary(request, context)
                finally:
                    ended(context, start)

            return handlers.unary(handler, call)
        if handler.unary_stream is not None:
            stream = handler.unary_stream

            async def streamed(
                request: Any, context: grpc.aio.ServicerContext[Any, Any]
            ) -> AsyncIterator[Any]:
                start = time.perf_counter()
                try:
                    async for item in stream(request, context):
                        yield item
                finally:
                    ended(context, start)

            return handlers.unary_stream(handler, streamed)
        return handler


def _code_name(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    """The status a call ended with: the code an abort set, else OK; a call
    the client gave up on, CANCELLED."""
    if context.cancelled():
        return "CANCELLED"
    code = context.code()
    if code is None:
        return "OK"
    return str(code.name) if isinstance(code, grpc.StatusCode) else "UNKNOWN"


class WorkCollector(Collector):
    """How a service's feeds and relays fare, read from their WorkState."""

    def __init__(self, work: Callable[[], Iterable[WorkState]]) -> None:
        self._work = work

    def collect(self) -> Iterable[Metric]:
        failing = GaugeMetricFamily(
            "yrdhub_work_failing", "1 while a feed or relay retries a failing step", labels=["work"]
        )
        retries = CounterMetricFamily(
            "yrdhub_work_retries", "failed steps of a feed or relay, each retried", labels=["work"]
        )
        done = CounterMetricFamily(
            "yrdhub_work_items",
            "items a feed applied or a relay published (its rate: the apply rate)",
            labels=["work"],
        )
        lag = GaugeMetricFamily(
            "yrdhub_feed_lag_events",
            "events a feed's topics hold past what it applied, by partition",
            labels=["work", "topic", "partition"],
        )
        for state in self._work():
            failing.add_metric([state.name], 1.0 if state.retrying else 0.0)
            retries.add_metric([state.name], state.retries)
            done.add_metric([state.name], state.done)
            for topic, partition, behind in state.partition_lags:
                lag.add_metric([state.name, topic, str(partition)], behind)
        return [failing, retries, done, lag]


class ReadAtScrape(Collector):
    """Metrics a function builds at each scrape (e.g. from a store's counts)."""

    def __init__(self, read: Callable[[], Iterable[Metric]]) -> None:
        self._read = read

    def collect(self) -> Iterable[Metric]:
        return self._read()
