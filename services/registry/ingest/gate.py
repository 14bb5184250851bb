"""The gate in front of the apply step: only events a province's signed chain
vouches for get through (core/chain.py).

Per poll, for each province touched: checkpoints are verified against the key
set (a bad one is quarantined with its reason); the events past the verified
chain, new and held, are walked from the verified link to the furthest
verified checkpoint. The events on that path are released, in sequence
order, to be applied; the ones at or below it that are not on it, and the ones
right after it whose previous_hash does not follow it, are quarantined; the
rest wait (a gap, or the checkpoint not read yet). A gap holds only its own
province.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from services.common.convert import PROVINCE_TO_PB
from services.common.signing import KeySet
from services.core.chain import Link, digest, signed_message, walk
from services.core.provinces import Province
from services.registry.ingest.chain_store import (
    ChainStore,
    ChainWrites,
    Held,
    Position,
    Quarantined,
)
from services.registry.ingest.events import scrubbed
from yrdhub.v1 import events_pb2

log = logging.getLogger(__name__)

_CODE = {number: p.value for p, number in PROVINCE_TO_PB.items()}


@dataclass(frozen=True, slots=True)
class Message:
    """A Kafka message as read."""

    topic: str
    partition: int
    offset: int
    value: bytes


@dataclass(frozen=True, slots=True)
class Candidate:
    message: Message
    event: events_pb2.Event
    link: Link
    held: bool


@dataclass
class Admitted:
    """The events to apply, in each province's sequence order, and the chain
    tables' changes to write with them."""

    events: list[tuple[Message, events_pb2.Event]]
    writes: ChainWrites


class ChainGate:
    def __init__(self, store: ChainStore, keys: KeySet) -> None:
        self._store = store
        self._keys = keys

    def admit(
        self,
        events: list[tuple[Message, events_pb2.Event]],
        checkpoints: list[Message],
        now: dt.datetime,
    ) -> Admitted:
        writes = ChainWrites({}, [], [], [], [], now)
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
        touched = {*per_province, *marks}
        if not touched:
            return Admitted([], writes)
        positions, held, stored_marks = self._store.load(touched)
        released: list[tuple[Message, events_pb2.Event]] = []
        for province in sorted(touched):
            known = {**stored_marks.get(province, {}), **marks.get(province, {})}
            released.extend(
                self._walk(
                    province,
                    positions[province],
                    per_province.get(province, []),
                    held.get(province, []),
                    known,
                    writes,
                )
            )
        return Admitted(released, writes)

    def _check_checkpoint(
        self, message: Message, marks: dict[str, dict[int, bytes]], writes: ChainWrites
    ) -> None:
        try:
            cp = events_pb2.ChainCheckpoint.FromString(message.value)
            province = _CODE[cp.province]
            signed_at = dt.datetime.fromisoformat(cp.signed_at)
        except (DecodeError, KeyError, ValueError) as exc:
            writes.quarantine.append(
                _quarantined("", 0, "checkpoint", f"unreadable checkpoint: {exc}", message)
            )
            return
        why = self._keys.verify(
            Province(province),
            cp.key_id,
            cp.signature,
            signed_message(province, cp.sequence, cp.chain_link, cp.signed_at),
            signed_at,
        )
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
        position: Position,
        new: list[tuple[Message, events_pb2.Event]],
        held: list[Held],
        marks: dict[int, bytes],
        writes: ChainWrites,
    ) -> list[tuple[Message, events_pb2.Event]]:
        candidates: dict[int, list[Link]] = defaultdict(list)
        by_link: dict[int, Candidate] = {}
        seen: set[tuple[int, bytes]] = set()

        def add(candidate: Candidate) -> None:
            key = (candidate.link.sequence, candidate.link.digest)
            if candidate.link.sequence <= position.sequence or key in seen:
                return  # applied already (a re-send), or already waiting
            seen.add(key)
            candidates[candidate.link.sequence].append(candidate.link)
            by_link[id(candidate.link)] = candidate

        for h in held:
            message = Message(h.topic, h.partition, h.offset, h.payload)
            event = events_pb2.Event.FromString(h.payload)
            add(Candidate(message, event, Link(h.sequence, h.previous_hash, h.digest), True))
        for message, event in new:
            add(
                Candidate(
                    message,
                    event,
                    Link(event.sequence, event.previous_hash, digest(message.value)),
                    False,
                )
            )
        if not candidates:
            return []
        result = walk(position.sequence, position.chain_link, candidates, marks)
        if result.sequence > position.sequence:
            writes.positions[province] = Position(result.sequence, result.chain_link)
        released = []
        for step in result.verified:
            candidate = by_link[id(step)]
            if candidate.held:
                writes.release.append((province, step.sequence, step.digest))
            released.append((candidate.message, candidate.event))
        refused = [(c, "not on the province's signed chain") for c in result.off_chain]
        refused += [
            (c, "its previous_hash does not follow the verified chain")
            for c in candidates.get(result.sequence + 1, [])
            if c.previous_hash != result.chain_link
        ]
        gone = {id(c) for c, _ in refused} | {id(c) for c in result.verified}
        for step, why in refused:
            candidate = by_link[id(step)]
            if candidate.held:
                writes.release.append((province, step.sequence, step.digest))
            log.error("quarantined %s's event at sequence %d: %s", province, step.sequence, why)
            writes.quarantine.append(
                _quarantined(
                    province,
                    step.sequence,
                    "event",
                    f"broken chain at sequence {step.sequence}: {why}",
                    candidate.message,
                )
            )
        for links in candidates.values():
            for step in links:
                candidate = by_link[id(step)]
                if id(step) in gone or candidate.held:
                    continue
                m = candidate.message
                writes.hold.append(
                    Held(
                        province,
                        step.sequence,
                        step.digest,
                        step.previous_hash,
                        m.topic,
                        m.partition,
                        m.offset,
                        # Personal data, should a faulty exchange send any, is never kept.
                        scrubbed(m.value),
                    )
                )
        return released


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
