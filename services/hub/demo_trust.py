"""The demo's trust section: a forged event with a valid Kafka credential but
not the province's key is quarantined, the province's next genuine event
mends the chain, and the chain verifies offline with the public keys alone."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from services.common.convert import PROVINCE_TO_PB, timestamp
from services.common.db import make_engine
from services.common.kafka_io import checkpoint_topic, make_producer, topic_name
from services.common.signing import FOLDER, KeySet, Signer, keyset_path
from services.common.tls import TlsFiles
from services.core.chain import digest, link
from services.core.provinces import Province
from services.core.records import RecordKind
from services.exchange.checkpoints import checkpoint_signer
from services.hub.supervisor import Hub
from services.hub.verify_chain import export, from_file, verify_items
from yrdhub.v1 import common_pb2, events_pb2, exchange_pb2, records_pb2, registry_pb2


def forge(hub: Hub, province: Province, record: records_pb2.Record, revision: int) -> int:
    """Produces, straight onto Kafka, a qualification event that links to the
    province's real chain head, and a checkpoint over it signed with a key of
    the forger's own under the province's key id; returns its sequence."""
    with make_engine(hub.config.db_url(f"exchange-{province.value.lower()}")).connect() as conn:
        sequence, head = conn.execute(text("SELECT sequence, chain_link FROM chain_head")).one()
    q = record.qualification
    key = f"qualification/{q.issuer}/{q.number}"
    forged = events_pb2.Event(
        event_id=str(uuid.uuid4()),
        province=PROVINCE_TO_PB[province],
        record_key=key,
        kind=common_pb2.RECORD_KIND_QUALIFICATION,
        revision=revision,
        sequence=sequence + 1,
        accepted_at=timestamp(dt.datetime.now(dt.UTC)),
        record=record,
        previous_hash=bytes(head),
    ).SerializeToString()
    key_id = f"{province.value}-1"
    rogue = checkpoint_signer(province, Signer(key_id, Ed25519PrivateKey.generate()))
    prefix = hub.config.topic_prefix
    # A valid Kafka credential: the province's own exchange's certificate.
    credential = (
        TlsFiles(hub.tls_dir, f"exchange-{province.value}")
        if hub.kafka_tls and hub.tls_dir is not None
        else None
    )
    producer = make_producer(hub.kafka, "forger", tls=credential)
    try:
        producer.send(topic_name(RecordKind.QUALIFICATION, prefix), key=key.encode(), value=forged)
        producer.send(
            checkpoint_topic(prefix),
            key=province.value.encode(),
            value=rogue(sequence + 1, link(bytes(head), digest(forged)), dt.datetime.now(dt.UTC)),
        )
        producer.flush()
    finally:
        producer.close()
    return int(sequence) + 1


def chain_status(registry: Any, province: Province) -> registry_pb2.ChainStatus:
    status = registry.GetRegistryStatus(registry_pb2.GetRegistryStatusRequest(), timeout=10)
    [feed] = [f for f in status.feeds if f.province == PROVINCE_TO_PB[province]]
    chain: registry_pb2.ChainStatus = feed.chain
    return chain


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def show_trust(
    hub: Hub,
    exchanges: dict[Province, Any],
    registry: Any,
    genuine: records_pb2.Record,
    console: Console,
) -> None:
    if hub.tls_dir is None:
        return
    province = Province.SH
    q = genuine.qualification
    console.rule("Trust: signed chains")
    forged_record = records_pb2.Record()
    forged_record.CopyFrom(genuine)
    forged_record.qualification.institution_name = "冒名顶替检测有限公司"
    sequence = forge(hub, province, forged_record, revision=99)
    console.print(
        f"A forger with a Kafka credential but not Shanghai's key produces event {sequence} "
        f"rewriting CMA {q.number} as 「冒名顶替检测有限公司」 (revision 99), with a checkpoint "
        "signed by a key of its own named SH-1."
    )
    wait_for(
        lambda: chain_status(registry, province).state == registry_pb2.CHAIN_STATE_BROKEN,
        "the registry did not report the forgery",
    )
    chain = chain_status(registry, province)
    console.print(f"  SH feed: [bold red]BROKEN[/] at sequence {chain.problem_sequence}")
    console.print(f"  reason: {chain.problem}")
    reply = exchanges[province].PublishRecords(
        exchange_pb2.PublishRecordsRequest(records=[genuine_update(genuine)]), timeout=30
    )
    console.print(
        f"Shanghai publishes its next genuine update (revision {reply.results[0].revision})."
    )
    wait_for(
        lambda: chain_status(registry, province).state == registry_pb2.CHAIN_STATE_VERIFIED,
        "the genuine event did not mend the chain",
    )
    chain = chain_status(registry, province)
    table = Table(
        title=f"Quarantine (ListQuarantine); SH verified through {chain.verified_sequence}"
    )
    for col in ("item", "sequence", "reason"):
        table.add_column(col)
    request = registry_pb2.ListQuarantineRequest(province=PROVINCE_TO_PB[province])
    for entry in registry.ListQuarantine(request, timeout=10).entries:
        table.add_row(entry.item, str(entry.sequence), entry.reason)
    console.print(table)
    [held] = registry.GetRecord(
        registry_pb2.GetRecordRequest(record_key=f"qualification/{q.issuer}/{q.number}"),
        timeout=10,
    ).records
    console.print(
        f"CMA {q.number} reads 「{held.record.qualification.institution_name}」 at revision "
        f"{held.provenance.revision}: the forgery was never applied."
    )
    saved = hub.config.workdir / "sh-chain.jsonl"
    count = export(hub.registry.address, province, saved)
    keys = KeySet.load(keyset_path(hub.tls_dir / FOLDER))
    verdict = verify_items(province, from_file(saved)[1], keys)
    console.print(
        f"`yrdhub export-chain` saved {count} items to {saved.name}; `yrdhub verify-chain` "
        f"with the public keys alone: {'[bold green]verified[/]' if verdict.ok else 'BROKEN'}, "
        f"sequences {verdict.first_sequence}..{verdict.last_sequence} under "
        f"{verdict.checkpoints} signed checkpoints."
    )


def genuine_update(record: records_pb2.Record) -> records_pb2.Record:
    """The record with a changed address: a new revision from its province."""
    updated = records_pb2.Record()
    updated.CopyFrom(record)
    updated.qualification.address = (record.qualification.address or "") + "（新址）"
    return updated
