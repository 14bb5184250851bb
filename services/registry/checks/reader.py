"""The registry's hottest reads: single certificate checks and feed freshness.

A single check must cost little more than gRPC itself, and SQLAlchemy's
per-statement overhead is several times an indexed SQLite lookup, so these
reads use a raw DBAPI connection per thread with plain SQL. Feed freshness
changes only when the ingest thread commits, so it is cached and refreshed
right after each commit.

On SQLite, the event loop's reads share one read transaction (a snapshot)
until the registry writes: begun and ended per statement, the transaction
costs a check three system calls (file locks and a size check), a few
percent of its time. The ingest thread announces each write
(PointReader.writes), so reads see every announced commit right after it.
Before the write begins the loop ends its snapshot, and none is taken while
it runs: a snapshot older than a commit stops the checkpoint that follows it
from copying the whole write-ahead log back, and with reads between every
pair of writes the log would never be reused and would grow for as long as
both went on. A snapshot also ends SNAPSHOT_SECONDS after it began, which
bounds how late a commit nobody announced (another process's) is seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar, cast

from sqlalchemy.engine import Engine

from services.common.db import is_sqlite, reader_engine
from services.common.sql import listed
from services.registry.checks.answers import CheckRow, StoredAnswer
from services.registry.checks.kept import newer_part
from services.registry.records.store import Feed, RecordStore

T = TypeVar("T")


# The longest a snapshot lives, and the longest a write waits for the event
# loop to end one.
SNAPSHOT_SECONDS = 0.1
# Codes whose answers a reader keeps between two commits (about 1 kB each);
# past that the older half is dropped (kept.newer_part).
MAX_CACHED_CODES = 16_384


class PointReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = reader_engine(engine)
        self._local = threading.local()
        self._snapshots = is_sqlite(engine)
        # Bumped when a write begins and when it ends (one writing thread): a
        # thread's reads renew their snapshot when it moved.
        self._version = 0
        self._writers = 0
        # The loop (and its thread) whose reads hold snapshots, for writes()
        # to reach; the registry has one loop for its life.
        self._holder: tuple[asyncio.AbstractEventLoop, int] | None = None
        self._held = False  # whether that loop holds one now (a hint to writers)
        self._tokens = itertools.count()
        # Answers by code as of one version: a code checked again before the
        # next commit is answered without a read. Under load a read cost a
        # check about 20 µs more than in a quiet process: SQLite releases the
        # GIL for it, and the gRPC poller takes it meanwhile.
        self._answers: tuple[int, dict[str, list[CheckRow]]] = (0, {})
        p = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        # Two index searches whose rows the database merges (a record whose
        # number equals its label code comes once); sorted here, when need be.
        self._by_code = (
            f"SELECT answer, status, valid_until, province, valid_from FROM registry_record "
            f"WHERE code = {p} OR label_code = {p}"
        )
        among = "IN (SELECT value FROM json_each(?))" if p == "?" else "= ANY(%s)"
        # Whether the validity had begun on the day asked, decided in SQL: a
        # flag costs the fetch less than the date as text.
        cols = (
            "province, record_key, uscc, {label}, label_answer, status, valid_until, "
            f"(valid_from IS NULL OR valid_from <= {p}), product"
        )
        # Found by label code, the label is the code asked (NULL: not fetched twice).
        # By number, the kind is compared as an expression (`kind || ''`): SQLite
        # would otherwise search the kind's index and read every green
        # certificate on each batch, a cost growing with the registry.
        self._green_by_code = (
            f"SELECT label_code, {cols.format(label='NULL')} FROM registry_record "
            f"WHERE label_code {among} AND kind = 'green_cert' "
            f"UNION ALL SELECT code, {cols.format(label='label_code')} FROM registry_record "
            f"WHERE code {among} AND kind || '' = 'green_cert' AND code <> label_code"
        )

    @property
    def version(self) -> int:
        """Moves when a write begins and when it ends: what was read at one
        version holds until it moves (see writes)."""
        return self._version

    @contextlib.contextmanager
    def writes(self) -> Iterator[None]:
        """Wraps each write transaction of the one thread writing the rows these
        reads return (the ingest thread): the loop's snapshot is ended first,
        none is taken meanwhile, and reads after it see its commit."""
        self._writers += 1
        self._version += 1
        self._end_held_snapshot()
        try:
            yield
        finally:
            self._writers -= 1
            self._version += 1

    def _end_held_snapshot(self) -> None:
        holder = self._holder
        if holder is None or not self._held:
            # No round trip to a loop holding none. One beginning a snapshot at
            # this very moment keeps it until its next read, at most 0.1 s.
            return
        loop, thread = holder
        if thread == threading.get_ident():
            self._end_snapshot()
            return
        ended = threading.Event()
        try:
            loop.call_soon_threadsafe(self._end_snapshot, None, ended)
        except RuntimeError:  # that loop is closed: its snapshots ended with it
            self._holder = None
            return
        # A busy loop (a batch check) may take a few milliseconds; past the
        # bound the write goes ahead, and the snapshot's own end comes soon.
        ended.wait(SNAPSHOT_SECONDS)

    def _cursor(self) -> Any:
        """This thread's driver cursor, kept between calls: making one per call
        cost a check more than its SQL."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            # In autocommit on PostgreSQL (see reader_engine): no transaction
            # is left open between calls.
            conn = self._engine.raw_connection()
            self._local.conn = conn
            self._local.version = None
            self._local.snapshot = None
            cursor = self._local.cursor = conn.driver_connection.cursor()  # type: ignore[union-attr]
        return cursor

    def _renew_snapshot(self) -> None:
        """Ends this thread's snapshot and, on an event loop's thread while no
        write runs, begins the next one (the loop ends it in SNAPSHOT_SECONDS)."""
        local = self._local
        # Reads at this version need no renewal: none is held while a write
        # runs, and its end moves the version on.
        local.version = self._version
        if not self._snapshots:
            return
        if local.snapshot is not None:
            local.snapshot = None
            self._held = False
            local.conn.driver_connection.commit()  # a read transaction: ends it
        if self._writers:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a thread without a loop could not end its snapshot
        # A deferred BEGIN: the snapshot is taken by the next SELECT, after
        # the version was read, so it holds every commit announced before.
        local.cursor.execute("BEGIN")
        local.snapshot = token = next(self._tokens)
        self._holder = (loop, threading.get_ident())
        self._held = True
        loop.call_later(SNAPSHOT_SECONDS, self._end_snapshot, token)

    def _end_snapshot(self, token: int | None = None, ended: threading.Event | None = None) -> None:
        """On the loop's thread: ends its snapshot (only the one begun as
        `token`, when given)."""
        local = self._local
        try:
            held = getattr(local, "snapshot", None)
            if held is not None and (token is None or token == held):
                local.snapshot = None
                local.version = None
                self._held = False
                with contextlib.suppress(Exception):  # a broken connection holds none
                    local.conn.driver_connection.commit()
        finally:
            if ended is not None:
                ended.set()

    def answers_by_code(self, code: str) -> list[CheckRow]:
        """The StoredRecord answers of the certificates whose number or label code
        is `code`, in every province (ordered by province). The list is shared:
        callers do not change it."""
        answers = self._answers
        if answers[0] != self._version:
            answers = self._answers = (self._version, {})
        cached = answers[1].get(code)
        if cached is not None:
            return cached
        rows = self._read_by_code(code)
        # Stored under the version taken before the read: once a commit has
        # moved the version, only calls that began before it still look here.
        if len(answers[1]) >= MAX_CACHED_CODES:
            answers = self._answers = (answers[0], newer_part(answers[1], MAX_CACHED_CODES // 2))
        answers[1][code] = rows
        return rows

    def _read_by_code(self, code: str) -> list[CheckRow]:
        try:
            # The cursor is used inline, not through _fetch: a call less per check.
            cursor = getattr(self._local, "cursor", None) or self._cursor()
            if self._local.version != self._version:
                self._renew_snapshot()
            cursor.execute(self._by_code, (code, code))
            rows: list[CheckRow] = cursor.fetchall()
        except Exception:
            # A broken connection (a database restart) is replaced, once.
            self._drop_connection()
            rows = self._fetch(self._by_code, (code, code))
        if len(rows) > 1:
            rows.sort(key=lambda r: str(r[3]))
        return rows

    def label_answers_by_code(
        self, codes: Collection[str], day: str
    ) -> list[tuple[str, str, str, str, str, StoredAnswer, bool, str]]:
        """(code, province, record key, holder, label code, LabelMatch answer,
        whether valid from `day` (ISO) on, product) of the green certificates whose label
        code or certificate number is one of `codes`: two indexed lookups, the
        codes bound as one parameter whatever their number."""
        # In order, the lookups walk each index forwards: on SQLite the
        # statement for 1,000 codes took 2.2-2.5 ms against 2.7-2.8 unsorted.
        codes_bound = listed(self._engine.dialect.name, sorted(codes))
        params = (day, codes_bound, day, codes_bound)
        try:
            rows = self._fetch(self._green_by_code, params)
        except Exception:
            self._drop_connection()
            rows = self._fetch(self._green_by_code, params)
        return [
            (
                r[0],
                r[1],
                r[2],
                r[3],
                r[4] or r[0],
                StoredAnswer(bytes(r[5]), r[6], r[7]),
                bool(r[8]),
                r[9] or "",
            )
            for r in rows
        ]

    def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        cur = self._cursor()
        if self._local.version != self._version:
            self._renew_snapshot()
        cur.execute(sql, params)
        rows: list[Any] = cur.fetchall()  # a list from both drivers: no copy
        return rows

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        self._local.cursor = None
        self._local.version = None
        self._local.snapshot = None
        if conn is not None:
            with contextlib.suppress(Exception):  # already gone: nothing to release
                conn.invalidate()


class FeedCache:
    """Feed freshness as of the last commit, for answers that state it."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store
        # The feeds and what readers derived from them, swapped as one object.
        self._state: tuple[list[Feed], dict[Callable[..., Any], Any]] = (store.feeds(), {})

    def get(self) -> list[Feed]:
        return self._state[0]

    def derived(self, build: Callable[[list[Feed]], T]) -> T:
        """build(feeds), computed once per commit (e.g. the feeds as messages)."""
        feeds, cache = self._state
        if build not in cache:
            cache[build] = build(feeds)
        return cast(T, cache[build])

    def refresh(self) -> None:
        """Called by the ingest thread after each commit; readers see a whole list."""
        self._state = (self._store.feeds(), {})
