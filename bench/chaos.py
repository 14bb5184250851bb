"""`yrdhub bench --chaos RUNS`: real processes killed and paused during a sync,
judged against an oracle.

Each run brings up the hub on a three-broker Kafka cluster of its own (TLS,
ACLs, signed events, the hub's supervision restarting what dies), and has the
four provinces' systems publish a realistic data set (about 100,000 records,
then a second revision of some). Meanwhile a seeded schedule, every few
seconds, kills an exchange, the registry or a broker with SIGKILL, or pauses
one of them with SIGSTOP for a few seconds; each round of four faults takes
every kind once, in a seeded order, and a run has at least one whole round
(if the sync ends first, the schedule goes on until it has). The systems retry what fails as a client
of the contracts would (bench.chaos_load).

When the sync is done, the registry's state must equal the oracle's: every
version the exchanges acknowledged, computed from the records sent (the
domain's normalisation, the revisions their order gives), each exactly once
and nothing else (services/registry/ingest/digest.py, content_lines). The
seed is printed first, so a failing run can be replayed with --seed.
"""

from __future__ import annotations

import os
import random
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.chaos_load import Oracle, SyncLoad, with_second_revisions
from devtools.datagen import generate
from services.common.db import make_engine
from services.core.provinces import Province
from services.hub import client
from services.hub.kafka_cluster import KafkaCluster
from services.hub.supervisor import Hub, HubConfig
from services.hub.watchdog import Child
from services.registry.ingest.digest import content_lines, lines_digest, state_digest

Log = Callable[[str], None]
FAULT_KINDS = ("kill an exchange", "kill the registry", "kill a broker", "pause one")
# Records per institution in the data set (devtools.datagen).
_RECORDS_PER_INSTITUTION = 2.95


@dataclass(frozen=True)
class ChaosSettings:
    seed: int
    records: int = 100_000
    # Database URL per service; None: SQLite files in the run's folder.
    db_url_for: Callable[[str], str] | None = None
    # Seconds between one fault and the next.
    gap_s: tuple[float, float] = (1.0, 4.0)
    pause_s: tuple[float, float] = (1.0, 6.0)
    # Give up on a process that does not serve again within this.
    recover_s: float = 180.0


@dataclass
class ChaosReport:
    seed: int
    records_sent: int = 0
    versions_expected: int = 0
    versions_in_registry: int = 0
    dead_letters: int = 0
    faults: list[str] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # Restarts that failed before one succeeded (the hub's supervision said so).
    failed_restarts: list[str] = field(default_factory=list)
    oracle_digest: str = ""
    registry_digest: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and not self.failed_restarts
            and self.versions_expected > 0
            and self.oracle_digest == self.registry_digest
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def run_chaos(settings: ChaosSettings, log: Log) -> ChaosReport:
    """One seeded run in a folder of its own (removed afterwards)."""
    log(f"chaos run, seed {settings.seed} (replay: yrdhub bench --chaos 1 --seed {settings.seed})")
    with tempfile.TemporaryDirectory(prefix=f"yrdhub-chaos-{settings.seed}-") as tmp:
        return _run(settings, Path(tmp), log)


def _run(settings: ChaosSettings, root: Path, log: Log) -> ChaosReport:
    rng = random.Random(settings.seed)
    report = ChaosReport(settings.seed)
    data = generate(
        max(1, round(settings.records / len(Province) / _RECORDS_PER_INSTITUTION)),
        seed=settings.seed,
        invalid_ratio=0.0,
    )
    records = with_second_revisions(data.by_province, every=20)
    report.records_sent = sum(len(rs) for rs in records.values())
    db_urls = (
        {} if settings.db_url_for is None else {s: settings.db_url_for(s) for s in _services()}
    )
    hub = Hub(HubConfig(workdir=root / "hub", brokers=3, db_urls=db_urls), progress=log)
    oracle = Oracle()
    started = time.monotonic()
    with hub.running():
        said: list[str] = []
        stop = threading.Event()

        def say(line: str) -> None:
            said.append(line)
            log(f"  hub: {line}")

        watch = threading.Thread(
            target=hub.supervise,
            args=(stop, say),
            # Kills come often: a child that served again for a few seconds
            # has recovered, however often it was killed before.
            kwargs={"stable_s": 5.0},
            daemon=True,
        )
        watch.start()
        faults = FaultSchedule(hub, rng, settings, said, log)
        try:
            with SyncLoad(hub, records, oracle, log) as load:
                faults.start()
                load.wait()
            faults.finish()
            report.retries = dict(load.retries)
            report.problems += load.failures + oracle.problems + faults.problems
            report.faults = faults.done
            report.failed_restarts = [line for line in said if "did not restart" in line]
            expected = oracle.versions_per_province()
            report.versions_expected = sum(expected.values())
            log(f"sync acknowledged; waiting for the registry to apply {expected}")
            _wait_applied(hub, expected, report)
        finally:
            stop.set()
            watch.join(60)
    report.seconds = time.monotonic() - started
    engine = make_engine(hub.config.db_url("registry"))
    try:
        lines = content_lines(engine)
        _, counts = state_digest(engine)
    finally:
        engine.dispose()
    report.versions_in_registry = len(lines)
    report.dead_letters = counts.get("dead letter", 0)
    report.registry_digest = lines_digest(lines)
    report.oracle_digest = lines_digest(oracle.lines())
    if report.registry_digest != report.oracle_digest:
        report.problems += oracle.differences(lines)
    log(
        f"seed {settings.seed}: {'OK' if report.ok else 'FAILED'}; {len(report.faults)} faults, "
        f"{report.versions_in_registry:,} versions in the registry, "
        f"{report.versions_expected:,} expected, {report.seconds:.0f} s"
    )
    return report


def _services() -> list[str]:
    return ["registry", *(f"exchange-{p.value.lower()}" for p in Province)]


def _wait_applied(hub: Hub, expected: dict[str, int], report: ChaosReport) -> None:
    registry = client.registry_stub(hub.registry.address)
    by_province = {Province(p): n for p, n in expected.items()}
    try:
        client.wait_until_applied(registry, by_province, timeout=600, interval=0.5)
    except Exception as exc:  # the digest below says what is missing
        report.problems.append(f"the registry did not apply every acknowledged event: {exc}")


class FaultSchedule:
    """Seeded faults on a thread of its own. Faults overlap (a process may die
    while another restarts), but one that is down is not chosen again before
    it serves, and a broker is killed only while the others all serve: the
    cluster's topics keep 2 of 3 replicas in sync, so they stand one loss."""

    def __init__(
        self, hub: Hub, rng: random.Random, settings: ChaosSettings, said: list[str], log: Log
    ) -> None:
        self.done: list[str] = []
        self.problems: list[str] = []
        self._hub = hub
        self._rng = rng
        self._settings = settings
        self._said = said
        self._log = log
        self._stop = threading.Event()
        self._started = time.monotonic()
        # Killed and not serving yet: name -> its restarts before the kill.
        self._down: dict[str, int] = {}
        self._kinds_done: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)

    def start(self) -> None:
        self._started = time.monotonic()
        self._thread.start()

    def finish(self) -> None:
        """Once every kind of fault has happened (a short load may end first),
        stops injecting, then waits until everything killed serves again."""
        deadline = time.monotonic() + self._settings.recover_s
        while self._kinds_done != set(FAULT_KINDS) and self._thread.is_alive():
            if time.monotonic() > deadline:
                missing = sorted(set(FAULT_KINDS) - self._kinds_done)
                self.problems.append(
                    f"{missing} had no victim within {self._settings.recover_s:.0f} s"
                )
                break
            time.sleep(0.1)
        self._stop.set()
        self._thread.join()
        deadline = time.monotonic() + self._settings.recover_s
        while self._still_down():
            if time.monotonic() > deadline:
                self.problems.append(
                    f"{sorted(self._down)} did not serve again within "
                    f"{self._settings.recover_s:.0f} s"
                )
                return
            time.sleep(0.1)

    def _run(self) -> None:
        kinds: list[str] = []
        try:
            while not self._stop.wait(self._rng.uniform(*self._settings.gap_s)):
                if not kinds:
                    kinds = list(FAULT_KINDS)
                    self._rng.shuffle(kinds)
                # A kind with no victim now (its process is down) waits its turn.
                for kind in list(kinds):
                    candidates = self._candidates(kind)
                    if candidates:
                        kinds.remove(kind)
                        self._inject(kind, self._rng.choice(candidates))
                        break
        except Exception as exc:
            self.problems.append(f"fault injection: {exc}")

    def _still_down(self) -> set[str]:
        for name, restarts in list(self._down.items()):
            if self._restarts(name) > restarts:
                del self._down[name]
        return set(self._down)

    def _candidates(self, kind: str) -> list[Child]:
        hub = self._hub
        assert isinstance(hub.broker, KafkaCluster)
        down = self._still_down()
        exchanges: list[Child] = list(hub.exchanges.values())
        brokers: list[Child] = list(hub.broker.nodes)
        children: list[Child]
        if kind == "kill an exchange":
            children = exchanges
        elif kind == "kill the registry":
            children = [hub.registry]
        elif kind == "kill a broker":
            # Only while every broker serves.
            children = [] if down & {b.name for b in brokers} else brokers
        else:
            children = [hub.registry, *exchanges, *brokers]
        return [c for c in children if c.name not in down]

    def _inject(self, kind: str, victim: Child) -> None:
        pid = getattr(victim, "pid", None)
        if pid is None:
            return
        at = time.monotonic() - self._started
        self._kinds_done.add(kind)
        if kind == "pause one":
            paused = self._rng.uniform(*self._settings.pause_s)
            self._record(f"t={at:.1f}s SIGSTOP {victim.name} for {paused:.1f} s")
            os.kill(pid, signal.SIGSTOP)
            time.sleep(paused)
            os.kill(pid, signal.SIGCONT)
            return
        self._down[victim.name] = self._restarts(victim.name)
        self._record(f"t={at:.1f}s SIGKILL {victim.name}")
        os.kill(pid, signal.SIGKILL)

    def _restarts(self, name: str) -> int:
        return sum(line.startswith(f"{name} is serving again") for line in list(self._said))

    def _record(self, line: str) -> None:
        self.done.append(line)
        self._log(f"  fault: {line}")


def run_chaos_series(
    runs: int, first_seed: int | None, records: int, log: Log, **settings: Any
) -> list[ChaosReport]:
    """`runs` runs with seeds first_seed, first_seed + 1, ... (random if None)."""
    first = random.randrange(1 << 30) if first_seed is None else first_seed
    return [run_chaos(ChaosSettings(first + i, records, **settings), log) for i in range(runs)]
