"""Shared fixtures: one real Kafka broker per session, and a database URL per backend."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from services.hub.kafka_broker import KafkaBroker

PG_DSN_ENV = "YRDHUB_TEST_PG_DSN"
# How long a test database's drop waits for an autovacuum worker to leave it.
DROP_WAIT_S = 120.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        help="long modes: the hostile-input suite (-m hostile) with many more cases per "
        "property, fuzzing for minutes, ten chaos runs (tests/e2e/test_chaos_e2e.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis' case counts: bounded in CI, many more with --long.
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "hostile", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.register_profile(
        "hostile-long",
        max_examples=5_000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("hostile-long" if config.getoption("--long") else "hostile")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.hostile_cases import CASES

    if CASES:
        detail = ", ".join(f"{name} {n:,}" for name, n in sorted(CASES.items()))
        terminalreporter.write_line(f"hostile-input cases run: {sum(CASES.values()):,} ({detail})")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that use the broker get the `kafka` marker, so `-m "not kafka"` skips them all.
    for item in items:
        if {"kafka_broker", "kafka_bootstrap"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """One real broker shared by the whole session; tests keep apart by topic prefix."""
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker) -> str:
    return kafka_broker.bootstrap


@pytest.fixture
def unique_topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}."


class Databases:
    """Makes fresh empty databases on one backend and drops them afterwards."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self._tmp = tmp_path
        self._created: list[str] = []
        self._libpq_dsn = ""
        if backend == "postgres":
            admin_dsn = os.environ.get(PG_DSN_ENV)
            if not admin_dsn:
                reason = (
                    f"{PG_DSN_ENV} is not set (run scripts/postgres.sh to get a local PostgreSQL)"
                )
                if _in_ci():
                    pytest.fail(f"PostgreSQL is mandatory in CI: {reason}")
                pytest.skip(reason)
            self._admin_url = make_url(admin_dsn)
            self._libpq_dsn = self._admin_url.set(drivername="postgresql").render_as_string(
                hide_password=False
            )

    def new(self, name: str = "test") -> str:
        """A SQLAlchemy URL of a new empty database."""
        if self.backend == "sqlite":
            return f"sqlite:///{self._tmp}/{name}.db"
        db = f"yrdhub_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._libpq_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
        self._created.append(db)
        return self._admin_url.set(database=db).render_as_string(hide_password=False)

    def allow_connections(self, url: str, allowed: bool) -> None:
        """PostgreSQL only: lets clients connect to the database at `url`, or
        refuses them and ends the connections it has (the database is away)."""
        db = sql.Identifier(str(make_url(url).database))
        with psycopg.connect(self._libpq_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                    db, sql.SQL("true" if allowed else "false")
                )
            )
            if not allowed:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (make_url(url).database,),
                )

    def drop_all(self) -> None:
        if not self._created:
            return
        with psycopg.connect(self._libpq_dsn, autocommit=True) as conn:
            for db in self._created:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
                deadline = time.monotonic() + DROP_WAIT_S
                while True:
                    try:
                        conn.execute(drop)
                        break
                    except psycopg.errors.InsufficientPrivilege:
                        # An autovacuum worker (a superuser process, which FORCE
                        # may not end) is visiting the database: it leaves once
                        # done, which after the chaos run's 100,000 records took
                        # longer than the 5 s this once waited.
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)


@pytest.fixture(params=["sqlite", "postgres"], ids=["sqlite", "postgres"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    """Fresh databases on each backend. PostgreSQL needs YRDHUB_TEST_PG_DSN (see
    scripts/postgres.sh); without it the case is skipped locally but fails in CI,
    where PostgreSQL is mandatory."""
    dbs = Databases(request.param, tmp_path)
    try:
        yield dbs
    finally:
        dbs.drop_all()


@pytest.fixture
def db_url(databases: Databases) -> str:
    """The URL of one empty database, on SQLite and on PostgreSQL."""
    return databases.new()
