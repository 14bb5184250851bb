"""Fresh PostgreSQL databases for a benchmark run."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
from psycopg import errors, sql
from sqlalchemy.engine import make_url
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed

from bench.memory import parent_pid


class PostgresDatabases:
    def __init__(self, admin_dsn: str) -> None:
        self._admin = make_url(admin_dsn)
        self._libpq = self._admin.set(drivername="postgresql").render_as_string(hide_password=False)
        self._run = uuid.uuid4().hex[:8]
        self.created: list[str] = []

    def url(self, service: str) -> str:
        name = f"yrdhub_bench_{self._run}_{service.replace('-', '_')}"
        if name not in self.created:
            with psycopg.connect(self._libpq, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            self.created.append(name)
        return self._admin.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with psycopg.connect(self._libpq, autocommit=True) as conn:
            for name in self.created:
                _drop(conn, name)


# FORCE ends the database's sessions, but not an autovacuum worker's (the
# server's own role), which is refused while one happens to be on it: it
# leaves within moments.
@retry(
    retry=retry_if_exception_type(errors.InsufficientPrivilege),
    stop=stop_after_attempt(20),
    wait=wait_fixed(0.5),
    reraise=True,
)
def _drop(conn: psycopg.Connection[object], name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def local_server_pid(url: str) -> int | None:
    """The PostgreSQL server process (the postmaster, whose children are its
    backends) behind `url` when it runs on this machine; None for a server
    elsewhere, whose CPU this machine cannot see."""
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    if row is None:
        return None
    try:
        server = parent_pid(int(row[0]))
        name = Path(f"/proc/{server}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError):
        return None  # a backend of another machine (or another PID namespace)
    return server if name in ("postgres", "postmaster") else None
