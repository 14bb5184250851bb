"""A rolling restart under load loses nothing and fails no call: each process
in turn gets SIGTERM (it drains its calls, flushes its relay, commits) and is
started again, while provincial systems publish through clients that follow
the contracts' service config (wait for a restarting server, retry
UNAVAILABLE). Every call succeeds, and every acknowledged record is in the
registry exactly once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from services.common.convert import to_record_pb
from services.common.db import make_engine
from services.core.provinces import Province
from services.hub import client
from services.hub.supervisor import Hub, wait_until_ready
from services.registry.records.tables import version_table
from tests.e2e.conftest import TWO
from tests.factories import qualification
from yrdhub.v1 import exchange_pb2

pytestmark = pytest.mark.e2e


def test_restarting_each_process_in_turn_under_load_loses_and_fails_nothing(hub: Hub) -> None:
    issuers = {Province.SH: "09", Province.JS: "10"}
    acknowledged: dict[Province, int] = dict.fromkeys(TWO, 0)
    failures: list[str] = []
    stop = threading.Event()

    def publish(province: Province) -> None:
        stub = client.exchange_stub(hub.exchanges[province].address)
        serial = 1
        # About 200 records a second: steady load, and serials (at most
        # 9,999 per issuer) to last the whole test.
        while not stop.wait(0.1) and serial < 9_980:
            batch = [
                to_record_pb(qualification(issuer=issuers[province], serial=serial + i))
                for i in range(20)
            ]
            try:
                reply = stub.PublishRecords(
                    exchange_pb2.PublishRecordsRequest(records=batch), timeout=60
                )
            except Exception as exc:  # any failure a client would see
                failures.append(f"{province.value}: {exc}")
                return
            acknowledged[province] += reply.accepted
            serial += 20

    writers = [threading.Thread(target=publish, args=(p,), daemon=True) for p in TWO]
    for writer in writers:
        writer.start()
    try:
        time.sleep(1)
        for service in [hub.exchanges[Province.SH], hub.registry, hub.exchanges[Province.JS]]:
            service.stop()  # SIGTERM: graceful
            service.restart()
            wait_until_ready(service.address)
            time.sleep(1)
    finally:
        stop.set()
        for writer in writers:
            writer.join(90)
    assert failures == []
    assert all(writer.is_alive() is False for writer in writers)
    assert all(1_000 < acknowledged[p] < 9_980 for p in TWO), acknowledged
    registry = client.registry_stub(hub.registry.address)
    client.wait_until_applied(registry, acknowledged, timeout=120)
    with make_engine(hub.config.db_url("registry")).connect() as conn:
        versions = conn.execute(select(func.count()).select_from(version_table)).scalar_one()
    assert versions == sum(acknowledged.values())  # each exactly once
