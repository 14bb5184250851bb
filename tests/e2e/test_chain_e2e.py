"""End to end: signed chains through real exchanges, Kafka and the registry; a
forgery produced straight onto Kafka quarantined; the chain exported and
verified offline with the public keys alone."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devtools.datagen import generate
from services.common.signing import keyset_path
from services.core.provinces import Province
from services.hub import client
from services.hub.demo_trust import chain_status, forge, wait_for
from services.hub.supervisor import Hub
from yrdhub.v1 import common_pb2, events_pb2, exchange_pb2, records_pb2, registry_pb2

pytestmark = pytest.mark.e2e


def _qualifications(n: int, seed: int) -> list[records_pb2.Record]:
    data = generate(n, seed=seed)
    bad = data.invalid_indexes.get(Province.SH, set())
    return [
        r
        for i, r in enumerate(data.by_province[Province.SH])
        if i not in bad and r.WhichOneof("body") == "qualification"
    ]


def _publish(stub: Any, records: list[records_pb2.Record]) -> None:
    reply = stub.PublishRecords(exchange_pb2.PublishRecordsRequest(records=records), timeout=30)
    assert reply.rejected == 0, [list(r.violations) for r in reply.results]


def _yrdhub(*args: str) -> subprocess.CompletedProcess[str]:
    cli = str(Path(sys.executable).with_name("yrdhub"))
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=120)


def test_a_forged_event_is_quarantined_and_the_chain_verifies_offline(hub: Hub) -> None:
    assert hub.tls_dir is not None
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    registry = client.registry_stub(hub.registry.address)
    records = _qualifications(20, seed=21)
    _publish(exchanges[Province.SH], records[:-1])
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)
    chain = chain_status(registry, Province.SH)
    assert chain.state == registry_pb2.CHAIN_STATE_VERIFIED and chain.verified_sequence > 0

    # Someone with a Kafka credential but not Shanghai's key: an event that
    # links to the real chain head and rewrites a record at a high revision,
    # under a checkpoint signed with a key of their own named "SH-1".
    target = records[0].qualification
    key = f"qualification/{target.issuer}/{target.number}"
    forged_record = records_pb2.Record()
    forged_record.CopyFrom(records[0])
    forged_record.qualification.institution_name = "冒名顶替检测有限公司"
    sequence = forge(hub, Province.SH, forged_record, revision=99) - 1
    prefix = hub.config.topic_prefix

    wait_for(
        lambda: chain_status(registry, Province.SH).state == registry_pb2.CHAIN_STATE_BROKEN,
        "the registry did not report the broken chain",
    )
    broken = chain_status(registry, Province.SH)
    assert broken.problem_sequence == sequence + 1
    assert "signature does not verify with key 'SH-1'" in broken.problem
    [entry] = registry.ListQuarantine(registry_pb2.ListQuarantineRequest(), timeout=10).entries
    assert (entry.item, entry.sequence) == ("checkpoint", sequence + 1)
    [held] = registry.GetRecord(registry_pb2.GetRecordRequest(record_key=key), timeout=10).records
    assert held.record.qualification.institution_name == target.institution_name

    # Shanghai goes on publishing: its genuine event takes the place, the
    # forged one is quarantined beside the bad checkpoint.
    _publish(exchanges[Province.SH], records[-1:])
    wait_for(
        lambda: chain_status(registry, Province.SH).state == registry_pb2.CHAIN_STATE_VERIFIED,
        "the genuine event did not mend the chain",
    )
    entries = registry.ListQuarantine(
        registry_pb2.ListQuarantineRequest(province=common_pb2.PROVINCE_SH), timeout=10
    ).entries
    assert sorted((e.item, e.sequence) for e in entries) == [
        ("checkpoint", sequence + 1),
        ("event", sequence + 1),
    ]
    status = registry.GetRegistryStatus(registry_pb2.GetRegistryStatusRequest(), timeout=10)
    assert status.quarantined == 2

    # Offline: the registry's export and the raw topics verify with the key set
    # alone; the forgery on Kafka is named and left out; a tampered export fails.
    keyset = str(keyset_path(hub.tls_dir / "signing"))
    saved = hub.config.workdir / "sh-chain.jsonl"
    exported = _yrdhub(
        "export-chain",
        "--registry",
        hub.registry.address,
        "--province",
        "SH",
        "--out",
        str(saved),
        "--tls-dir",
        str(hub.tls_dir),
    )
    assert exported.returncode == 0, exported.stdout + exported.stderr
    ok = _yrdhub("verify-chain", str(saved), "--keyset", keyset)
    assert ok.returncode == 0 and "verified" in ok.stdout, ok.stdout + ok.stderr
    raw = _yrdhub(
        "verify-chain", "--kafka", hub.kafka, "--topic-prefix", prefix, "--province", "SH",
        "--keyset", keyset,
    )  # fmt: skip
    assert raw.returncode == 0, raw.stdout + raw.stderr
    assert f"event at sequence {sequence + 1} is not on the signed chain" in raw.stdout

    lines = saved.read_text(encoding="utf-8").splitlines()
    tampered = [json.loads(line) for line in lines]
    victim = next(i for i, item in enumerate(tampered) if "event" in item)
    event = events_pb2.Event.FromString(base64.b64decode(tampered[victim]["event"]))
    event.record.qualification.institution_name = "改过的名称"
    tampered[victim]["event"] = base64.b64encode(event.SerializeToString()).decode()
    saved.write_text("\n".join(json.dumps(item) for item in tampered) + "\n", encoding="utf-8")
    bad = _yrdhub("verify-chain", str(saved), "--keyset", keyset)
    altered = f"event at sequence {event.sequence} was altered after it was published"
    assert bad.returncode == 1 and altered in " ".join(bad.stdout.split()), bad.stdout
