"""The hot paths' lookups go through the indexes of what they look for, on
SQLite, so that their cost does not grow with the database: applying a batch
in the registry, checking a batch of labels, and storing and relaying a batch
in an exchange.

SQLite's planner, given a certificate-kind filter beside a key, took the kind's
index and read every certificate on each batch; given "open" beside a subject,
it read every open conflict; ordering a relay's request spans by their primary
key, it read every request since the exchange began.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from devtools.datagen import generate
from services.common.db import make_engine
from services.core.provinces import Province
from services.exchange.outbox import Outbox
from services.exchange.publishing import Publisher
from services.registry.checks.reader import PointReader
from services.registry.ingest.apply import IncomingEvent
from services.registry.reconciliation.conflict_store import ConflictStore
from tests.factories import AppliedStore, event, green_cert, qualification, uscc

# Indexes whose leading column a lookup by a batch's keys must never be
# reduced to: a handful of values each, so a search by them reads a table.
_TOO_COARSE = ("(kind=?)", "(resolved_at=?)", "(kind=? AND", "(resolved_at=? AND")
# Tables of one row (a counter, a cursor, a chain's head): read whole.
_ONE_ROW = ("exchange_state", "relay_cursor", "chain_head")


@contextmanager
def _selects(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on `engine` inside the block, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        if not many and sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    sa_event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", capture)


@contextmanager
def _driver_selects() -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements that connections opened inside the block run, their
    values inlined: also those of readers that keep a driver cursor and so
    bypass SQLAlchemy's events."""
    selects: list[tuple[str, Any]] = []

    def run(sql: str) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            selects.append((sql, ()))

    def traced(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_trace_callback(run)

    sa_event.listen(Engine, "connect", traced)
    try:
        yield selects
    finally:
        sa_event.remove(Engine, "connect", traced)


def _walks(engine: Engine, statements: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(statement, plan step) of every step that reads a table whole, from its
    start, or by a column of a handful of values."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        walks = []
        for sql, params in statements:
            for row in cursor.execute("EXPLAIN QUERY PLAN " + sql, params):
                step: str = row[-1]
                whole = (
                    step.startswith("SCAN ")
                    and "VIRTUAL TABLE" not in step
                    and step.split()[1] not in _ONE_ROW
                )
                # Only an upper bound: a range from the table's first row.
                condition = step.partition(" (")[2]
                from_start = "<" in condition and ">" not in condition and "=" not in condition
                if whole or from_start or any(coarse in step for coarse in _TOO_COARSE):
                    walks.append((" ".join(sql.split())[:200], step))
        return walks
    finally:
        raw.close()


def _certificates(n: int, side: str, provinces: tuple[Province, Province]) -> list[IncomingEvent]:
    """n qualifications, in the first province, of laboratories named for
    `side`, and n green certificates, in the second, of models named for it:
    two sides share their keys, holders and labels under other names and
    models, so each pair is a conflict."""
    holders = [uscc(f"9131011{i:05d}ABCDE"[:17]) for i in range(n)]
    qualifications = [
        event(qualification(serial=i + 1, holder=holders[i], name=f"{side}检测{i}"), provinces[0])
        for i in range(n)
    ]
    certificates = [
        event(
            green_cert(number=f"CQC2024{side}{i:07d}", label=f"GP{i:014d}", model=f"{side}-{i}"),
            provinces[1],
        )
        for i in range(n)
    ]
    return qualifications + certificates


def test_a_batch_reads_only_its_own_groups_through_their_indexes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    store = AppliedStore(engine)
    store.create_schema()
    store.apply(_certificates(40, "甲", (Province.SH, Province.AH)), {("t", 0): 1})
    batch = _certificates(20, "乙", (Province.JS, Province.ZJ))
    with _selects(engine) as statements:
        store.apply(batch, {("t", 0): 2})
    # The batch's groups held conflicts: their rows were looked up, not only counted.
    assert len(ConflictStore(engine).find(open_only=True, limit=1000)) >= 40

    assert len(statements) >= 5  # the groups' lookups ran (conflicts were in scope)
    assert _walks(engine, statements) == []


def test_a_label_batch_looks_its_codes_up_through_their_indexes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    engine = make_engine(url)
    store = AppliedStore(engine)
    store.create_schema()
    store.apply(_certificates(40, "甲", (Province.SH, Province.AH)), {("t", 0): 1})
    labels = [f"GP{i:014d}" for i in range(5)]
    numbers = [f"CQC2024甲{i:07d}" for i in range(3)]
    with _driver_selects() as statements:
        found = PointReader(make_engine(url)).label_answers_by_code(
            [*labels, *numbers], "2026-06-01"
        )
    # Found by label code and by certificate number.
    assert {row[0] for row in found} == {*labels, *numbers}
    assert statements
    assert _walks(engine, statements) == []


def test_an_exchange_stores_and_relays_a_batch_through_indexes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'exchange.db'}")
    outbox = Outbox(engine, Province.SH.value)
    outbox.create_schema()
    publisher = Publisher(Province.SH, outbox)
    records = generate(60, seed=7, invalid_ratio=0.0).by_province[Province.SH]
    for start in range(0, 200, 50):
        publisher.publish(records[start : start + 50], f"request-{start}")
    outbox.mark_published(120)
    with _selects(engine) as statements:
        # New records and records sent again, then the relay's next batch.
        publisher.publish(records[200:260], "request-new")
        publisher.publish(records[:30], "request-again")
        pending = outbox.pending(100)
    assert pending and pending[0].request_id  # the request spans were looked up
    assert _walks(engine, statements) == []
