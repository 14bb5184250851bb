"""The bench's CPU account of ingest: each process's CPU time, and the ceiling it puts on ingest."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.measures import Ingested
from bench.memory import cpu_seconds, server_cpu_seconds
from bench.postgres import (
    DATABASE_SHARED,
    EXCHANGES_DATABASES,
    REGISTRY_DATABASE,
    database_part,
)
from bench.run import cpu_ceiling


@pytest.mark.parametrize(
    ("command_line", "part"),
    [
        (
            "postgres: 15/main: yrdhub yrdhub_bench_0a1b2c3d_exchange_sh 127.0.0.1(5) idle",
            EXCHANGES_DATABASES,
        ),
        (
            "postgres: 15/main: yrdhub yrdhub_bench_0a1b2c3d_registry 127.0.0.1(6) idle",
            REGISTRY_DATABASE,
        ),
        ("postgres: 15/main: autovacuum worker yrdhub_bench_0a1b2c3d_registry", REGISTRY_DATABASE),
        ("postgres: 15/main: walwriter", DATABASE_SHARED),
        ("postgres: 15/main: yrdhub yrdhub 127.0.0.1(7) idle", DATABASE_SHARED),
    ],
)
def test_a_backend_counts_for_the_database_it_is_on(command_line: str, part: str) -> None:
    assert database_part(command_line) == part


def test_cpu_seconds_counts_the_time_a_process_computed() -> None:
    before, own_before = cpu_seconds(os.getpid()), time.process_time()
    while time.process_time() - own_before < 0.3:
        pass
    tick = 1 / os.sysconf("SC_CLK_TCK")
    assert cpu_seconds(os.getpid()) - before >= time.process_time() - own_before - 2 * tick


# A child that computes for 0.3 s of its own CPU, then waits to be ended.
_BUSY_CHILD = (
    "import sys, time\n"
    "t = time.process_time()\n"
    "while time.process_time() - t < 0.3: pass\n"
    "print('done', flush=True)\n"
    "sys.stdin.read()\n"
)


def _by_marker(command_line: str) -> str:
    return "busy" if "busy-child" in command_line else "other"


def test_a_servers_cpu_counts_its_children_alive_by_part_and_ended() -> None:
    """As a PostgreSQL server's: the backends do the work, and come and go."""
    tick = 1 / os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    before = server_cpu_seconds(me, _by_marker, "ended")
    child = subprocess.Popen(
        [sys.executable, "-c", _BUSY_CHILD, "busy-child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline() == "done\n"
    alive = server_cpu_seconds(me, _by_marker, "ended")
    assert alive["busy"] >= 0.3 - 2 * tick  # the live child, by its command line
    child.communicate("")  # it ends and is waited for: its time moves to the server's
    ended = server_cpu_seconds(me, _by_marker, "ended")
    assert "busy" not in ended
    assert ended["ended"] - before["ended"] >= 0.3 - 2 * tick


def test_the_ceiling_is_what_the_cores_carry_with_exchanges_costing_nothing() -> None:
    cores = len(os.sched_getaffinity(0))
    # 10,000 records in 4 s; 3 s of the exchanges' CPU, 1.5 of the registry's,
    # 0.4 of the broker's, 0.1 of the client's.
    # On PostgreSQL the exchanges' databases and the server's shared work go
    # with the exchanges (the ceiling errs high); the registry's database not.
    ingested = Ingested(
        10_000,
        3.5,
        4.0,
        {
            "exchanges": 2.0,
            "exchanges_databases": 0.7,
            "database_shared": 0.3,
            "registry": 1.2,
            "registry_database": 0.3,
            "broker": 0.4,
            "client": 0.1,
        },
    )
    figures = cpu_ceiling(ingested, produce_rps=20_000, floor_rps=16_000)
    assert figures["ingest_cpu_us_per_record"] == {
        "exchanges": 200.0,
        "exchanges_databases": 70.0,
        "database_shared": 30.0,
        "registry": 120.0,
        "registry_database": 30.0,
        "broker": 40.0,
        "client": 10.0,
    }
    assert figures["ingest_cores_busy"] == 1.25
    # 200 µs a record besides the exchanges.
    assert figures["ingest_cpu_ceiling_rps"] == pytest.approx(cores * 5_000)
    assert figures["ingest_cpu_ceiling_ratio"] == pytest.approx(cores * 0.25)
    assert figures["ingest_cpu_ceiling_of_floor"] == pytest.approx(cores * 5_000 / 16_000)
