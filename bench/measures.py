"""The hub's figures, each measured against a running hub beside what it is compared with.

Every function takes a hub that is up (bench.run starts one per run) and the
records it was fed.
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select

from bench.echo import ECHO_METHOD, SIZED_METHOD, sized_request
from bench.load import CallStats, answers, drive_unary
from bench.memory import cpu_seconds, peak_rss_mb
from services.common.convert import PROVINCE_TO_PB
from services.common.db import make_engine
from services.core.provinces import Province
from services.exchange.outbox_tables import OutboxTables
from services.hub import client
from services.hub.processes import ServiceProcess
from services.hub.supervisor import Hub
from yrdhub.v1 import common_pb2, labels_pb2, records_pb2, registry_pb2

CHECK_METHOD = "/yrdhub.v1.RegistryService/CheckCertificate"


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


@dataclass(frozen=True)
class Ingested:
    records: int
    answered_s: float  # from the first call until the exchanges answered the last
    served_s: float  # from the first call until the registry serves every record
    # CPU seconds each part of the hub used meanwhile: "exchanges" (the four
    # together), "registry", "client" (the bench publishing), and the other
    # processes ingest() was given (the broker).
    cpu_s: dict[str, float] = field(default_factory=dict)

    def cpu_us_per_record(self) -> dict[str, float]:
        return {part: 1e6 * s / self.records for part, s in self.cpu_s.items()}

    @property
    def cores_busy(self) -> float:
        """CPU used per second of ingest, all parts together."""
        return sum(self.cpu_s.values()) / self.served_s

    @property
    def rps(self) -> float:
        return self.records / self.served_s

    @property
    def answered_rps(self) -> float:
        return self.records / self.answered_s

    @property
    def registry_tail(self) -> float:
        """The share of ingest's time the registry took after the exchanges
        were done: what it had still to apply, the other core idle."""
        return 1 - self.answered_s / self.served_s


# Reads the CPU seconds used so far by one or more parts of the hub, by part.
CpuAccount = Callable[[], dict[str, float]]


def processes_cpu(part: str, *pids: int | None) -> CpuAccount:
    """The CPU seconds the processes have used, together, as `part`."""
    running = [_running(part, pid) for pid in pids]
    return lambda: {part: sum(cpu_seconds(pid) for pid in running)}


def ingest(
    hub: Hub,
    records: dict[Province, list[records_pb2.Record]],
    others: Sequence[CpuAccount] = (),
) -> Ingested:
    """Publishes the records through the exchanges and waits until the
    registry serves every one; `others`: more parts whose CPU time to count
    (the broker, a database server)."""
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    before = client.applied_counts(registry)
    parts = [
        processes_cpu("exchanges", *(s.pid for s in hub.exchanges.values())),
        processes_cpu("registry", hub.registry.pid),
        processes_cpu("client", os.getpid()),
        *others,
    ]
    cpu_before = _cpu(parts)
    started = time.perf_counter()
    publish_concurrently(hub, records)
    answered = time.perf_counter() - started
    expected = client.published_counts(exchanges)
    client.wait_until_applied(registry, expected, timeout=3600, interval=0.02)
    served = time.perf_counter() - started
    cpu_after = _cpu(parts)
    return Ingested(
        sum(expected.values()) - sum(before.values()),
        answered,
        served,
        {part: cpu_after[part] - cpu_before[part] for part in cpu_after},
    )


def _running(part: str, pid: int | None) -> int:
    if pid is None:
        raise RuntimeError(f"no process to account the CPU of: {part}")
    return pid


def _cpu(accounts: Sequence[CpuAccount]) -> dict[str, float]:
    return {part: seconds for account in accounts for part, seconds in account().items()}


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
    """A fresh registry replays the filled topics: events/s from ready to
    caught up (Replayed.rate)."""
    return replay(hub, workdir, db_url, expected).rate


@dataclass(frozen=True)
class Replayed:
    # events/s from ready to caught up (from its launch, start-up included,
    # for a replica that caught up before it served)
    rate: float
    peak_rss_mb: float  # the replaying registry's


def replay(hub: Hub, workdir: Path, db_url: str, expected: int) -> Replayed:
    """A new registry on `db_url` reads the topics from offset zero until it
    has applied `expected` events."""
    replica = ServiceProcess(
        "registry-replay",
        "services.registry",
        [
            "--db",
            db_url,
            "--topic-prefix",
            hub.config.topic_prefix,
            "--listen",
            "127.0.0.1:0",
            *(["--insecure-plaintext"] if hub.tls_dir is None else ["--tls-dir", str(hub.tls_dir)]),
        ],
        workdir,
    )
    launched = time.perf_counter()
    replica.start(["--kafka", hub.kafka, *(["--kafka-tls"] if hub.kafka_tls else [])])
    try:
        replica.wait_ready()
        stub = client.registry_stub(replica.address)
        # The replica may have applied some events before it served: count only
        # what it applies from here on, over the time it takes.
        started = time.perf_counter()
        applied_at_start = sum(client.applied_counts(stub).values())
        applied = applied_at_start
        while applied < expected:
            if time.perf_counter() - started > 4 * 3600:
                raise TimeoutError(f"replay applied {applied} of {expected}")
            time.sleep(0.1 if expected < 1_000_000 else 1.0)  # the status call counts rows
            applied = sum(client.applied_counts(stub).values())
        if applied_at_start >= expected:
            # Every event applied before it served (a few hundred): the rate
            # from its launch, its start-up included, rather than none.
            rate = expected / (started - launched)
        else:
            rate = (expected - applied_at_start) / (time.perf_counter() - started)
        return Replayed(rate, peak_rss_mb(replica.pid or 0))
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


def _pair_ratios(top: list[CallStats], bottom: list[CallStats]) -> list[float]:
    """`top`'s rate over `bottom`'s in each two rounds, one in each order: a
    server that has just been busy answers faster than one that has waited a
    round, which a pair cancels."""
    return [
        CallStats.combined(top[i : i + 2]).rps / CallStats.combined(bottom[i : i + 2]).rps
        for i in range(0, min(len(top), len(bottom)) - 1, 2)
    ]


@dataclass(frozen=True)
class CheckComparison:
    """The registry's check and the echo server, round by round; in every other
    round the registry goes first. `floor_rounds`: a second echo server answering
    each check with as many bytes as the registry does, measured between the
    two in each round."""

    hub_rounds: list[CallStats]
    echo_rounds: list[CallStats]
    floor_rounds: list[CallStats] = field(default_factory=list)

    @property
    def hub(self) -> CallStats:
        return CallStats.combined(self.hub_rounds)

    @property
    def echo(self) -> CallStats:
        return CallStats.combined(self.echo_rounds)

    @property
    def floor(self) -> CallStats:
        return CallStats.combined(self.floor_rounds)

    @property
    def pair_ratios(self) -> list[float]:
        """Hub rate over echo rate in each pair of rounds."""
        return _pair_ratios(self.hub_rounds, self.echo_rounds)

    @property
    def ratio(self) -> float:
        """The median of the pairs' ratios: each pair measures the two sides
        back to back, and a busy moment of a shared machine spoils a pair or
        two, not the figure."""
        return statistics.median(self.pair_ratios)

    @property
    def floor_ratio(self) -> float:
        """The floor over the echo server (median of the pairs): what moving
        the answers' bytes costs, and the most `ratio` can be."""
        return statistics.median(_pair_ratios(self.floor_rounds, self.echo_rounds))

    @property
    def of_floor(self) -> float:
        """The check over its floor (median of the pairs): the share of a
        check's cost that is gRPC's own, with the answers it sends."""
        return statistics.median(_pair_ratios(self.hub_rounds, self.floor_rounds))


def measure_checks(
    hub: Hub, workdir: Path, payloads: list[bytes], calls: int, round_calls: int = 2000
) -> CheckComparison:
    """The registry's check beside a plain echo server, same client, same load,
    and beside a second echo server answering with the checks' answer sizes.

    The sides alternate in rounds of `round_calls` each (`calls` per side in
    all, in whole pairs of rounds), the registry and the echo going first in
    every other round, so that what else the machine is doing weighs on every
    side alike. Ratios are medians of the pairs' ratios: pooled over all
    calls, one busy moment of a shared machine moved the ratio by a tenth
    from one run to the next.
    """
    # The floor has an echo server of its own: each server then waits the
    # same two rounds between its own, as the registry does.
    echo, floor_echo = (
        ServiceProcess(
            name,
            "bench.echo",
            [] if hub.tls_dir is None else ["--tls-dir", str(hub.tls_dir)],
            workdir,
        )
        for name in ("echo", "echo-floor")
    )
    echo.start()
    floor_echo.start()
    try:
        echo.wait_ready()
        floor_echo.wait_ready()
        # The floor asks for the size of the registry's answer to the same check.
        sized = [
            sized_request(len(answer))
            for answer in answers(hub.registry.address, CHECK_METHOD, payloads)
        ]
        rounds = max(2, calls // round_calls // 2 * 2)
        base: list[CallStats] = []
        floor: list[CallStats] = []
        hub_stats: list[CallStats] = []
        for n in range(rounds):
            sides = [
                (base, echo.address, ECHO_METHOD, payloads),
                (floor, floor_echo.address, SIZED_METHOD, sized),
                (hub_stats, hub.registry.address, CHECK_METHOD, payloads),
            ]
            for stats, address, method, sent in sides if n % 2 == 0 else sides[::-1]:
                stats.append(drive_unary(address, method, sent, calls=round_calls))
        return CheckComparison(hub_stats, base, floor)
    finally:
        floor_echo.stop()
        echo.stop()


@dataclass(frozen=True)
class BatchChecks:
    """Labels per second, 1,000 a call: asked again before the registry's next
    commit (what it kept answers; listings of CATALOGUE_LABELS labels); each
    asked once after a commit (its rows read again, standings decided before
    kept); and each asked once since the registry started (nothing about them
    known yet)."""

    again_lps: float
    after_commit_lps: float
    cold_lps: float

    def figures(self) -> dict[str, float]:
        """The bench's keys for them (run and --scale alike)."""
        return {
            "batch_check_lps": self.again_lps,
            "batch_check_after_commit_lps": self.after_commit_lps,
            "batch_check_cold_lps": self.cold_lps,
        }


def measure_batch_checks(
    hub: Hub, records: dict[Province, list[records_pb2.Record]], calls: int
) -> BatchChecks:
    green = [r for rs in records.values() for r in rs if r.WhichOneof("body") == "green_cert"]
    labels = sorted({r.green_cert.label_code for r in green})
    if not labels:
        raise RuntimeError("no green certificate among the records: no label to check")
    rng = random.Random(11)
    rng.shuffle(labels)

    def unknown() -> str:
        return f"GP{rng.randrange(10**14):014d}"

    def request(codes: list[str]) -> bytes:
        return labels_pb2.CheckLabelsRequest(codes=codes).SerializeToString()

    # A few unknown codes too, as a platform's listings would have.
    def listing(known: list[str]) -> list[str]:
        return [c if rng.random() < 0.95 else unknown() for c in known]

    address, method = hub.registry.address, "/yrdhub.v1.LabelService/CheckLabels"

    def drive(payloads: list[bytes], calls: int, first: bool) -> float:
        """Seconds for `calls` calls; labels asked first are warmed up on
        codes nobody asks again."""
        warm = [request([unknown() for _ in range(1000)]) for _ in range(2)] if first else None
        stats = drive_unary(address, method, payloads, calls=calls, concurrency=2, warm_up=warm)
        return stats.seconds

    # Each label in one call only.
    chunks = [listing(labels[i : i + 1000]) for i in range(0, len(labels), 1000)][:20]
    once = [request(chunk) for chunk in chunks]
    sent = sum(len(c) for c in chunks)
    cold = sent / drive(once, len(once), first=True)
    # Listings drawn from one platform's catalogue, each asked many times.
    catalogue = labels[:CATALOGUE_LABELS]
    again = [request(listing([rng.choice(catalogue) for _ in range(1000)])) for _ in range(20)]
    kept = calls * 1000 / drive(again, calls, first=False)
    # Each label asked once after a commit, in rounds.
    seconds = 0.0
    for n in range(AFTER_COMMIT_ROUNDS):
        _commit_a_change(hub, records, n)
        seconds += drive(once, len(once), first=True)
    return BatchChecks(kept, AFTER_COMMIT_ROUNDS * sent / seconds, cold)


# Labels a platform re-checks: as many at every size, so that --scale's rows
# compare (drawn from all labels, 20 listings asked 4,100 distinct labels at
# 10k records and 17,100 at 1M).
CATALOGUE_LABELS = 4_000

# Rounds of a commit and each label asked once after it.
AFTER_COMMIT_ROUNDS = 3


# Certificates whose status may still change (revoked and cancelled are final).
_CHANGEABLE = (common_pb2.CERTIFICATE_STATUS_VALID, common_pb2.CERTIFICATE_STATUS_SUSPENDED)


def _changeable(records: list[records_pb2.Record]) -> list[records_pb2.Record]:
    return [
        r
        for r in records
        if r.WhichOneof("body") == "green_cert" and r.green_cert.status.canonical in _CHANGEABLE
    ]


def _status_changed(cert: records_pb2.Record) -> records_pb2.Record:
    """A green certificate with the other of VALID and SUSPENDED: a real change
    whatever its status was (identical content would be acknowledged as
    unchanged and never travel)."""
    changed = records_pb2.Record()
    changed.CopyFrom(cert)
    suspended = cert.green_cert.status.canonical == common_pb2.CERTIFICATE_STATUS_SUSPENDED
    changed.green_cert.status.canonical = (
        common_pb2.CERTIFICATE_STATUS_VALID
        if suspended
        else common_pb2.CERTIFICATE_STATUS_SUSPENDED
    )
    changed.green_cert.status.original = "有效" if suspended else "暂停"
    return changed


def _commit_a_change(hub: Hub, records: dict[Province, list[records_pb2.Record]], n: int) -> None:
    """A status change of the n-th changeable certificate through its exchange,
    once the registry serves it: a commit (outside Zhejiang, whose
    certificates propagation changes, unless it has them all)."""
    changeable = [
        (p, c)
        for p in sorted(records, key=lambda p: p is Province.ZJ)
        for c in _changeable(records[p])
    ]
    province, cert = changeable[n % len(changeable)]
    changed = _status_changed(cert)
    started = time.perf_counter()
    _publish(client.exchange_stub(hub.exchanges[province].address), changed)
    _wait_served(client.registry_stub(hub.registry.address), changed, started)


def _publish(exchange: Any, changed: records_pb2.Record) -> str:
    """Publishes one record; its key."""
    [result] = client.publish_all(exchange, [changed])
    if result.violations:
        raise RuntimeError(f"the change was refused: {list(result.violations)}")
    return str(result.record_key)


def _wait_served(registry: Any, changed: records_pb2.Record, started: float) -> None:
    """Until a single check of its label answers with `changed` (30 s after
    `started`, a perf_counter time)."""
    request = registry_pb2.CheckCertificateRequest(code=changed.green_cert.label_code)
    while not any(m.record == changed for m in registry.CheckCertificate(request).matches):
        if time.perf_counter() - started > 30:
            raise TimeoutError("a status change did not reach the registry in 30s")
        time.sleep(0.001)


def _is_change_of(record_key: str) -> Callable[[Any], bool]:
    return lambda change: bool(change.record.record_key == record_key)


@dataclass(frozen=True)
class Propagation:
    """Milliseconds from publishing a status change until the registry served
    it to a check, and until a subscriber received it on its stream; and, for
    each streamed change, where the time went (Stages)."""

    served: list[float]
    streamed: list[float]
    stages: list[Stages]


class Stages(NamedTuple):
    """A streamed change's way in milliseconds, from its provenance's clocks
    (all on this machine): the call into the exchange and its checks, until
    it stamped the record accepted; the outbox's transaction, the relay and
    Kafka, until the registry read it (applied_at); the registry's apply and
    the stream, until the subscriber had it."""

    call_and_checks: float
    outbox_relay_kafka: float
    apply_and_stream: float


def stages_of(sent: float, change: Any, received: float) -> Stages:
    provenance = change.record.provenance
    accepted = provenance.accepted_at.ToMicroseconds() / 1e6
    applied = provenance.applied_at.ToMicroseconds() / 1e6
    return Stages(
        (accepted - sent) * 1000, (applied - accepted) * 1000, (received - applied) * 1000
    )


def measure_propagation(
    hub: Hub, records: dict[Province, list[records_pb2.Record]], samples: int
) -> Propagation:
    """A status change published in Zhejiang until (a) the registry serves it to a
    single check and (b) a subscriber watching the change stream receives it."""
    certs = _changeable(records[Province.ZJ])[:samples]
    exchange = client.exchange_stub(hub.exchanges[Province.ZJ].address)
    registry = client.registry_stub(hub.registry.address)
    watcher = client.ChangeSubscription(
        client.registry_stub(hub.registry.address),
        registry_pb2.WatchChangesRequest(
            publishing_provinces=[PROVINCE_TO_PB[Province.ZJ]],
            kinds=[common_pb2.RECORD_KIND_GREEN_CERT],
            from_latest=True,
        ),
    )
    served: list[float] = []
    streamed: list[float] = []
    stages: list[Stages] = []
    try:
        for n, cert in enumerate(certs):
            changed = _status_changed(cert)
            # The monotonic clock times the whole way; the wall clock is what
            # the services stamp the change with (stages, of streamed ones).
            started, sent = time.perf_counter(), time.time()
            record_key = _publish(exchange, changed)
            # Alternate samples time one path each, so neither waits on the other.
            if n % 2 == 0:
                change = watcher.wait_for(_is_change_of(record_key), timeout=30)
                streamed.append((time.perf_counter() - started) * 1000)
                stages.append(stages_of(sent, change, time.time()))
                continue
            _wait_served(registry, changed, started)
            served.append((time.perf_counter() - started) * 1000)
    finally:
        watcher.cancel()
    return Propagation(served, streamed, stages)
