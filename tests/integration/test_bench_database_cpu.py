"""The bench's account of a PostgreSQL server's CPU, which works in backends
of its own rather than in the hub's processes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench.postgres import (
    DATABASE_SHARED,
    REGISTRY_DATABASE,
    SERVER_NAMES,
    PostgresDatabases,
    database_cpu,
    local_server_pid,
)
from tests.conftest import PG_DSN_ENV, Databases

_HEAVY = "SELECT count(*) FROM generate_series(1, 3000000)"


def test_a_local_servers_cpu_goes_to_the_database_its_backends_work_on(
    tmp_path: Path,
) -> None:
    Databases("postgres", tmp_path)  # skipped without PostgreSQL, but not in CI
    bench_dbs = PostgresDatabases(os.environ[PG_DSN_ENV])
    try:
        url = bench_dbs.url("registry")
        server = local_server_pid(url)
        assert server is not None, "the test server runs on this machine"
        assert Path(f"/proc/{server}/comm").read_text().strip() in SERVER_NAMES
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        before = database_cpu(server)
        with psycopg.connect(libpq) as conn:
            conn.execute(_HEAVY).fetchone()
            working = database_cpu(server)
        # While its backend lives, the work is the registry database's...
        assert working[REGISTRY_DATABASE] - before[REGISTRY_DATABASE] >= 0.1
        # ...and once it ended (and the server reaped it, which takes a moment),
        # the server's, with its other shared work.
        deadline = time.monotonic() + 10
        while True:
            ended = database_cpu(server)
            grown = ended[DATABASE_SHARED] - working[DATABASE_SHARED]
            if grown >= 0.1 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert grown >= 0.1
    finally:
        bench_dbs.drop_all()
