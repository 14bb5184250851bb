"""Fault injection with real processes (bench/chaos.py, `yrdhub bench --chaos`):
while the four provinces sync 100,000 records, exchanges, the registry and
brokers of a three-broker cluster are killed with SIGKILL or paused with
SIGSTOP at seeded moments, and the hub's supervision restarts them. Then the
registry holds every acknowledged version exactly once and nothing else: its
content digest equals the oracle's.

One run of 20,000 records per database backend here (two in CI); five of
100,000 each with --long (ten). Every kind of fault happens in every run: the
schedule goes on past the end of a short sync until it has.
Each run's seed is printed and in the failure message; YRDHUB_CHAOS_SEED
replays one (or: yrdhub bench --chaos 1 --seed SEED).
"""

from __future__ import annotations

import os
import random

import pytest

from bench.chaos import FAULT_KINDS, ChaosSettings, run_chaos
from tests.conftest import Databases

pytestmark = pytest.mark.e2e

RECORDS = 20_000
LONG_RECORDS = 100_000


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "chaos_run" in metafunc.fixturenames:
        runs = 5 if metafunc.config.getoption("--long") else 1
        metafunc.parametrize("chaos_run", range(1, runs + 1), ids=lambda n: f"run{n}")


@pytest.mark.timeout(1800)
def test_killed_and_paused_processes_lose_nothing_and_apply_nothing_twice(
    chaos_run: int, databases: Databases, request: pytest.FixtureRequest
) -> None:
    replay = os.environ.get("YRDHUB_CHAOS_SEED")
    seed = int(replay) if replay else random.randrange(1 << 30)
    print(f"chaos seed {seed} (run {chaos_run}, {databases.backend})")
    records = LONG_RECORDS if request.config.getoption("--long") else RECORDS
    report = run_chaos(ChaosSettings(seed, records, db_url_for=databases.new), print)
    summary = (
        f"seed {seed}: {len(report.faults)} faults {report.faults}; "
        f"{report.versions_in_registry:,} versions held, {report.versions_expected:,} expected; "
        f"problems: {report.problems}; failed restarts: {report.failed_restarts}"
    )
    print(summary)
    # Each kind of fault happened at least once.
    assert len(report.faults) >= len(FAULT_KINDS), summary
    assert {f.split()[1] for f in report.faults} == {"SIGKILL", "SIGSTOP"}, summary
    victims = {f.split()[2].split("-")[0] for f in report.faults if "SIGKILL" in f}
    assert victims == {"exchange", "registry", "kafka"}, summary
    assert report.versions_expected >= records, summary
    assert report.dead_letters == 0, summary
    assert report.problems == [], summary
    # A process restarted while a broker is down starts at its first attempt.
    assert report.failed_restarts == [], summary
    assert report.registry_digest == report.oracle_digest, summary
