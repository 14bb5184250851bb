"""The bench's account of a PostgreSQL server's CPU, which works in backends
of its own rather than in the hub's processes."""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench.memory import server_cpu_seconds
from bench.postgres import local_server_pid
from tests.conftest import Databases


def test_a_local_servers_cpu_grows_with_the_queries_it_answers(tmp_path: Path) -> None:
    dbs = Databases("postgres", tmp_path)
    try:
        url = dbs.new()
        server = local_server_pid(url)
        assert server is not None, "the test server runs on this machine"
        assert Path(f"/proc/{server}/comm").read_text().strip() == "postgres"
        before = server_cpu_seconds(server)
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        # Each connection is a backend that computes, then ends.
        for _ in range(3):
            with psycopg.connect(libpq) as conn:
                conn.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone()
        assert server_cpu_seconds(server) - before >= 0.2
    finally:
        dbs.drop_all()
