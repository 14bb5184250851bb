"""`yrdhub bench`: the hub's figures beside baselines measured in the same run.

Every run starts its own Kafka broker and hub in a temporary folder, so the
numbers do not depend on what else was left on the machine.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.baselines import raw_consume_rps, raw_produce_rps
from bench.echo import ECHO_METHOD
from bench.floor import storage_floor_rps
from bench.load import CallStats, drive_unary
from bench.memory import peak_rss_mb, private_mb
from bench.pool import bench_team_draw
from devtools.datagen import DataSet, generate
from services.common.convert import PROVINCE_TO_PB
from services.common.db import make_engine
from services.common.kafka_io import all_topics
from services.core.provinces import Province
from services.exchange.outbox import OutboxTables
from services.hub import client
from services.hub.kafka_broker import KafkaBroker
from services.hub.processes import ServiceProcess
from services.hub.supervisor import Hub, HubConfig
from yrdhub.v1 import common_pb2, labels_pb2, records_pb2, registry_pb2

KEYS = (
    "ingest_rps",
    "ingest_ratio",
    "apply_rps",
    "apply_ratio",
    "apply_floor_rps",
    "apply_floor_ratio",
    "check_rps",
    "check_ratio",
    "check_p99_ms",
    "batch_check_lps",
    "propagation_p99_ms",
    "rss_mb",
    "team_draw_p99_ms",
)
TARGETS = {
    "ingest_ratio": (">=", 0.5),
    "apply_ratio": (">=", 0.5),
    "check_ratio": (">=", 0.7),
    "batch_check_lps": (">=", 100_000),
    "propagation_p99_ms": ("<", 1000),
    "team_draw_p99_ms": ("<", 20),
}
CHECK_METHOD = "/yrdhub.v1.RegistryService/CheckCertificate"

Log = Callable[[str], None]


@dataclass
class BenchSettings:
    quick: bool = False
    db_url_for: Callable[[str], str] | None = None  # None: SQLite files in the run's folder
    institutions: int = 0  # per province; 0 picks by --quick
    check_calls: int = 0
    propagation_samples: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.institutions = self.institutions or (1200 if self.quick else 6000)
        # Calls to each side of the check comparison (the registry, the echo
        # server), 2,000 a round. Rounds differ by a quarter here: 25 pairs
        # of rounds put the median's error near 0.02 (about 35 s in all).
        self.check_calls = self.check_calls or (100_000 if self.quick else 200_000)
        self.propagation_samples = self.propagation_samples or (40 if self.quick else 200)


def _valid(data: DataSet) -> dict[Province, list[records_pb2.Record]]:
    return {
        p: [r for i, r in enumerate(rs) if i not in data.invalid_indexes.get(p, set())]
        for p, rs in data.by_province.items()
    }


def publish_concurrently(hub: Hub, records: dict[Province, list[records_pb2.Record]]) -> None:
    """One client thread per province, batches of 1,000, four calls in flight each."""
    errors: list[BaseException] = []

    def run(p: Province) -> None:
        try:
            client.publish_all(client.exchange_stub(hub.exchanges[p].address), records[p])
        except BaseException as exc:  # surfaced after join
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in records]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def measure_ingest(
    hub: Hub, records: dict[Province, list[records_pb2.Record]]
) -> tuple[float, int]:
    """Records/s from the first gRPC call until the registry serves every record."""
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    before = client.applied_counts(registry)
    started = time.perf_counter()
    publish_concurrently(hub, records)
    expected = client.published_counts(exchanges)
    client.wait_until_applied(registry, expected, timeout=3600, interval=0.02)
    elapsed = time.perf_counter() - started
    moved = sum(expected.values()) - sum(before.values())
    return moved / elapsed, moved


def outbox_payloads(hub: Hub) -> list[tuple[bytes, bytes]]:
    """The serialized events the exchanges sent, straight from their outboxes."""
    import services.exchange.outbox  # noqa: F401  (registers the outbox table)

    outbox = OutboxTables.metadata.tables["outbox"]
    found: list[tuple[bytes, bytes]] = []
    for p in hub.exchanges:
        engine = make_engine(hub.config.db_url(f"exchange-{p.value.lower()}"))
        with engine.connect() as conn:
            found.extend(
                (key.encode(), payload)
                for key, payload in conn.execute(select(outbox.c.record_key, outbox.c.payload))
            )
        engine.dispose()
    return found


def measure_apply(hub: Hub, workdir: Path, db_url: str, expected: int) -> float:
    """A fresh registry replays the filled topics: events/s from ready to caught up."""
    replica = ServiceProcess(
        "registry-replay",
        "services.registry",
        ["--db", db_url, "--topic-prefix", hub.config.topic_prefix, "--listen", "127.0.0.1:0"],
        workdir,
    )
    replica.start(["--kafka", hub.kafka])
    try:
        replica.wait_ready()
        stub = client.registry_stub(replica.address)
        # The replica may have applied some events before it served: count only
        # what it applies from here on, over the time it takes.
        started = time.perf_counter()
        applied_at_start = sum(client.applied_counts(stub).values())
        while True:
            applied = sum(client.applied_counts(stub).values())
            if applied >= expected:
                break
            if time.perf_counter() - started > 3600:
                raise TimeoutError(f"replay applied {applied} of {expected}")
            time.sleep(0.1)  # the status call counts rows: not too often
        return (expected - applied_at_start) / (time.perf_counter() - started)
    finally:
        replica.stop()


def check_payloads(records: dict[Province, list[records_pb2.Record]], n: int) -> list[bytes]:
    codes = [
        r.green_cert.label_code if r.WhichOneof("body") == "green_cert" else r.qualification.number
        for rs in records.values()
        for r in rs
        if r.WhichOneof("body") in ("green_cert", "qualification")
    ]
    rng = random.Random(7)
    return [
        registry_pb2.CheckCertificateRequest(code=rng.choice(codes)).SerializeToString()
        for _ in range(n)
    ]


@dataclass(frozen=True)
class CheckComparison:
    """The registry's check and the echo server, round by round; in every other
    round the registry goes first."""

    hub_rounds: list[CallStats]
    echo_rounds: list[CallStats]

    @property
    def hub(self) -> CallStats:
        return CallStats.combined(self.hub_rounds)

    @property
    def echo(self) -> CallStats:
        return CallStats.combined(self.echo_rounds)

    @property
    def pair_ratios(self) -> list[float]:
        """Hub rate over echo rate in each two rounds, one in each order: a
        server that has just been busy answers faster than one that has
        waited a round, which a pair cancels."""
        return [
            CallStats.combined(self.hub_rounds[i : i + 2]).rps
            / CallStats.combined(self.echo_rounds[i : i + 2]).rps
            for i in range(0, min(len(self.hub_rounds), len(self.echo_rounds)) - 1, 2)
        ]

    @property
    def ratio(self) -> float:
        """The median of the pairs' ratios: each pair measures the two sides
        back to back, and a busy moment of a shared machine spoils a pair or
        two, not the figure."""
        return statistics.median(self.pair_ratios)


def measure_checks(
    hub: Hub, workdir: Path, payloads: list[bytes], calls: int, round_calls: int = 2000
) -> CheckComparison:
    """The registry's check beside a plain echo server, same client, same load.

    The two alternate in rounds of `round_calls` each (`calls` per side in
    all, in whole pairs of rounds), each side going first in every other
    round, so that what else the machine is doing weighs on both sides alike.
    The ratio is the median of the pairs' ratios: pooled over all calls, one
    busy moment of a shared machine moved it by a tenth from one run to the
    next.
    """
    echo = ServiceProcess("echo", "bench.echo", [], workdir)
    echo.start()
    try:
        echo.wait_ready()
        rounds = max(2, calls // round_calls // 2 * 2)
        base: list[CallStats] = []
        hub_stats: list[CallStats] = []
        for n in range(rounds):
            sides = [
                (base, echo.address, ECHO_METHOD),
                (hub_stats, hub.registry.address, CHECK_METHOD),
            ]
            for stats, address, method in sides if n % 2 == 0 else sides[::-1]:
                stats.append(drive_unary(address, method, payloads, calls=round_calls))
        return CheckComparison(hub_stats, base)
    finally:
        echo.stop()


def measure_batch_checks(
    hub: Hub, records: dict[Province, list[records_pb2.Record]], calls: int
) -> float:
    labels = [
        r.green_cert.label_code
        for rs in records.values()
        for r in rs
        if r.WhichOneof("body") == "green_cert"
    ]
    rng = random.Random(11)
    # A few unknown codes too, as a platform's listings would have.
    requests = [
        labels_pb2.CheckLabelsRequest(
            codes=[
                rng.choice(labels) if rng.random() < 0.95 else f"GP{rng.randrange(10**14):014d}"
                for _ in range(1000)
            ]
        ).SerializeToString()
        for _ in range(min(calls, 20))
    ]
    stats = drive_unary(
        hub.registry.address,
        "/yrdhub.v1.LabelService/CheckLabels",
        requests,
        calls=calls,
        concurrency=2,
    )
    return stats.calls * 1000 / stats.seconds


def _is_change_of(record_key: str) -> Callable[[Any], bool]:
    return lambda change: bool(change.record.record_key == record_key)


def measure_propagation(
    hub: Hub, records: dict[Province, list[records_pb2.Record]], samples: int
) -> tuple[list[float], list[float]]:
    """A status change published in Zhejiang until (a) the registry serves it to a
    single check and (b) a subscriber watching the change stream receives it."""
    certs = [r for r in records[Province.ZJ] if r.WhichOneof("body") == "green_cert"][:samples]
    exchange = client.exchange_stub(hub.exchanges[Province.ZJ].address)
    registry = client.registry_stub(hub.registry.address)
    watcher = client.ChangeSubscription(
        client.registry_stub(hub.registry.address),
        registry_pb2.WatchChangesRequest(
            provinces=[PROVINCE_TO_PB[Province.ZJ]],
            kinds=[common_pb2.RECORD_KIND_GREEN_CERT],
            from_latest=True,
        ),
    )
    served: list[float] = []
    streamed: list[float] = []
    try:
        for n, cert in enumerate(certs):
            changed = records_pb2.Record()
            changed.CopyFrom(cert)
            # A real change whatever the certificate's status was (identical content
            # would be acknowledged as unchanged and never travel).
            suspended = cert.green_cert.status.canonical == common_pb2.CERTIFICATE_STATUS_SUSPENDED
            changed.green_cert.status.canonical = (
                common_pb2.CERTIFICATE_STATUS_VALID
                if suspended
                else common_pb2.CERTIFICATE_STATUS_SUSPENDED
            )
            changed.green_cert.status.original = "有效" if suspended else "暂停"
            request = registry_pb2.CheckCertificateRequest(code=cert.green_cert.label_code)
            started = time.perf_counter()
            [result] = client.publish_all(exchange, [changed])
            # Alternate samples time one path each, so neither waits on the other.
            if n % 2 == 0:
                watcher.wait_for(_is_change_of(result.record_key), timeout=30)
                streamed.append((time.perf_counter() - started) * 1000)
                continue
            while not any(m.record == changed for m in registry.CheckCertificate(request).matches):
                if time.perf_counter() - started > 30:
                    raise TimeoutError("a status change did not reach the registry in 30s")
                time.sleep(0.001)
            served.append((time.perf_counter() - started) * 1000)
    finally:
        watcher.cancel()
    return served, streamed


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def run_bench(settings: BenchSettings, log: Log) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="yrdhub-bench-") as tmp:
        root = Path(tmp)
        broker = KafkaBroker(root / "kafka")
        log("starting Kafka")
        broker.start()
        try:
            db_url_for = settings.db_url_for or (lambda name: f"sqlite:///{root / (name + '.db')}")
            config = HubConfig(
                workdir=root / "hub",
                kafka=broker.bootstrap,
                topic_prefix="bench.",
                db_urls={
                    name: db_url_for(name)
                    for name in ["registry", *(f"exchange-{p.value.lower()}" for p in Province)]
                },
            )
            log(f"generating {settings.institutions:,} institutions per province")
            data = generate(settings.institutions, seed=2026, invalid_ratio=0.0)
            records = _valid(data)
            with Hub(config, progress=log).running() as hub:
                log(
                    f"ingest: {sum(len(r) for r in records.values()):,} records through 4 exchanges"
                )
                ingest_rps, moved = measure_ingest(hub, records)
                log("baseline: raw kafka-python producer, same events")
                produce_rps = raw_produce_rps(
                    broker.bootstrap, "bench.raw-produce.v1", outbox_payloads(hub)
                )
                results["ingest_rps"] = ingest_rps
                results["ingest_ratio"] = ingest_rps / produce_rps
                results["baseline_produce_rps"] = produce_rps
                results["records"] = moved

                log("apply: a fresh registry replays the topics")
                apply_rps = measure_apply(hub, root, db_url_for("registry-replay"), moved)
                log("baseline: raw kafka-python consumer, same topics")
                consume_rps = raw_consume_rps(broker.bootstrap, all_topics("bench."), moved)
                results["apply_rps"] = apply_rps
                results["apply_ratio"] = apply_rps / consume_rps
                results["baseline_consume_rps"] = consume_rps
                log("storage floor: the registry's rows written alone")
                floor_rps = storage_floor_rps(
                    db_url_for("registry-replay"), db_url_for("registry-floor")
                )
                results["apply_floor_rps"] = floor_rps
                results["apply_floor_ratio"] = floor_rps / consume_rps

                log(f"checks: {settings.check_calls:,} single checks, and an echo server")
                payloads = check_payloads(records, 2000)
                checks = measure_checks(hub, root, payloads, settings.check_calls)
                results["check_rps"] = checks.hub.rps
                results["check_ratio"] = checks.ratio
                results["check_ratio_pairs"] = [round(r, 3) for r in checks.pair_ratios]
                results["check_ratio_pooled"] = checks.hub.rps / checks.echo.rps
                results["check_p50_ms"] = checks.hub.percentile(50)
                results["check_p99_ms"] = checks.hub.percentile(99)
                results["baseline_echo_rps"] = checks.echo.rps

                log("batch checks: 1,000 labels per call")
                results["batch_check_lps"] = measure_batch_checks(
                    hub, records, 100 if settings.quick else 300
                )

                log(f"propagation: {settings.propagation_samples} status changes")
                try:
                    served, streamed = measure_propagation(
                        hub, records, settings.propagation_samples
                    )
                except Exception:
                    log(f"registry log:\n{hub.registry.log_tail(60)}")
                    raise
                # The figure is the slower path: until a subscriber in another
                # province receives the change on its stream.
                results["propagation_p99_ms"] = max(_p99(served), _p99(streamed))
                results["propagation_served_p99_ms"] = _p99(served)
                results["propagation_stream_p50_ms"] = sorted(streamed)[len(streamed) // 2]
                results["propagation_stream_p99_ms"] = _p99(streamed)

                exchange_rss = max(peak_rss_mb(s.pid) for s in hub.exchanges.values() if s.pid)
                registry_rss = peak_rss_mb(hub.registry.pid) if hub.registry.pid else 0.0
                results["rss_mb"] = {"exchange": exchange_rss, "registry": registry_rss}
                results["private_mb"] = {
                    "exchange": max(private_mb(s.pid) for s in hub.exchanges.values() if s.pid),
                    "registry": private_mb(hub.registry.pid) if hub.registry.pid else 0.0,
                }
        finally:
            broker.stop()
    log("team draws: 10,000 assessors, 1,000 requests")
    draws = bench_team_draw(10_000, 1_000)
    results["team_draw_p99_ms"] = draws["team_draw_p99_ms"]
    results["team_draw"] = draws
    return results


def write_json(results: dict[str, Any], path: Path) -> None:
    missing = [k for k in KEYS if k not in results]
    if missing:
        raise RuntimeError(f"benchmark did not produce {missing}")
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def target_verdicts(results: dict[str, Any]) -> dict[str, bool]:
    verdicts = {}
    for key, (op, bound) in TARGETS.items():
        value = float(results[key])
        verdicts[key] = value >= bound if op == ">=" else value < bound
    return verdicts
