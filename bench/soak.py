"""`yrdhub bench --soak MINUTES`: the hub under a steady mixed load for a long
time, with zero errors and flat memory in every process.

The hub runs as `yrdhub up` runs it (TLS, signed events, one Kafka broker),
holding a realistic data set. Four kinds of work are measured alone first,
each at full speed for a few seconds, in the same run: the provinces' systems
publishing new revisions of their records, single certificate checks, team
draws (each cancelled again, so the pool stays as it was), and change streams
(one subscriber per province, which only listen). The soak then runs them all
at once, each paced (aiolimiter) at its share of half the mixed maximum: the
mix saturates when the shares of their solo maxima add up to one, so at load
0.5 each of the three paced kinds gets 0.5 / 3 of its own maximum.

Every process's memory is sampled throughout (VmRSS, and RssAnon: the
process's own memory without mapped files such as SQLite's pages, which the
kernel shares and can take back); memory is flat when a process's own memory
at the end is within 10% (plus 5 MB) of what it was at the middle, once
caches have filled. The change streams must deliver (nearly) one change per
published revision, and afterwards the registry must have applied every
acknowledged event. The figures go to JSON, the samples to a PNG.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from aiolimiter import AsyncLimiter

from bench.measures import CHECK_METHOD, check_payloads, publish_concurrently
from bench.memory import private_mb, rss_mb
from devtools.datagen import generate
from services.common.convert import PROVINCE_TO_PB
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.core.team_requests import supervising_province
from services.hub import client
from services.hub.kafka_broker import KafkaBroker
from services.hub.supervisor import Hub, HubConfig
from yrdhub.v1 import (
    assessor_pool_pb2,
    assessor_pool_pb2_grpc,
    exchange_pb2,
    exchange_pb2_grpc,
    records_pb2,
    registry_pb2,
    registry_pb2_grpc,
)

Log = Callable[[str], None]
PACED = ("publish", "check", "draw")
# Private memory may grow this much from the middle of the run to its end.
FLAT_RATIO, FLAT_SLACK_MB = 1.10, 5.0
# Every published revision is one change on its province's stream; the streams
# keep up when they deliver (nearly) as many changes as were published.
KEPT_UP_SHARE = 0.95


@dataclass(frozen=True)
class SoakSettings:
    minutes: float
    load: float = 0.5
    db_url_for: Callable[[str], str] | None = None
    institutions: int = 200  # per province, for the data set the load works on
    probe_s: float = 8.0
    sample_s: float = 5.0


def _identity(data: bytes) -> bytes:
    return data


def _stub(factory: Any, channel: grpc.aio.Channel) -> Any:
    """A generated stub (untyped) on an asyncio channel."""
    return factory(channel)


class Revisions:
    """New revisions of each province's qualifications: the address carries a
    counter, so every one is a real change."""

    def __init__(self, records: dict[Province, list[records_pb2.Record]]) -> None:
        self._bases = {
            p: [r for r in rs if r.WhichOneof("body") == "qualification"]
            for p, rs in records.items()
        }
        self._next: Counter[Province] = Counter()

    def batch(self, province: Province, size: int) -> list[records_pb2.Record]:
        bases = self._bases[province]
        out = []
        for _ in range(size):
            n = self._next[province]
            self._next[province] += 1
            record = records_pb2.Record()
            record.CopyFrom(bases[n % len(bases)])
            record.qualification.address += f"（变更{n // len(bases) + 1}）"
            out.append(record)
        return out


class MixedLoad:
    """The four kinds of work, each on asyncio tasks, counting what succeeds
    and every error by kind and status code."""

    def __init__(self, hub: Hub, records: dict[Province, list[records_pb2.Record]]) -> None:
        self.done: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.first_errors: list[str] = []
        self._hub = hub
        self._revisions = Revisions(records)
        self._checks = check_payloads(records, 5000)
        # Each laboratory's review asked by the province supervising it (its
        # CMA's issuer), not the one that published the copy: a neighbour may
        # publish a copy, and may not ask for its team.
        self._targets = [
            (supervising_province(r.qualification.issuer, p), r.qualification)
            for p, rs in records.items()
            for r in rs
            if r.WhichOneof("body") == "qualification"
        ]
        self._rng = random.Random(5)

    async def _guard(self, kind: str, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except grpc.aio.AioRpcError as exc:
            self.errors[f"{kind}: {exc.code().name}"] += 1
            if len(self.first_errors) < 10:
                self.first_errors.append(f"{kind}: {exc.code().name}: {exc.details()}")
            return None

    async def publish(self, limiter: AsyncLimiter | None, until: float) -> None:
        async def province_worker(province: Province) -> None:
            address = self._hub.exchanges[province].address
            async with client.aio_channel(address) as channel:
                stub = _stub(exchange_pb2_grpc.ExchangeServiceStub, channel)
                size = 50 if limiter is None else max(1, min(50, int(limiter.max_rate)))
                while time.monotonic() < until:
                    if limiter is not None:
                        await limiter.acquire(size)
                    request = exchange_pb2.PublishRecordsRequest(
                        records=self._revisions.batch(province, size)
                    )
                    if await self._guard("publish", stub.PublishRecords(request, timeout=30)):
                        self.done["publish"] += size

        await asyncio.gather(*(province_worker(p) for p in self._hub.exchanges))

    async def check(self, limiter: AsyncLimiter | None, until: float, workers: int = 16) -> None:
        async with client.aio_channel(self._hub.registry.address) as channel:
            call = channel.unary_unary(
                CHECK_METHOD, request_serializer=_identity, response_deserializer=_identity
            )

            async def worker(i: int) -> None:
                while time.monotonic() < until:
                    if limiter is not None:
                        await limiter.acquire()
                    payload = self._checks[(self.done["check"] + i) % len(self._checks)]
                    if await self._guard("check", call(payload, timeout=10)) is not None:
                        self.done["check"] += 1

            await asyncio.gather(*(worker(i) for i in range(workers)))

    async def draw(self, limiter: AsyncLimiter | None, until: float) -> None:
        """Regulators of a lab's province draw a review team for it and cancel
        the team's assignments again."""
        channels = {
            p: client.aio_channel(self._hub.registry.address, Identity(Role.REGULATOR, p))
            for p in self._hub.exchanges
        }
        try:
            stubs = {
                p: _stub(assessor_pool_pb2_grpc.AssessorPoolServiceStub, c)
                for p, c in channels.items()
            }
            while time.monotonic() < until:
                if limiter is not None:
                    await limiter.acquire()
                province, lab = self._rng.choice(self._targets)
                start = dt.date.today() + dt.timedelta(days=self._rng.randrange(30, 400))
                spec = assessor_pool_pb2.TeamSpec(
                    institution_uscc=lab.institution_uscc,
                    institution_province=PROVINCE_TO_PB[province],
                    fields=[lab.number[4:6]],
                    start_date=start.isoformat(),
                    end_date=(start + dt.timedelta(days=2)).isoformat(),
                )
                pool = stubs[province]
                reply = await self._guard(
                    "draw",
                    pool.RequestTeam(assessor_pool_pb2.RequestTeamRequest(spec=spec), timeout=10),
                )
                if reply is None:
                    continue
                for member in reply.draw.team:
                    cancel = assessor_pool_pb2.CancelAssignmentRequest(
                        assignment_id=member.assignment_id, reason="soak: cancelled again"
                    )
                    await self._guard("draw", pool.CancelAssignment(cancel, timeout=10))
                self.done["draw"] += 1
        finally:
            for channel in channels.values():
                await channel.close()

    async def watch(self, until: float) -> None:
        async def subscriber(province: Province) -> None:
            async with client.aio_channel(self._hub.registry.address) as channel:
                stub = _stub(registry_pb2_grpc.RegistryServiceStub, channel)
                request = registry_pb2.WatchChangesRequest(
                    publishing_provinces=[PROVINCE_TO_PB[province]], from_latest=True
                )
                stream = stub.WatchChanges(request, timeout=max(1.0, until - time.monotonic()))
                try:
                    async for reply in stream:
                        self.done["change"] += len(reply.changes)
                except grpc.aio.AioRpcError as exc:
                    if exc.code() != grpc.StatusCode.DEADLINE_EXCEEDED:  # the soak's end
                        self.errors[f"change stream: {exc.code().name}"] += 1

        await asyncio.gather(*(subscriber(p) for p in self._hub.exchanges))


def _processes(hub: Hub, broker: KafkaBroker) -> dict[str, int]:
    found = {s.name: s.pid for s in [hub.registry, *hub.exchanges.values()]}
    found["kafka"] = broker.pid
    return {name: pid for name, pid in found.items() if pid is not None}


async def _sample(
    pids: dict[str, int], every: float, until: float, started: float
) -> list[dict[str, Any]]:
    samples = []
    while True:
        t = time.monotonic() - started
        for name, pid in pids.items():
            samples.append({"t": t, "process": name, "rss": rss_mb(pid), "own": private_mb(pid)})
        if time.monotonic() + every > until:
            return samples
        await asyncio.sleep(every)


async def _probe(load: MixedLoad, seconds: float) -> dict[str, float]:
    """Each paced kind alone, at full speed: its maximum (per second)."""
    rates = {}
    for kind in PACED:
        before = load.done[kind]
        started = time.monotonic()
        await getattr(load, kind)(None, started + seconds)
        rates[kind] = (load.done[kind] - before) / (time.monotonic() - started)
    return rates


async def _soak(
    load: MixedLoad, maxima: dict[str, float], settings: SoakSettings, pids: dict[str, int]
) -> list[dict[str, Any]]:
    share = settings.load / len(PACED)
    limiters = {k: AsyncLimiter(max(1.0, maxima[k] * share), 1) for k in PACED}
    started = time.monotonic()
    until = started + settings.minutes * 60
    sampling = asyncio.create_task(_sample(pids, settings.sample_s, until, started))
    await asyncio.gather(*(getattr(load, k)(limiters[k], until) for k in PACED), load.watch(until))
    return await sampling


def run_soak(settings: SoakSettings, log: Log) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="yrdhub-soak-") as tmp:
        root = Path(tmp)
        broker = KafkaBroker(root / "kafka")
        broker.start()
        try:
            names = ["registry", *(f"exchange-{p.value.lower()}" for p in Province)]
            urls = {} if settings.db_url_for is None else {n: settings.db_url_for(n) for n in names}
            hub = Hub(HubConfig(workdir=root / "hub", kafka=broker.bootstrap, db_urls=urls), log)
            with hub.running():
                return _run(hub, broker, settings, log)
        finally:
            broker.stop()


def _run(hub: Hub, broker: KafkaBroker, settings: SoakSettings, log: Log) -> dict[str, Any]:
    data = generate(settings.institutions, seed=9, invalid_ratio=0.0)
    log(f"publishing the data set ({data.total():,} records)")
    publish_concurrently(hub, data.by_province)
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=300)
    load = MixedLoad(hub, data.by_province)
    log(f"measuring each kind alone for {settings.probe_s:.0f} s")
    maxima = asyncio.run(_probe(load, settings.probe_s))
    log("maxima per second: " + ", ".join(f"{k} {v:,.1f}" for k, v in maxima.items()))
    probe_errors = dict(load.errors)
    load.done.clear()
    load.errors.clear()
    log(f"soak: {settings.minutes:g} min at {settings.load:g} of the mixed maximum")
    pids = _processes(hub, broker)
    started = time.monotonic()
    samples = asyncio.run(_soak(load, maxima, settings, pids))
    elapsed = time.monotonic() - started
    caught_up = True
    try:
        client.wait_until_applied(registry, client.published_counts(exchanges), timeout=300)
    except TimeoutError:
        caught_up = False
    memory = memory_summary(samples)
    streamed = load.done["change"] / max(1, load.done["publish"])
    return {
        "minutes": settings.minutes,
        "load": settings.load,
        "maxima_per_s": maxima,
        "rates_per_s": {k: n / elapsed for k, n in load.done.items()},
        "calls": dict(load.done),
        "errors": dict(load.errors),
        "probe_errors": probe_errors,
        "first_errors": load.first_errors,
        "caught_up": caught_up,
        "streamed_share": streamed,
        "streams_kept_up": streamed >= KEPT_UP_SHARE,
        "memory_mb": memory,
        "flat": all(m["flat"] for m in memory.values()),
        "samples": samples,
    }


def memory_summary(samples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per process: VmRSS and own memory at the start, middle and end; flat or not."""
    out = {}
    for name in dict.fromkeys(s["process"] for s in samples):
        mine = [s for s in samples if s["process"] == name]
        start, middle, end = mine[0], mine[len(mine) // 2], mine[-1]
        out[name] = {
            "rss": [round(s["rss"], 1) for s in (start, middle, end)],
            "own": [round(s["own"], 1) for s in (start, middle, end)],
            "flat": end["own"] <= middle["own"] * FLAT_RATIO + FLAT_SLACK_MB,
        }
    return out


def soak_ok(results: dict[str, Any]) -> bool:
    return bool(
        not results["errors"]
        and results["flat"]
        and results["caught_up"]
        and results["streams_kept_up"]
        and all(results["calls"].get(k, 0) > 0 for k in (*PACED, "change"))
    )


def write_chart(samples: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for name in dict.fromkeys(s["process"] for s in samples):
        mine = [s for s in samples if s["process"] == name]
        minutes = [s["t"] / 60 for s in mine]
        (line,) = ax.plot(minutes, [s["rss"] for s in mine], label=f"{name} RSS")
        ax.plot(minutes, [s["own"] for s in mine], linestyle="--", color=line.get_color())
    ax.set_xlabel("minutes into the soak")
    ax.set_ylabel("MB (solid: VmRSS, dashed: own memory, RssAnon)")
    ax.set_title("yrdhub bench --soak: memory of every process")
    ax.legend(fontsize="small", ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
