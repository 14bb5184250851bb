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


@pytest.fixture
def hub(
    databases: Databases, tmp_path: Path, kafka_bootstrap: str, unique_topic_prefix: str
) -> Iterator[Hub]:
    names = ["registry", *(f"exchange-{p.value.lower()}" for p in TWO)]
    config = HubConfig(
        workdir=tmp_path / "hub",
        kafka=kafka_bootstrap,
        topic_prefix=unique_topic_prefix,
        db_urls={name: databases.new(name) for name in names},
        provinces=TWO,
    )
    with Hub(config).running() as running:
        yield running
