"""The audit trail's table (core/audit.py): append-only and hash-chained, in
the database of the service that records it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import LargeBinary, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel

from services.common.sql import create_tables
from services.core.audit import GENESIS, AuditEntry, AuditFacts, chained
from services.core.provenance import as_utc


class AuditTables(SQLModel, registry=registry()):
    """Base of the audit table (its own metadata)."""


class AuditRow(AuditTables, table=True):
    __tablename__ = "audit_entry"
    sequence: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: dt.datetime
    caller: str = Field(max_length=200)
    caller_province: str = Field(max_length=2, index=True)
    method: str = Field(max_length=200)
    outcome: str = Field(max_length=40)
    touched: str
    previous_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    entry_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


_audit = AuditRow.__table__  # type: ignore[attr-defined]
_ATTEMPTS = 5

Append = Callable[[Connection, AuditFacts], AuditEntry]


# Made once: every publish appends an entry, and building the statements
# afresh cost more than running them (see services.exchange.outbox_statements).
_LAST_ENTRY = (
    select(_audit.c.sequence, _audit.c.entry_hash).order_by(_audit.c.sequence.desc()).limit(1)
)
_ADD_ENTRY = _audit.insert()


def _append_in(conn: Connection, facts: AuditFacts) -> AuditEntry:
    last = conn.execute(_LAST_ENTRY).first()
    sequence, previous = (1, GENESIS) if last is None else (last[0] + 1, last[1])
    entry = AuditEntry(sequence, facts, previous, chained(previous, facts))
    conn.execute(
        _ADD_ENTRY,
        {
            "sequence": sequence,
            "at": facts.at,
            "caller": facts.caller,
            "caller_province": facts.caller_province,
            "method": facts.method,
            "outcome": facts.outcome,
            "touched": facts.touched,
            "previous_hash": previous,
            "entry_hash": entry.entry_hash,
        },
    )
    return entry


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    def create_schema(self) -> None:
        create_tables(
            self._engine,
            AuditTables.metadata,
            "The audit trail predates this version: move the table audit_entry aside.",
        )

    def append(self, facts: AuditFacts) -> AuditEntry:
        """Appends one entry after the last; two processes on one database race
        for the next sequence, and the loser takes the one after."""
        with self._lock:
            for _ in range(_ATTEMPTS):
                try:
                    with self._engine.begin() as conn:
                        return _append_in(conn, facts)
                except IntegrityError:
                    continue
        raise RuntimeError("could not append to the audit trail")

    @contextmanager
    def with_writes(self) -> Iterator[Append]:
        """How a transaction of the caller's appends its entry with its own
        writes (an exchange's publish: its records and their entry are
        committed together, or neither). Enter before that transaction begins
        and leave after it ends: this process appends nothing else meanwhile.
        The transaction must be on this log's database."""
        with self._lock:
            yield _append_in

    def entries(
        self, caller_province: str | None, before: int = 0, limit: int = 100
    ) -> list[AuditEntry]:
        """Newest first; only those of callers of `caller_province` unless None."""
        a = _audit.c
        stmt = select(_audit).order_by(a.sequence.desc()).limit(limit)
        if caller_province is not None:
            stmt = stmt.where(a.caller_province == caller_province)
        if before > 0:
            stmt = stmt.where(a.sequence < before)
        with self._engine.connect() as conn:
            return [
                AuditEntry(
                    row.sequence,
                    AuditFacts(
                        as_utc(row.at) or row.at,
                        row.caller,
                        row.caller_province,
                        row.method,
                        row.outcome,
                        row.touched,
                    ),
                    row.previous_hash,
                    row.entry_hash,
                )
                for row in conn.execute(stmt)
            ]
