"""A rolling restart under load loses nothing and fails no call: each process
in turn gets SIGTERM (it drains its calls, flushes its relay, commits) and is
started again, while provincial systems publish through clients that follow
the contracts' service config (wait for a restarting server, retry
UNAVAILABLE). Every call succeeds, and every acknowledged record is in the
registry exactly once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from services.common.db import make_engine
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import Hub, wait_until_ready
from services.registry.records.tables import version_table
from tests.e2e.conftest import TWO
from tests.e2e.load import PublishingLoad

pytestmark = pytest.mark.e2e


def test_restarting_each_process_in_turn_under_load_loses_and_fails_nothing(hub: Hub) -> None:
    with PublishingLoad(hub, TWO) as load:
        time.sleep(1)
        for service in [hub.exchanges[Province.SH], hub.registry, hub.exchanges[Province.JS]]:
            service.stop()  # SIGTERM: graceful
            service.restart()
            wait_until_ready(service.address)
            time.sleep(1)
    assert load.failures == []
    assert all(1_000 < load.acknowledged[p] < 9_980 for p in TWO), load.acknowledged
    registry = client.registry_stub(hub.registry.address)
    client.wait_until_applied(registry, load.acknowledged, timeout=120)
    with make_engine(hub.config.db_url("registry")).connect() as conn:
        versions = conn.execute(select(func.count()).select_from(version_table)).scalar_one()
    assert versions == sum(load.acknowledged.values())  # each exactly once
