"""The exchange's durable outbox in SQL (SQLite by default, PostgreSQL by URL).

A batch is stored in one transaction: new revisions of changed records, one
outbox row per revision with its serialized event, the province's sequence
counter and the head of its hash chain, and the signed checkpoints over that
chain (core/chain.py). The relay publishes rows in sequence order, each
checkpoint after the events it covers, and records how far it got in its own
row, so nothing acknowledged is lost on a crash and a re-sent batch after a
crash only repeats events the registry ignores.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from services.common.sql import insert_ignore, listed, upsert
from services.core.chain import CHECKPOINT_EVERY, GENESIS, digest, link
from services.core.transitions import StatusRules
from services.exchange import outbox_statements as sql
from services.exchange import publish_answers as answers
from services.exchange.final_statuses import FinalStatuses
from services.exchange.outbox_tables import (
    OutboxTables,
    checkpoint_table,
    current_table,
    cursor_table,
    head_table,
    outbox_table,
    repeated_table,
    state_table,
)

CHECKPOINT = "checkpoint"
"""PendingEvent.kind of a checkpoint."""


class Candidate(NamedTuple):
    """A validated record the exchange was asked to store."""

    record_key: str
    kind: str
    content_hash: bytes
    # A certificate's canonical status ("" for records without one).
    status: str = ""


class Stored(NamedTuple):
    """What became of a candidate: a new revision, the unchanged current one,
    or nothing, refused for the reason given (a final status changed)."""

    record_key: str
    revision: int
    event_id: str
    changed: bool
    refused: str = ""


@dataclass(frozen=True, slots=True)
class NewEvent:
    """What the payload builder needs to serialize one event."""

    index: int
    event_id: str
    revision: int
    sequence: int
    accepted_at: dt.datetime
    # The chain's link after the previous event (Event.previous_hash).
    previous_hash: bytes


class PendingEvent(NamedTuple):
    sequence: int
    record_key: str
    kind: str
    payload: bytes
    # The publish that stored it ("" for a checkpoint, or an event stored
    # before request ids were kept).
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    records_by_kind: dict[str, int]
    last_sequence: int
    last_published_sequence: int
    oldest_pending_at: dt.datetime | None


PayloadBuilder = Callable[[NewEvent], bytes]
NewEventId = Callable[[], str]
CheckpointSigner = Callable[[int, bytes, dt.datetime], bytes]
"""(sequence, chain link, now) -> a serialized, signed ChainCheckpoint."""


class Outbox:
    def __init__(
        self,
        engine: Engine,
        province: str,
        sign: CheckpointSigner | None = None,
        status_rules: StatusRules | None = None,
    ) -> None:
        """`status_rules`: which statuses are final (None: none is)."""
        self._engine = engine
        self._rules = status_rules
        self._province = province
        # None: an unsigned development hub (the chain is still kept).
        self._sign = sign
        # One writer per exchange process: SQLite has no row locks, and on
        # PostgreSQL the counter row is also locked FOR UPDATE.
        self._write_lock = threading.Lock()

    def create_schema(self) -> None:
        OutboxTables.metadata.create_all(self._engine)
        with self._engine.begin() as conn:
            state = conn.execute(select(state_table.c.province)).scalar_one_or_none()
            if state is None:
                conn.execute(
                    state_table.insert().values(id=1, province=self._province, last_sequence=0)
                )
                conn.execute(cursor_table.insert().values(id=1, last_published_sequence=0))
            elif state != self._province:
                raise RuntimeError(
                    f"this database belongs to the {state} exchange, not {self._province}"
                )
            if conn.execute(select(head_table.c.id)).first() is None:
                last = conn.execute(select(state_table.c.last_sequence)).scalar_one()
                conn.execute(head_table.insert().values(id=1, sequence=last, chain_link=GENESIS))

    def store(
        self,
        candidates: Sequence[Candidate],
        build_payload: PayloadBuilder,
        new_event_id: NewEventId,
        now: dt.datetime,
        request_id: str = "",
        also: Callable[[Connection, list[Stored]], None] | None = None,
        *,
        request_key: str = "",
    ) -> list[Stored]:
        """Stores the changed candidates as new revisions, in one transaction
        (with `also`'s writes, given the outcomes: the publish's audit entry).

        Returns one entry per candidate, in order. A candidate identical to the
        record's current revision (or to an earlier one in the same batch)
        gets no new revision, and a batch sent again gets none at all: a
        record it holds in several versions (A, then B) is recognised by those
        versions, not stored again as two more. The same batch sent again
        under the same `request_key` (publish_answers.request_of) is answered
        as it was the first time, even after newer revisions of its records.
        """
        versions, positions = _batch_versions(candidates)
        batch = (
            answers.fingerprint([(c.record_key, c.content_hash) for c in candidates])
            if request_key
            else b""
        )
        with self._write_lock, self._engine.begin() as conn:
            recalled = answers.recall(conn, request_key, batch, now) if request_key else None
            if recalled is not None:
                again = [
                    Stored(c.record_key, revision, event_id, False, refused)
                    for c, (revision, event_id, refused) in zip(candidates, recalled, strict=True)
                ]
                if also is not None:
                    also(conn, again)
                return again
            dialect = conn.dialect.name
            last_sequence = conn.execute(sql.LAST_SEQUENCE_FOR_UPDATE).scalar_one()
            chain = conn.execute(sql.CHAIN_LINK).scalar_one()
            checkpoints: list[dict[str, object]] = []
            keys = listed(dialect, {c.record_key for c in candidates})
            current: dict[str, tuple[bytes, int, str]] = {
                key: (content_hash, revision, event_id)
                for key, content_hash, revision, event_id in conn.execute(
                    sql.lookups(dialect).current, {sql.KEYS: keys}
                )
            }
            replayed = self._replayed(conn, versions, current)
            finals = FinalStatuses(self._rules, conn, candidates)

            results: list[Stored] = []
            outbox_rows: list[dict[str, object]] = []
            latest: dict[str, dict[str, object]] = {}
            for index, cand in enumerate(candidates):
                if cand.record_key in replayed:
                    results.append(replayed[cand.record_key][positions[index]])
                    continue
                known = current.get(cand.record_key)
                if known is not None and known[0] == cand.content_hash:
                    results.append(Stored(cand.record_key, known[1], known[2], changed=False))
                    continue
                why = finals.refusal(cand)
                if why:
                    revision, event_id = (known[1], known[2]) if known else (0, "")
                    results.append(Stored(cand.record_key, revision, event_id, False, why))
                    continue
                last_sequence += 1
                event = NewEvent(
                    index=index,
                    event_id=new_event_id(),
                    revision=(known[1] if known else 0) + 1,
                    sequence=last_sequence,
                    accepted_at=now,
                    previous_hash=chain,
                )
                payload = build_payload(event)
                chain = link(chain, digest(payload))
                outbox_rows.append(
                    {
                        "sequence": event.sequence,
                        "event_id": event.event_id,
                        "record_key": cand.record_key,
                        "kind": cand.kind,
                        "payload": payload,
                        "accepted_at": now,
                    }
                )
                if self._sign is not None and last_sequence % CHECKPOINT_EVERY == 0:
                    checkpoints.append(
                        {
                            "sequence": last_sequence,
                            "payload": self._sign(last_sequence, chain, now),
                        }
                    )
                current[cand.record_key] = (cand.content_hash, event.revision, event.event_id)
                finals.stored(cand, event.revision)
                latest[cand.record_key] = {
                    "record_key": cand.record_key,
                    "kind": cand.kind,
                    "content_hash": cand.content_hash,
                    "revision": event.revision,
                    "event_id": event.event_id,
                }
                results.append(Stored(cand.record_key, event.revision, event.event_id, True))
            if outbox_rows:
                if request_id:
                    conn.execute(
                        sql.ADD_REQUEST,
                        {
                            "first_sequence": outbox_rows[0]["sequence"],
                            "last_sequence": last_sequence,
                            "request_id": request_id,
                        },
                    )
                if self._sign is not None and last_sequence % CHECKPOINT_EVERY != 0:
                    # The batch's end, so that no acknowledged event waits for
                    # the next batch to be vouched for.
                    checkpoints.append(
                        {
                            "sequence": last_sequence,
                            "payload": self._sign(last_sequence, chain, now),
                        }
                    )
                insert_ignore(conn, outbox_table, outbox_rows, key=["sequence"])
                if checkpoints:
                    insert_ignore(conn, checkpoint_table, checkpoints, key=["sequence"])
                conn.execute(sql.SET_HEAD, {"sequence": last_sequence, "chain_link": chain})
                upsert(
                    conn,
                    current_table,
                    list(latest.values()),
                    key=["record_key"],
                    update=["kind", "content_hash", "revision", "event_id"],
                )
                finals.write(conn)
                conn.execute(sql.SET_LAST_SEQUENCE, {"last_sequence": last_sequence})
            self._remember_repeated(conn, versions, positions, results, replayed)
            if request_key:
                answers.remember(
                    conn,
                    request_key,
                    batch,
                    [(s.revision, s.event_id, s.refused) for s in results],
                    now,
                )
            if also is not None:
                also(conn, results)
            return results

    @staticmethod
    def _replayed(
        conn: Connection,
        versions: dict[str, list[bytes]],
        current: dict[str, tuple[bytes, int, str]],
    ) -> dict[str, list[Stored]]:
        """For each record the batch holds in several versions, what an earlier
        batch with the same versions made of them, if it was the record's
        last: one Stored per version."""
        repeated = [key for key, hashes in versions.items() if len(hashes) > 1]
        if not repeated:
            return {}
        out: dict[str, list[Stored]] = {}
        dialect = conn.dialect.name
        rows = conn.execute(sql.lookups(dialect).repeated, {sql.KEYS: listed(dialect, repeated)})
        for key, revision, hashes, event_ids in rows:
            known = current.get(key)
            if known is None or known[1] != revision or bytes(hashes) != b"".join(versions[key]):
                continue
            first = revision - len(versions[key]) + 1
            out[key] = [
                Stored(key, first + i, event_id, changed=False)
                for i, event_id in enumerate(event_ids.split(","))
            ]
        return out

    @staticmethod
    def _remember_repeated(
        conn: Connection,
        versions: dict[str, list[bytes]],
        positions: list[int],
        results: list[Stored],
        replayed: dict[str, list[Stored]],
    ) -> None:
        event_ids: dict[str, list[str]] = {
            key: [""] * len(hashes)
            for key, hashes in versions.items()
            if len(hashes) > 1 and key not in replayed
        }
        if not event_ids:
            return
        revisions: dict[str, int] = {}
        for position, stored in zip(positions, results, strict=True):
            if stored.record_key in event_ids:
                event_ids[stored.record_key][position] = stored.event_id
                revisions[stored.record_key] = stored.revision
        upsert(
            conn,
            repeated_table,
            [
                {
                    "record_key": key,
                    "revision": revisions[key],
                    "content_hashes": b"".join(versions[key]),
                    "event_ids": ",".join(ids),
                }
                for key, ids in event_ids.items()
            ],
            key=["record_key"],
            update=["revision", "content_hashes", "event_ids"],
        )

    def pending(self, limit: int) -> list[PendingEvent]:
        """The oldest events the relay has not yet seen acknowledged, in order,
        each checkpoint right after the event at its sequence."""
        with self._engine.connect() as conn:
            published = conn.execute(sql.LAST_PUBLISHED).scalar_one()
            rows = [
                PendingEvent(*row)
                for row in conn.execute(sql.PENDING, {sql.PUBLISHED: published, sql.LIMIT: limit})
            ]
            if not rows:
                return rows
            rows = self._with_request_ids(conn, rows)
            signed = {
                sequence: PendingEvent(sequence, self._province, CHECKPOINT, payload)
                for sequence, payload in conn.execute(
                    sql.PENDING_CHECKPOINTS, {sql.PUBLISHED: published, sql.LAST: rows[-1].sequence}
                )
            }
        if not signed:
            return rows
        merged: list[PendingEvent] = []
        for row in rows:
            merged.append(row)
            if row.sequence in signed:
                merged.append(signed[row.sequence])
        return merged

    @staticmethod
    def _with_request_ids(conn: Connection, rows: list[PendingEvent]) -> list[PendingEvent]:
        spans = conn.execute(
            sql.REQUEST_SPANS, {sql.FIRST: rows[0].sequence, sql.LAST: rows[-1].sequence}
        ).all()
        if not spans:
            return rows
        out = []
        spans_left = iter(spans)
        span = next(spans_left, None)
        for row in rows:
            while span is not None and span[1] < row.sequence:
                span = next(spans_left, None)
            if span is not None and span[0] <= row.sequence:
                row = row._replace(request_id=span[2])
            out.append(row)
        return out

    def mark_published(self, up_to_sequence: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(sql.MARK_PUBLISHED, {sql.LAST: up_to_sequence})

    def unpublished_count(self) -> int:
        """Events written but not yet acknowledged by Kafka."""
        with self._engine.connect() as conn:
            last = conn.execute(sql.LAST_SEQUENCE).scalar_one()
            published = conn.execute(sql.LAST_PUBLISHED).scalar_one()
        return int(last - published)

    def held(self, record_keys: Sequence[str]) -> set[str]:
        """Which of these records this exchange has stored a version of."""
        key = current_table.c.record_key
        with self._engine.connect() as conn:
            return set(conn.execute(select(key).where(key.in_(record_keys))).scalars())

    def status(self) -> OutboxStatus:
        with self._engine.connect() as conn:
            by_kind = {
                kind: count
                for kind, count in conn.execute(
                    select(current_table.c.kind, func.count()).group_by(current_table.c.kind)
                )
            }
            last = conn.execute(sql.LAST_SEQUENCE).scalar_one()
            published = conn.execute(sql.LAST_PUBLISHED).scalar_one()
            oldest = conn.execute(
                select(outbox_table.c.accepted_at).where(outbox_table.c.sequence == published + 1)
            ).scalar_one_or_none()
            return OutboxStatus(by_kind, last, published, oldest)


def _batch_versions(candidates: Sequence[Candidate]) -> tuple[dict[str, list[bytes]], list[int]]:
    """Each record's versions in a batch (its content hashes, a repeat of the
    one before not counted), and each candidate's place among its record's."""
    versions: dict[str, list[bytes]] = {}
    positions: list[int] = []
    for cand in candidates:
        seen = versions.setdefault(cand.record_key, [])
        if not seen or seen[-1] != cand.content_hash:
            seen.append(cand.content_hash)
        positions.append(len(seen) - 1)
    return versions, positions
