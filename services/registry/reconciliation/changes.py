"""Change streams: read the change log after a cursor, and wait for the next commit.

A subscriber resumes with the last cursor it received and gets exactly what
followed: the log only grows, in id order (see changelog), and every read is
bounded by the highest id visible when it started, so nothing between the
cursor and that bound can appear later.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.engine import Engine

from services.core.errors import InvalidRequest, Violation
from services.core.provenance import as_utc
from services.registry.reconciliation.changelog import (
    LAST_CHANGE,
    ChangeFilter,
    ChangeType,
    change_log,
)
from services.registry.reconciliation.conflict_store import StoredConflict, from_snapshot
from services.registry.records.store import StoredRow
from services.registry.records.tables import version_table

_version = version_table


@dataclass(frozen=True, slots=True)
class Change:
    cursor: int
    type: ChangeType
    recorded_at: dt.datetime
    # A record version, and whether it became its province's current one.
    record: StoredRow | None = None
    became_current: bool = False
    # A conflict as it stood after the change.
    conflict: StoredConflict | None = None


@dataclass(frozen=True, slots=True)
class ChangePage:
    changes: list[Change]
    # Every change up to this cursor has been examined (matching or not).
    scanned_to: int
    # Whether the read reached the newest change visible when it started.
    complete: bool


class ChangeReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def latest_cursor(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(LAST_CHANGE).scalar() or 0)

    def after(self, cursor: int, where: ChangeFilter, limit: int = 500) -> ChangePage:
        """Up to `limit` matching changes after `cursor`, in cursor order."""
        with self._engine.connect() as conn:
            high = int(conn.execute(LAST_CHANGE).scalar() or 0)
            if high <= cursor:
                return ChangePage([], cursor, True)
            stmt = _page(where, self._engine.dialect.name)
            rows = list(conn.execute(stmt, {"cursor": cursor, "high": high, "limit": limit}))
        changes = [_change(row) for row in rows]
        if len(rows) == limit:
            return ChangePage(changes, changes[-1].cursor, changes[-1].cursor == high)
        return ChangePage(changes, high, True)


# A filter's statement holds its values (a watch list of a thousand keys:
# about 230 KB on SQLite), so only the filters of a few dozen watchers are kept.
@functools.lru_cache(maxsize=64)
def _page(where: ChangeFilter, dialect: str) -> Select[*tuple[Any, ...]]:
    """A page of the changes `where` matches, made once per filter: each
    watcher asks again after every commit, a change of one record included,
    and building the statement cost more than running it."""
    c, v = change_log.c, _version.c
    return (
        select(
            c.id,
            c.change_type,
            c.recorded_at,
            c.province,
            c.record_key,
            c.revision,
            c.became_current,
            c.conflict,
            v.sequence,
            v.event_id,
            v.accepted_at,
            v.applied_at,
            v.payload,
        )
        .select_from(
            change_log.outerjoin(
                _version,
                and_(
                    v.province == c.province,
                    v.record_key == c.record_key,
                    v.revision == c.revision,
                ),
            )
        )
        .where(c.id > bindparam("cursor"), c.id <= bindparam("high"), *where.clauses(dialect))
        .order_by(c.id)
        .limit(bindparam("limit"))
    )


def _change(row: Any) -> Change:
    m = row._mapping
    kind = ChangeType(m["change_type"])
    if kind is ChangeType.RECORD_VERSION:
        key: str = m["record_key"]
        applied = as_utc(m["applied_at"])
        stored = StoredRow(
            province=m["province"],
            record_key=key,
            kind=key.split("/", 1)[0],
            revision=m["revision"],
            sequence=m["sequence"],
            event_id=m["event_id"],
            accepted_at=as_utc(m["accepted_at"]),
            applied_at=applied,
            payload=bytes(m["payload"]),
        )
        return Change(m["id"], kind, applied, stored, bool(m["became_current"]))
    return Change(m["id"], kind, as_utc(m["recorded_at"]), conflict=from_snapshot(m["conflict"]))


class ChangeSignal:
    """Wakes change-stream readers when the ingest thread commits a batch.

    Readers note the generation before they read; a commit in between bumps it,
    so `wait` then returns at once and no commit is ever slept through.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()

    @property
    def generation(self) -> int:
        return self._generation

    def notify(self) -> None:
        """Called from any thread after a commit."""
        with self._lock:
            self._generation += 1
            waiters, self._waiters = self._waiters, set()
        for loop, future in waiters:
            # The loop may be shutting down; its readers are going away too.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_wake, future)

    async def wait(self, seen: int, timeout: float) -> None:
        """Returns after the next commit following generation `seen`, or after `timeout`."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (loop, future)
        with self._lock:
            if self._generation != seen:
                return
            self._waiters.add(entry)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(entry)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# The most changes a subscriber level with the log reads on the event loop.
LIVE_BATCH = 50


class ChangeWatch:
    """The WatchChanges use case: replay after a cursor, then follow live."""

    def __init__(
        self,
        reader: ChangeReader,
        signal: ChangeSignal,
        *,
        batch: int = 500,
        idle_poll_s: float = 0.2,
    ) -> None:
        self._reader = reader
        self._signal = signal
        self._batch = batch
        # A fallback only: commits wake readers through the signal.
        self._idle_poll_s = idle_poll_s

    async def follow(
        self, where: ChangeFilter, *, after: int = 0, from_latest: bool = False
    ) -> AsyncIterator[tuple[list[Change], int]]:
        """Yields (matching changes in cursor order, cursor to resume after), forever.

        The first yield carries no change: the subscription is live from there.
        """
        if after < 0 and not from_latest:
            raise InvalidRequest(
                "negative cursor",
                [
                    Violation(
                        "after_cursor", f"a cursor received, or 0 for the first change; not {after}"
                    )
                ],
            )
        latest = await asyncio.to_thread(self._reader.latest_cursor)
        if from_latest:
            after = latest
        elif after > latest:
            # Most likely a cursor of another registry database (a replica rebuilt
            # from Kafka numbers its changes anew): following it would skip changes.
            raise InvalidRequest(
                "unknown cursor",
                [
                    Violation(
                        "after_cursor", f"beyond the newest change ({latest}) of this registry"
                    )
                ],
            )
        cursor = after
        yield [], cursor
        live = False
        while True:
            seen = self._signal.generation
            if live:
                # Woken by a commit while level with the log: its few changes
                # are read on the loop. Sending the read to a thread and back
                # took longer than the read (about 1 ms of a status change's
                # 18 ms to a subscriber here); a full page goes back to threads.
                page = self._reader.after(cursor, where, min(self._batch, LIVE_BATCH))
            else:
                page = await asyncio.to_thread(self._reader.after, cursor, where, self._batch)
            cursor = page.scanned_to
            if page.changes:
                yield page.changes, cursor
            live = page.complete
            if page.complete:
                await self._signal.wait(seen, self._idle_poll_s)
