"""The hub on a three-broker Kafka cluster of its own (`yrdhub up --brokers
3`, TLS and ACLs included): a broker killed with SIGKILL while provinces
publish is restarted by the hub's supervision, no publish call fails, and
every acknowledged record is in the registry exactly once."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.common.convert import to_record_pb
from services.common.db import make_engine
from services.core.provinces import Province
from services.hub import client
from services.hub.kafka_cluster import KafkaCluster
from services.hub.supervisor import Hub, HubConfig
from services.registry.records.tables import version_table
from tests.e2e.conftest import TWO
from tests.factories import qualification
from yrdhub.v1 import exchange_pb2

pytestmark = pytest.mark.e2e


def test_a_broker_killed_under_load_loses_nothing(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    print(f"cluster fault seed {seed}")  # replay: set it here
    rng = random.Random(seed)
    hub = Hub(HubConfig(workdir=tmp_path / "hub", provinces=TWO, brokers=3))
    issuers = {Province.SH: "09", Province.JS: "10"}
    acknowledged = dict.fromkeys(TWO, 0)
    failures: list[str] = []
    stop, writing = threading.Event(), threading.Event()
    with hub.running():
        assert isinstance(hub.broker, KafkaCluster) and hub.kafka_tls

        def publish(province: Province) -> None:
            stub = client.exchange_stub(hub.exchanges[province].address)
            serial = 1
            while not writing.wait(0.1) and serial < 9_980:
                batch = [
                    to_record_pb(qualification(issuer=issuers[province], serial=serial + i))
                    for i in range(20)
                ]
                try:
                    reply = stub.PublishRecords(
                        exchange_pb2.PublishRecordsRequest(records=batch), timeout=60
                    )
                except Exception as exc:
                    failures.append(f"{province.value}: {exc}")
                    return
                acknowledged[province] += reply.accepted
                serial += 20

        said: list[str] = []
        watch = threading.Thread(target=hub.supervise, args=(stop, said.append), daemon=True)
        writers = [threading.Thread(target=publish, args=(p,), daemon=True) for p in TWO]
        for thread in [watch, *writers]:
            thread.start()
        try:
            time.sleep(rng.uniform(1, 3))
            victim = rng.choice(hub.broker.nodes)
            assert victim.pid is not None
            os.kill(victim.pid, signal.SIGKILL)
            deadline = time.monotonic() + 120
            while f"{victim.name} is serving again (restart 1)" not in said:
                assert time.monotonic() < deadline, said
                time.sleep(0.2)
            time.sleep(rng.uniform(1, 3))
        finally:
            writing.set()
            for writer in writers:
                writer.join(90)
            stop.set()
            watch.join(60)
        assert failures == []
        assert all(acknowledged[p] > 0 for p in TWO), acknowledged
        registry = client.registry_stub(hub.registry.address)
        client.wait_until_applied(registry, acknowledged, timeout=180)
        with make_engine(hub.config.db_url("registry")).connect() as conn:
            versions = conn.execute(select(func.count()).select_from(version_table)).scalar_one()
        assert versions == sum(acknowledged.values())
