"""The gate in front of the apply step: only events a province's signed chain
vouches for get through (core/chain.py).

Per poll, for each province touched: checkpoints are verified against the key
set (a bad one is quarantined with its reason); the events past the verified
chain, new and waiting, are walked from the verified link to the furthest
verified checkpoint. The events on that path are released, in sequence
order, to be applied; the ones at or below it that are not on it, and the ones
right after it whose previous_hash does not follow it, are quarantined; the
rest wait (a gap, or the checkpoint not read yet). A gap holds only its own
province.

Waiting events stay in memory, and pin the stored Kafka offset of their
partition at the first of them: a restart reads them again, and what was
applied meanwhile is ignored as already held. (Holding them in the database
instead cost apply half its speed: a poll rarely has every partition's part
of a province's sequence, so most events would wait once.) The gate's state
changes only once the apply transaction committed (settle).

An event far past its province's chain (HOLD_AHEAD) that a verified
checkpoint vouches for is deferred instead: the feed reads its partition
again from it once the chain has come closer, so a registry catching up on
millions of events holds a bounded number in memory.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from google.protobuf.message import DecodeError

from services.common.convert import PROVINCE_TO_PB
from services.common.signing import KeySet, signed_instant
from services.core.chain import ChainReport, Link, digest, link, signed_message, walk
from services.core.provinces import Province
from services.registry.ingest.chain_store import (
    ChainStore,
    ChainWrites,
    Position,
    Quarantined,
)
from services.registry.ingest.events import scrubbed
from yrdhub.v1 import events_pb2

log = logging.getLogger(__name__)

_CODE = {number: p.value for p, number in PROVINCE_TO_PB.items()}
# How far past its verified chain an event is waited for, and how many
# different events one sequence may have (the genuine one and forgeries):
# waiting events pin their partitions' offsets and take memory.
MAX_AHEAD = 100_000
MAX_RIVALS = 4
# A registry catching up (rebuilt from offset zero, or back after an outage)
# reads a small topic far ahead of a large one: a province's events on it lie
# hundreds of thousands of sequences past its verified chain. Those a verified
# checkpoint vouches the chain reaches are neither kept waiting (memory) nor
# quarantined: their partition is read again from the first of them, held
# until the chain is within HOLD_AHEAD / 2 of it (and past the next checkpoint).
HOLD_AHEAD = 20_000
# A chain with events waiting that has not moved for this long is stuck on a
# gap (an operator's matter): partitions are no longer held for it, so it
# holds no one else.
STALLED_AFTER = dt.timedelta(seconds=60)


class Message(NamedTuple):
    """A Kafka message as read (a named tuple: one is made for every message)."""

    topic: str
    partition: int
    offset: int
    value: bytes
    # The broker's timestamp of the message (topics are LogAppendTime), if any.
    timestamp_ms: int | None = None
    # The publish it came from (the exchange's request id header), if any.
    request_id: str = ""


class Candidate(NamedTuple):
    message: Message
    event: events_pb2.Event
    link: Link


@dataclass
class _Chain:
    """One province's chain as the gate holds it."""

    position: Position
    # Events past the position, by (sequence, digest).
    waiting: dict[tuple[int, bytes], Candidate]
    # Links of verified checkpoints past the position.
    marks: dict[int, bytes]
    # Quarantined sequences past the position, and the first reason.
    broken: dict[int, str]
    # When the position last moved (or the chain was loaded).
    moved_at: dt.datetime | None = None

    def stalled(self, now: dt.datetime) -> bool:
        return self.moved_at is not None and now - self.moved_at > STALLED_AFTER

    def held_past(self, ahead: int) -> int:
        """The sequence past which events are held back: `ahead` past the
        position, and never before the next verified checkpoint (the chain
        moves from checkpoint to checkpoint)."""
        position = self.position.sequence
        upcoming = [m for m in self.marks if m > position]
        return max(position + ahead, min(upcoming, default=0))

    def advance(self, sequence: int, chain_link: bytes) -> None:
        """Vouched for up to `sequence`: checkpoints at or below it are spent."""
        self.position = Position(sequence, chain_link)
        self.marks = {s: m for s, m in self.marks.items() if s > sequence}


@dataclass(frozen=True, slots=True)
class Deferred:
    """An event read too far ahead of its province's chain (HOLD_AHEAD): to
    be read again, with the rest of its partition from it, once the chain
    has come closer."""

    message: Message
    province: str
    sequence: int


@dataclass
class Admitted:
    """The events to apply, in each province's sequence order; the chain
    tables' changes to write with them; the offset each partition may be
    stored at (no further than its first waiting or deferred event); the
    events deferred; and the gate's state once they are committed."""

    events: list[tuple[Message, events_pb2.Event]]
    writes: ChainWrites
    pins: dict[tuple[str, int], int]
    chains: dict[str, _Chain]
    deferred: list[Deferred]


class ChainGate:
    def __init__(self, store: ChainStore, keys: KeySet) -> None:
        self._store = store
        self._keys = keys
        self._chains: dict[str, _Chain] = {}
        self._loaded_all = False
        # The ingest thread admits and settles; status readers ask for reports
        # from other threads.
        self._lock = threading.Lock()

    def reports(self) -> dict[str, ChainReport]:
        """Every province's chain for the feed statuses, from memory (asked after
        every commit: the database is read once, the first time)."""
        with self._lock:
            if not self._loaded_all:
                self._load(set(self._store.known_provinces()))
                self._loaded_all = True
            chains = list(self._chains.items())
        reports = {}
        for province, chain in chains:
            broken = min(chain.broken, default=None)
            reports[province] = ChainReport(
                chain.position.sequence,
                len(chain.waiting),
                broken,
                "" if broken is None else chain.broken[broken],
            )
        return reports

    def holds(self, province: str, sequence: int, now: dt.datetime) -> bool:
        """Whether a partition read again from `province`'s event at
        `sequence` should wait longer (Deferred)."""
        with self._lock:
            chain = self._chains.get(province)
            if chain is None or chain.stalled(now):
                return False
            return sequence > chain.held_past(HOLD_AHEAD // 2)

    def settle(self, admitted: Admitted) -> None:
        """Called once the apply transaction committed: the chains admit computed
        become the gate's."""
        with self._lock:
            self._chains.update(admitted.chains)

    def admit(
        self,
        events: list[tuple[Message, events_pb2.Event]],
        checkpoints: list[Message],
        now: dt.datetime,
    ) -> Admitted:
        writes = ChainWrites({}, [], [], now)
        marks: dict[str, dict[int, bytes]] = defaultdict(dict)
        for message in checkpoints:
            self._check_checkpoint(message, marks, writes)
        per_province: dict[str, list[tuple[Message, events_pb2.Event]]] = defaultdict(list)
        for message, event in events:
            province = _CODE.get(event.province)
            if province is None:
                writes.quarantine.append(
                    _quarantined("", event.sequence, "event", "no province", message)
                )
                continue
            per_province[province].append((message, event))
        refused = {q.province for q in writes.quarantine if q.province}
        touched = {*per_province, *marks, *refused}
        with self._lock:
            self._load(touched)
        chains: dict[str, _Chain] = {}
        released: list[tuple[Message, events_pb2.Event]] = []
        deferred: list[Deferred] = []
        for province in sorted(touched):
            held = self._chains[province]
            chain = _Chain(
                held.position,
                dict(held.waiting),
                {**held.marks, **marks[province]},
                dict(held.broken),
                held.moved_at or now,
            )
            new = per_province.get(province, [])
            released.extend(self._walk(province, chain, new, writes, now, deferred))
            if chain.position != held.position:
                writes.positions[province] = chain.position
            if chain.position != held.position or not chain.waiting:
                # Stuck is waiting without moving: a chain with nothing
                # waiting (idle, or its checkpoints read first) is not.
                chain.moved_at = now
            chains[province] = chain
        # What is quarantined past a chain's position breaks it there.
        for q in writes.quarantine:
            refused_in = chains.get(q.province)
            if refused_in is not None and q.sequence > refused_in.position.sequence:
                refused_in.broken.setdefault(q.sequence, q.reason)
        for chain in chains.values():
            chain.broken = {s: r for s, r in chain.broken.items() if s > chain.position.sequence}
        pins: dict[tuple[str, int], int] = {}
        for chain in {**self._chains, **chains}.values():
            for candidate in chain.waiting.values():
                m = candidate.message
                at = (m.topic, m.partition)
                pins[at] = min(pins.get(at, m.offset), m.offset)
        for later in deferred:
            m = later.message
            at = (m.topic, m.partition)
            pins[at] = min(pins.get(at, m.offset), m.offset)
        return Admitted(released, writes, pins, chains, deferred)

    def _load(self, provinces: set[str]) -> None:
        missing = [p for p in provinces if p not in self._chains]
        if not missing:
            return
        positions, marks = self._store.load(missing)
        broken = self._store.broken_after({p: pos.sequence for p, pos in positions.items()})
        for province in missing:
            self._chains[province] = _Chain(
                positions[province], {}, marks.get(province, {}), broken.get(province, {})
            )

    def _check_checkpoint(
        self, message: Message, marks: dict[str, dict[int, bytes]], writes: ChainWrites
    ) -> None:
        try:
            cp = events_pb2.ChainCheckpoint.FromString(message.value)
            province = _CODE[cp.province]
            signed_at = signed_instant(cp.signed_at)
        except (DecodeError, KeyError, ValueError) as exc:
            writes.quarantine.append(
                _quarantined("", 0, "checkpoint", f"unreadable checkpoint: {exc}", message)
            )
            return
        try:
            why = self._keys.verify(
                Province(province),
                cp.key_id,
                cp.signature,
                signed_message(province, cp.sequence, cp.chain_link, cp.signed_at),
                signed_at,
            )
        except Exception as exc:  # whatever a crafted checkpoint does, it stops nothing
            why = f"cannot be verified ({type(exc).__name__})"
        if why is not None:
            log.error("quarantined %s's checkpoint at sequence %d: %s", province, cp.sequence, why)
            writes.quarantine.append(
                _quarantined(
                    province,
                    cp.sequence,
                    "checkpoint",
                    f"broken chain at sequence {cp.sequence}: {why}",
                    message,
                )
            )
            return
        marks[province][cp.sequence] = cp.chain_link
        writes.checkpoints.append((province, cp.sequence, cp.chain_link, message.value))

    def _walk(
        self,
        province: str,
        chain: _Chain,
        new: list[tuple[Message, events_pb2.Event]],
        writes: ChainWrites,
        now: dt.datetime,
        deferred: list[Deferred],
    ) -> list[tuple[Message, events_pb2.Event]]:
        """Extends `chain` (a copy) with the province's new events; returns the
        events released, in sequence order; adds to `deferred` those to read again."""
        start = chain.position
        waiting = chain.waiting
        fresh: list[_Fresh] = []
        # Past `hold`, up to the furthest verified checkpoint: deferred.
        hold = chain.held_past(HOLD_AHEAD)
        vouched = 0 if chain.stalled(now) else max(chain.marks, default=0)
        for message, event in new:
            sequence = event.sequence
            if sequence <= start.sequence:
                continue  # applied already: a re-send, or a re-read after a restart
            if hold < sequence <= vouched:
                deferred.append(Deferred(message, province, sequence))
                continue
            if sequence > start.sequence + MAX_AHEAD:
                # Waiting pins offsets and memory: an event this far ahead of
                # the verified chain is not waited for.
                why = f"sequence {sequence} is more than {MAX_AHEAD:,} past the verified chain"
                writes.quarantine.append(
                    _quarantined(province, sequence, "event", f"broken chain: {why}", message)
                )
                continue
            fresh.append((sequence, event.previous_hash, digest(message.value), message, event))
        if not waiting and fresh:
            released = _straight(chain, fresh)
            if released is not None:
                return released
        rivals = Counter(sequence for sequence, _ in waiting)
        for sequence, previous, event_digest, message, event in fresh:
            if (sequence, event_digest) in waiting:
                continue
            if rivals[sequence] >= MAX_RIVALS:
                why = f"more than {MAX_RIVALS} different events at sequence {sequence}"
                writes.quarantine.append(
                    _quarantined(province, sequence, "event", f"broken chain: {why}", message)
                )
                continue
            rivals[sequence] += 1
            link_ = Link(sequence, previous, event_digest)
            waiting[(sequence, event_digest)] = Candidate(message, event, link_)
        if not waiting:
            return []
        candidates: dict[int, list[Link]] = defaultdict(list)
        for c in waiting.values():
            candidates[c.link.sequence].append(c.link)
        result = walk(start.sequence, start.chain_link, candidates, chain.marks)
        if result.sequence > start.sequence:
            chain.advance(result.sequence, result.chain_link)
        refused = [(c, "not on the province's signed chain") for c in result.off_chain]
        refused += [
            (c, "its previous_hash does not follow the verified chain")
            for c in candidates.get(result.sequence + 1, [])
            if c.previous_hash != result.chain_link
        ]
        for step, why in refused:
            log.error("quarantined %s's event at sequence %d: %s", province, step.sequence, why)
            writes.quarantine.append(
                _quarantined(
                    province,
                    step.sequence,
                    "event",
                    f"broken chain at sequence {step.sequence}: {why}",
                    waiting.pop((step.sequence, step.digest)).message,
                )
            )
        released = []
        for step in result.verified:
            candidate = waiting.pop((step.sequence, step.digest))
            released.append((candidate.message, candidate.event))
        return released


_Fresh = tuple[int, bytes, bytes, Message, events_pb2.Event]


def _straight(chain: _Chain, fresh: list[_Fresh]) -> list[tuple[Message, events_pb2.Event]] | None:
    """The usual case in one plain loop: nothing waiting before, the new events
    one per sequence right after the verified chain, each linking to the one
    before. Releases those up to the last verified checkpoint among them and
    keeps the rest waiting; None (the general walk decides) for anything else."""
    fresh.sort(key=itemgetter(0))
    start = chain.position
    first = start.sequence + 1
    if any(item[0] != first + i for i, item in enumerate(fresh)):
        return None  # a gap, or two events at one sequence
    current, marks = start.chain_link, chain.marks
    best, best_link = 0, current
    for i, (sequence, previous, event_digest, _, _) in enumerate(fresh):
        if previous != current:
            return None  # a broken link: the general walk quarantines it
        current = link(current, event_digest)
        if marks.get(sequence) == current:
            best, best_link = i + 1, current
    if best:
        chain.advance(start.sequence + best, best_link)
    for sequence, previous, event_digest, message, event in fresh[best:]:
        link_ = Link(sequence, previous, event_digest)
        chain.waiting[(sequence, event_digest)] = Candidate(message, event, link_)
    return [(message, event) for _, _, _, message, event in fresh[:best]]


def _quarantined(
    province: str, sequence: int, item: str, reason: str, message: Message
) -> Quarantined:
    payload = scrubbed(message.value) if item == "event" else message.value
    return Quarantined(
        province,
        sequence,
        item,
        reason,
        message.topic,
        message.partition,
        message.offset,
        payload,
    )
