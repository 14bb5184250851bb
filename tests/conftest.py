"""Shared fixtures: one real Kafka broker per session, and a database URL per backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from services.hub.kafka_broker import KafkaBroker

PG_DSN_ENV = "YRDHUB_TEST_PG_DSN"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


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


@pytest.fixture(params=["sqlite", "postgres"], ids=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database: a SQLite file, or a fresh PostgreSQL database.

    The PostgreSQL case needs YRDHUB_TEST_PG_DSN (see scripts/postgres.sh); without it the
    case is skipped locally but fails in CI, where PostgreSQL is mandatory.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
        return
    admin_dsn = os.environ.get(PG_DSN_ENV)
    if not admin_dsn:
        reason = f"{PG_DSN_ENV} is not set (run scripts/postgres.sh to get a local PostgreSQL)"
        if _in_ci():
            pytest.fail(f"PostgreSQL is mandatory in CI: {reason}")
        pytest.skip(reason)
    admin_url = make_url(admin_dsn)
    libpq_dsn = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"yrdhub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
