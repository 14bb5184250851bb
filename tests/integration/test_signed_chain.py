"""The registry applies only what a province's signed chain vouches for: events
and checkpoints on the real broker, into real SQLite and PostgreSQL, with the
signing keys `yrdhub certs` makes and a forger's."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from functools import partial
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer

from devtools.datagen import generate
from services.common.convert import PROVINCE_TO_PB, timestamp
from services.common.db import make_engine
from services.common.kafka_io import (
    all_topics,
    checkpoint_topic,
    ensure_topics,
    make_consumer,
    make_producer,
)
from services.common.signing import KeySet, Signer, create_keys, keyset_path
from services.core.chain import GENESIS, digest, link
from services.core.provinces import Province
from services.core.records import RecordKind
from services.exchange.checkpoints import checkpoint_signer
from services.registry.ingest import gate as gate_module
from services.registry.ingest.chain_store import ChainStore
from services.registry.ingest.feed import Ingestor
from services.registry.ingest.gate import ChainGate
from services.registry.records.store import Feed, RecordStore
from tests.conftest import Databases
from tests.factories import AppliedStore
from yrdhub.v1 import common_pb2, events_pb2, records_pb2

QUALIFICATIONS = [
    r
    for rs in generate(12, seed=5).by_province.values()
    for r in rs
    if r.WhichOneof("body") == "qualification"
]


def _key(record: records_pb2.Record) -> str:
    return f"qualification/{record.qualification.issuer}/{record.qualification.number}"


KEY_1 = _key(QUALIFICATIONS[1])


class ProvinceChain:
    """A province's events and checkpoints, chained and signed as its exchange
    would (or with another key, as a forger would)."""

    def __init__(self, province: Province, signer: Signer) -> None:
        self.province = province
        self.sign = checkpoint_signer(province, signer)
        self.links = {0: GENESIS}

    def event(
        self,
        sequence: int,
        record: records_pb2.Record,
        previous: bytes | None = None,
        revision: int = 1,
    ) -> bytes:
        payload = events_pb2.Event(
            event_id=str(uuid.uuid4()),
            province=PROVINCE_TO_PB[self.province],
            record_key=_key(record),
            kind=common_pb2.RECORD_KIND_QUALIFICATION,
            revision=revision,
            sequence=sequence,
            accepted_at=timestamp(dt.datetime.now(dt.UTC)),
            record=record,
            previous_hash=self.links[sequence - 1] if previous is None else previous,
        ).SerializeToString()
        if previous is None:
            self.links[sequence] = link(self.links[sequence - 1], digest(payload))
        return payload

    def checkpoint(self, sequence: int) -> bytes:
        return self.sign(sequence, self.links[sequence], dt.datetime.now(dt.UTC))


class Registry:
    """The registry's verifying feed on one database."""

    def __init__(
        self, url: str, bootstrap: str, prefix: str, keys: KeySet, max_records: int = 5000
    ) -> None:
        engine = make_engine(url)
        self.chains = ChainStore(engine)
        self.chains.create_schema()
        self.store = AppliedStore(engine)
        self.store.create_schema()
        gate = ChainGate(self.chains, keys)
        self.feeds_store = RecordStore(engine, gate.reports)
        self.ingestor = Ingestor(
            self.store.writer,
            partial(make_consumer, bootstrap, "test-registry"),
            all_topics(prefix),
            self.store.offsets,
            max_records=max_records,
            gate=gate,
            checkpoint_topic=checkpoint_topic(prefix),
        )
        self.ingestor.assign()

    def drain(self, seconds: float = 3) -> None:
        """Polls until nothing more arrives for a while."""
        quiet_until = time.monotonic() + seconds
        while time.monotonic() < quiet_until:
            if self.ingestor.poll_once(timeout_ms=200):
                quiet_until = time.monotonic() + seconds

    def feed(self, province: Province) -> Feed:
        return next(f for f in self.feeds_store.feeds() if f.province == province.value)

    def applied(self, province: Province) -> int:
        found = [f for f in self.store.feeds() if f.province == province.value]
        return found[0].events_applied if found else 0


class Broker:
    def __init__(self, bootstrap: str, prefix: str) -> None:
        ensure_topics(bootstrap, [*all_topics(prefix), checkpoint_topic(prefix)])
        self.producer: KafkaProducer = make_producer(bootstrap, "test-chain")
        self.events = f"{prefix}yrd.{RecordKind.QUALIFICATION.value}.v1"
        self.checkpoints = checkpoint_topic(prefix)

    def send(self, *events: bytes, checkpoint: bytes | None = None) -> None:
        for value in events:
            key = events_pb2.Event.FromString(value).record_key.encode()
            self.producer.send(self.events, key=key, value=value)
        if checkpoint is not None:
            self.producer.send(self.checkpoints, key=b"x", value=checkpoint)
        self.producer.flush()


@pytest.fixture
def setting(
    databases: Databases, kafka_bootstrap: str, unique_topic_prefix: str, tmp_path: Path
) -> tuple[Registry, Broker, ProvinceChain, ProvinceChain, Path]:
    create_keys(tmp_path)
    keys = KeySet.load(keyset_path(tmp_path))
    broker = Broker(kafka_bootstrap, unique_topic_prefix)
    registry = Registry(databases.new("registry"), kafka_bootstrap, unique_topic_prefix, keys)
    sh = ProvinceChain(Province.SH, Signer.load(tmp_path, Province.SH))
    js = ProvinceChain(Province.JS, Signer.load(tmp_path, Province.JS))
    return registry, broker, sh, js, tmp_path


Setting = tuple[Registry, Broker, ProvinceChain, ProvinceChain, Path]


def test_events_wait_for_the_checkpoint_that_vouches_for_them(setting: Setting) -> None:
    registry, broker, sh, _, _ = setting
    broker.send(*[sh.event(s, QUALIFICATIONS[s]) for s in (1, 2, 3)])
    registry.drain(1)
    assert registry.applied(Province.SH) == 0
    chain = registry.feed(Province.SH).chain
    assert chain is not None and (chain.waiting, chain.verified_sequence) == (3, 0)

    broker.send(checkpoint=sh.checkpoint(3))
    registry.drain(1)
    assert registry.applied(Province.SH) == 3
    chain = registry.feed(Province.SH).chain
    assert chain is not None and (chain.waiting, chain.verified_sequence) == (0, 3)
    assert chain.broken_at is None


def test_a_forgery_with_a_valid_kafka_credential_but_not_the_key_is_quarantined(
    setting: Setting,
) -> None:
    registry, broker, sh, _, _ = setting
    broker.send(sh.event(1, QUALIFICATIONS[1]), checkpoint=sh.checkpoint(1))
    registry.drain(1)
    assert registry.applied(Province.SH) == 1

    # The forger reads the chain off Kafka and links its event correctly, but
    # signs with a key of its own under Shanghai's key id.
    forger = ProvinceChain(Province.SH, Signer("SH-1", Ed25519PrivateKey.generate()))
    forger.links = dict(sh.links)
    forged = QUALIFICATIONS[1].__deepcopy__()
    forged.qualification.institution_name = "冒名顶替检测有限公司"
    broker.send(forger.event(2, forged, revision=9), checkpoint=forger.checkpoint(2))
    registry.drain(1)
    chain = registry.feed(Province.SH).chain
    assert chain is not None and chain.broken_at == 2
    assert "signature does not verify with key 'SH-1'" in chain.broken_reason
    assert registry.applied(Province.SH) == 1

    # Shanghai's genuine event 2 puts the chain right; the forged one stays out.
    broker.send(sh.event(2, QUALIFICATIONS[2]), checkpoint=sh.checkpoint(2))
    registry.drain(1)
    assert registry.applied(Province.SH) == 2
    chain = registry.feed(Province.SH).chain
    assert chain is not None and chain.broken_at is None and chain.verified_sequence == 2
    [current] = registry.store.by_key(KEY_1)
    held = events_pb2.Event.FromString(current.payload).record.qualification
    assert held.institution_name == QUALIFICATIONS[1].qualification.institution_name
    reasons = sorted((q.item, q.sequence, q.reason) for q in registry.chains.quarantined(None, 10))
    assert reasons == [
        ("checkpoint", 2, "broken chain at sequence 2: signature does not verify with key 'SH-1'"),
        ("event", 2, "broken chain at sequence 2: not on the province's signed chain"),
    ]


def test_a_checkpoint_signed_with_another_provinces_key_is_refused(setting: Setting) -> None:
    registry, broker, sh, _, keys_dir = setting
    as_js = ProvinceChain(Province.SH, Signer.load(keys_dir, Province.JS))
    as_js.links = dict(sh.links)
    broker.send(as_js.event(1, QUALIFICATIONS[1]), checkpoint=as_js.checkpoint(1))
    registry.drain(1)
    assert registry.applied(Province.SH) == 0
    chain = registry.feed(Province.SH).chain
    assert chain is not None and chain.broken_at == 1
    assert "key 'JS-1' belongs to JS, not SH" in chain.broken_reason


def test_an_event_that_does_not_link_is_quarantined(setting: Setting) -> None:
    registry, broker, sh, _, _ = setting
    broker.send(sh.event(1, QUALIFICATIONS[1], previous=b"\x01" * 32))
    registry.drain(1)
    chain = registry.feed(Province.SH).chain
    assert chain is not None and chain.broken_at == 1
    assert "previous_hash does not follow the verified chain" in chain.broken_reason
    assert chain.waiting == 0 and registry.applied(Province.SH) == 0


def test_a_gap_holds_only_its_own_province_and_survives_a_restart(
    setting: Setting, databases: Databases, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    registry, broker, sh, js, _ = setting
    one, two, three = (sh.event(s, QUALIFICATIONS[s]) for s in (1, 2, 3))
    broker.send(one, three, checkpoint=sh.checkpoint(3))
    theirs = [js.event(s, QUALIFICATIONS[s]) for s in (1, 2)]
    broker.send(*theirs, checkpoint=js.checkpoint(2))
    registry.drain(1)
    assert registry.applied(Province.JS) == 2
    assert registry.applied(Province.SH) == 0
    chain = registry.feed(Province.SH).chain
    assert chain is not None and chain.waiting == 2 and chain.broken_at is None

    # The waiting events pinned their partitions' stored offsets: a new
    # registry process on the same database reads them again and goes on.
    registry.ingestor.stop(timeout=5)
    again = Registry(
        registry.store.engine.url.render_as_string(hide_password=False),
        kafka_bootstrap,
        unique_topic_prefix,
        KeySet.load(keyset_path(setting[4])),
    )
    broker.send(two)
    again.drain(1)
    assert again.applied(Province.SH) == 3
    chain = again.feed(Province.SH).chain
    assert chain is not None and (chain.waiting, chain.verified_sequence) == (0, 3)


def _send_vouched(broker: Broker, chain: ProvinceChain, last: int, missing: int = 0) -> None:
    """Events 1..`last` with a checkpoint after every second one; `missing` never sent."""
    for sequence in range(1, last + 1):
        event = chain.event(sequence, QUALIFICATIONS[sequence])
        if sequence != missing:
            checkpoint = chain.checkpoint(sequence) if sequence % 2 == 0 else None
            broker.send(event, checkpoint=checkpoint)


def _polling_a_few(databases: Databases, bootstrap: str, prefix: str, keys_dir: Path) -> Registry:
    """A new registry reading from offset zero in polls of a few events, so that
    a partition set aside has fetched records left over."""
    keys = KeySet.load(keyset_path(keys_dir))
    return Registry(databases.new("catching-up"), bootstrap, prefix, keys, max_records=4)


def test_a_registry_catching_up_reads_far_ahead_events_again_and_loses_none(
    setting: Setting,
    monkeypatch: pytest.MonkeyPatch,
    databases: Databases,
    kafka_bootstrap: str,
    unique_topic_prefix: str,
) -> None:
    """A registry rebuilt from offset zero reads a small topic far ahead of a
    large one. Events that verified checkpoints vouch for, far past the chain,
    are read again once it comes closer: none is quarantined, and few wait in
    memory meanwhile. (With the limits below as they are, a rebuild of a
    million records quarantined 176,000 genuine events before.)"""
    monkeypatch.setattr(gate_module, "MAX_AHEAD", 6)
    monkeypatch.setattr(gate_module, "HOLD_AHEAD", 3)
    _, broker, sh, _, keys_dir = setting
    _send_vouched(broker, sh, 30)
    registry = _polling_a_few(databases, kafka_bootstrap, unique_topic_prefix, keys_dir)
    registry.drain(3)
    assert registry.chains.quarantined(None, 10) == []
    assert registry.applied(Province.SH) == 30
    chain = registry.feed(Province.SH).chain
    assert chain is not None and (chain.waiting, chain.verified_sequence) == (0, 30)


def test_a_gap_holds_no_other_province_for_longer_than_a_stalled_chain_takes(
    setting: Setting,
    monkeypatch: pytest.MonkeyPatch,
    databases: Databases,
    kafka_bootstrap: str,
    unique_topic_prefix: str,
) -> None:
    """Shanghai's event 5 never arrives, while its later events, vouched for,
    are deferred and hold their partitions. Once its chain has waited without
    moving (STALLED_AFTER), nothing is held for it any more: Jiangsu's events
    behind them in the same partitions are applied, and Shanghai's wait."""
    monkeypatch.setattr(gate_module, "MAX_AHEAD", 1000)
    monkeypatch.setattr(gate_module, "HOLD_AHEAD", 3)
    monkeypatch.setattr(gate_module, "STALLED_AFTER", dt.timedelta(seconds=1))
    _, broker, sh, js, keys_dir = setting
    _send_vouched(broker, sh, 30, missing=5)
    _send_vouched(broker, js, 10)
    registry = _polling_a_few(databases, kafka_bootstrap, unique_topic_prefix, keys_dir)
    registry.drain(3)
    assert registry.applied(Province.JS) == 10
    assert registry.applied(Province.SH) == 4
    chain = registry.feed(Province.SH).chain
    assert chain is not None and (chain.verified_sequence, chain.waiting) == (4, 25)
    assert registry.chains.quarantined(None, 10) == []


def test_what_cannot_be_waited_for_is_quarantined_once_and_stops_nothing(
    setting: Setting, kafka_bootstrap: str, unique_topic_prefix: str
) -> None:
    """An event far past the chain (it would pin offsets and memory), and a
    checkpoint whose time has no zone: quarantined, once, even when read again
    after a restart; the province's genuine events go on."""
    registry, broker, sh, _, keys_dir = setting
    one = sh.event(1, QUALIFICATIONS[1])
    far = ProvinceChain(Province.SH, Signer.load(keys_dir, Province.SH))
    far.links = {200_000: b"\x02" * 32}
    crafted = events_pb2.ChainCheckpoint.FromString(sh.checkpoint(1))
    crafted.signed_at = "2026-12-02T10:00:00"
    broker.send(one, far.event(200_001, QUALIFICATIONS[1]), checkpoint=crafted.SerializeToString())
    registry.drain(1)
    reasons = sorted(q.reason for q in registry.chains.quarantined(None, 10))
    assert len(reasons) == 2
    assert "unreadable checkpoint" in reasons[1] and "more than 100,000" in reasons[0]

    # Event 1 still waits and pins its partition: a new process reads the
    # far event again, and quarantines nothing twice.
    registry.ingestor.stop(timeout=5)
    again = Registry(
        registry.store.engine.url.render_as_string(hide_password=False),
        kafka_bootstrap,
        unique_topic_prefix,
        KeySet.load(keyset_path(keys_dir)),
    )
    broker.send(checkpoint=sh.checkpoint(1))
    again.drain(1)
    assert again.applied(Province.SH) == 1
    assert len(again.chains.quarantined(None, 10)) == 2
