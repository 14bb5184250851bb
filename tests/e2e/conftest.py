"""The end-to-end hub: Shanghai's and Jiangsu's exchanges and the registry as real
processes, on the session's Kafka broker, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.core.provinces import Province
from services.hub.supervisor import Hub, HubConfig
from tests.conftest import Databases

TWO = (Province.SH, Province.JS)


def hub_config(
    databases: Databases,
    workdir: Path,
    kafka: str,
    topic_prefix: str,
    provinces: tuple[Province, ...] = TWO,
) -> HubConfig:
    """A hub of `provinces` on the session's broker, with a fresh database per service."""
    names = ["registry", *(f"exchange-{p.value.lower()}" for p in provinces)]
    return HubConfig(
        workdir=workdir,
        kafka=kafka,
        topic_prefix=topic_prefix,
        db_urls={name: databases.new(name) for name in names},
        provinces=provinces,
    )


@pytest.fixture
def hub(
    databases: Databases, tmp_path: Path, kafka_bootstrap: str, unique_topic_prefix: str
) -> Iterator[Hub]:
    config = hub_config(databases, tmp_path / "hub", kafka_bootstrap, unique_topic_prefix)
    with Hub(config).running() as running:
        yield running
