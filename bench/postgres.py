"""Fresh PostgreSQL databases for a benchmark run."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import psycopg
from psycopg import errors, sql
from sqlalchemy.engine import make_url
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed

from bench.memory import parent_pid, server_cpu_seconds


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# A bench database's name: the prefix, the run's id, the service.
_PREFIX = "yrdhub_bench_"
_RUN_DIGITS = 8


class PostgresDatabases:
    def __init__(self, admin_dsn: str) -> None:
        self._admin = make_url(admin_dsn)
        self._libpq = _libpq(admin_dsn)
        self._run = uuid.uuid4().hex[:_RUN_DIGITS]
        self.created: list[str] = []

    def url(self, service: str) -> str:
        name = f"{_PREFIX}{self._run}_{service.replace('-', '_')}"
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


SERVER_NAMES = ("postgres", "postmaster")


def local_server_pid(url: str) -> int | None:
    """The PostgreSQL server process (the postmaster, whose children are its
    backends) behind `url` when it runs on this machine; None for a server
    elsewhere, whose CPU this machine cannot see."""
    with psycopg.connect(_libpq(url)) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        if row is None:
            return None
        # While the connection is open: its backend is alive, and its pid its own.
        try:
            server = parent_pid(int(row[0]))
            name = Path(f"/proc/{server}/comm").read_text().strip()
        except (FileNotFoundError, ProcessLookupError):
            return None  # a backend of another machine (or another PID namespace)
    return server if name in SERVER_NAMES else None


# Where a database server's CPU goes, by the bench's database a backend is
# on (PostgreSQL shows it in the backend's command line).
EXCHANGES_DATABASES = "exchanges_databases"
REGISTRY_DATABASE = "registry_database"
# The server's own processes (the WAL writer, the checkpointer, autovacuum)
# and the backends that ended, whose database is no longer known.
DATABASE_SHARED = "database_shared"
_BENCH_DATABASE = re.compile(rf"\b{_PREFIX}[0-9a-f]{{{_RUN_DIGITS}}}_(\w+)")


def database_part(command_line: str) -> str:
    """The part of the hub a server process works for, by its command line."""
    found = _BENCH_DATABASE.search(command_line)
    service = found.group(1) if found else ""
    if service.startswith("exchange"):
        return EXCHANGES_DATABASES
    if service.startswith("registry"):
        return REGISTRY_DATABASE
    return DATABASE_SHARED


def database_cpu(server: int) -> dict[str, float]:
    """The server's CPU seconds so far, by part, every part present."""
    parts = dict.fromkeys((EXCHANGES_DATABASES, REGISTRY_DATABASE, DATABASE_SHARED), 0.0)
    parts.update(server_cpu_seconds(server, database_part, DATABASE_SHARED))
    return parts
