"""A registry is a view of the log: `yrdhub registry rebuild` builds a new one
from offset zero whose state digest equals the live registry's, and the two,
serving side by side, answer the same queries alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devtools.datagen import generate
from services.common.db import make_engine
from services.core.provinces import Province
from services.hub import client
from services.hub.processes import ServiceProcess
from services.hub.supervisor import Hub
from services.registry.ingest.digest import state_digest
from tests.conftest import Databases
from tests.e2e.conftest import TWO
from yrdhub.v1 import registry_pb2

pytestmark = pytest.mark.e2e


def _yrdhub(*args: str) -> subprocess.CompletedProcess[str]:
    cli = str(Path(sys.executable).with_name("yrdhub"))
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=300)


def _comparable(records: Any) -> list[tuple[object, ...]]:
    """What two registries must agree on (not when each applied it)."""
    return sorted(
        (
            r.record_key,
            r.provenance.province,
            r.provenance.revision,
            r.provenance.sequence,
            r.record.SerializeToString(deterministic=True),
            r.effective_status,
        )
        for r in records
    )


def test_a_rebuilt_registry_has_the_live_ones_digest_and_answers(
    hub: Hub, databases: Databases
) -> None:
    data = generate(15, seed=41)
    exchanges = {p: client.exchange_stub(hub.exchanges[p].address) for p in TWO}
    for province in TWO:
        client.publish_all(exchanges[province], data.by_province[province])
    live = client.registry_stub(hub.registry.address)
    client.wait_until_applied(live, client.published_counts(exchanges), timeout=120)

    rebuilt_db = databases.new("rebuilt")
    security = ["--tls-dir", str(hub.tls_dir)] if hub.tls_dir else ["--insecure-plaintext"]
    done = _yrdhub(
        "registry", "rebuild", "--db", rebuilt_db, "--kafka", hub.kafka,
        "--topic-prefix", hub.config.topic_prefix, *security,
        *(["--kafka-tls"] if hub.kafka_tls else []),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    live_digest, counts = state_digest(make_engine(hub.config.db_url("registry")))
    assert counts["version"] == sum(client.published_counts(exchanges).values())
    assert live_digest in done.stdout  # the rebuild printed the same digest
    printed = _yrdhub("registry", "digest", "--db", hub.config.db_url("registry"))
    assert printed.returncode == 0 and live_digest in printed.stdout

    second = ServiceProcess(
        "registry-rebuilt",
        "services.registry",
        ["--db", rebuilt_db, "--listen", "127.0.0.1:0",
         "--topic-prefix", hub.config.topic_prefix, *security],
        hub.config.workdir,
    )  # fmt: skip
    second.start(["--kafka", hub.kafka, *(["--kafka-tls"] if hub.kafka_tls else [])])
    try:
        second.wait_ready()
        rebuilt = client.registry_stub(
            second.address, client.default_identity(hub.registry.address)
        )
        usccs = {
            r.qualification.institution_uscc
            for p in TWO
            for r in data.by_province[p]
            if r.WhichOneof("body") == "qualification"
        }
        assert usccs
        for uscc in sorted(usccs)[:20]:
            request = registry_pb2.ListInstitutionRecordsRequest(uscc=uscc)
            answers = [s.ListInstitutionRecords(request, timeout=10) for s in (live, rebuilt)]
            assert _comparable(answers[0].records) == _comparable(answers[1].records), uscc
        status = [
            s.GetRegistryStatus(registry_pb2.GetRegistryStatusRequest()) for s in (live, rebuilt)
        ]
        assert status[0].records == status[1].records
        assert {(f.province, f.last_sequence) for f in status[0].feeds} == {
            (f.province, f.last_sequence) for f in status[1].feeds
        }
    finally:
        second.stop()
    assert Province.SH in TWO
