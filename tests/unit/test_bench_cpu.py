"""The bench's CPU account of ingest: each process's CPU time, and the ceiling it puts on ingest."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.measures import Ingested
from bench.memory import cpu_seconds, server_cpu_seconds
from bench.run import cpu_ceiling


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


def test_a_servers_cpu_counts_its_children_alive_and_ended() -> None:
    """As a PostgreSQL server's: the backends do the work, and come and go."""
    tick = 1 / os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    before = server_cpu_seconds(me)
    own_before = time.process_time()
    child = subprocess.Popen(
        [sys.executable, "-c", _BUSY_CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline() == "done\n"
    alive = server_cpu_seconds(me)
    own = time.process_time() - own_before
    assert alive - before >= 0.3 + own - 4 * tick
    child.communicate("")  # it ends and is waited for: its time moves to ours
    ended = server_cpu_seconds(me)
    assert ended - alive >= -2 * tick
    assert ended - before >= 0.3 + own - 4 * tick


def test_the_ceiling_is_what_the_cores_carry_with_exchanges_costing_nothing() -> None:
    cores = len(os.sched_getaffinity(0))
    # 10,000 records in 4 s; 3 s of the exchanges' CPU, 1.5 of the registry's,
    # 0.4 of the broker's, 0.1 of the client's.
    ingested = Ingested(
        10_000, 3.5, 4.0, {"exchanges": 3.0, "registry": 1.5, "broker": 0.4, "client": 0.1}
    )
    figures = cpu_ceiling(ingested, produce_rps=20_000, floor_rps=16_000)
    assert figures["ingest_cpu_us_per_record"] == {
        "exchanges": 300.0,
        "registry": 150.0,
        "broker": 40.0,
        "client": 10.0,
    }
    assert figures["ingest_cores_busy"] == 1.25
    # 200 µs a record besides the exchanges.
    assert figures["ingest_cpu_ceiling_rps"] == pytest.approx(cores * 5_000)
    assert figures["ingest_cpu_ceiling_ratio"] == pytest.approx(cores * 0.25)
    assert figures["ingest_cpu_ceiling_of_floor"] == pytest.approx(cores * 5_000 / 16_000)
