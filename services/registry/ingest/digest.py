"""A digest of what a registry made of the log: equal digests, equal state.

A registry is a view of the topics, so two registries that read the same
events, live or rebuilt from offset zero, must hold the same: every version
applied (with its payload), the current revision of every record, the open
conflicts and the dead letters. When things were applied (applied_at), in
which batches, the conflicts opened and resolved again within a batch, and the
stored offsets (a reading position, which the chain gate may hold back at an
event it released later from memory) are not state: they differ with timing,
and are left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from services.registry.reconciliation.conflict_store import conflict_table
from services.registry.records.tables import (
    dead_letter_table,
    record_table,
    version_table,
)
from yrdhub.v1 import events_pb2


def state_digest(engine: Engine) -> tuple[str, dict[str, int]]:
    """(hex SHA-256 of the state, how many items of each part it covers)."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for part, lines in _parts(conn):
            n = 0
            for line in sorted(lines):
                digest.update(f"{part}|{line}\n".encode())
                n += 1
            counts[part] = n
    return digest.hexdigest(), counts


def content_line(province: str, record_key: str, revision: int, record: bytes) -> str:
    """One applied version as published content: who, which record, which
    revision, and the SHA-256 of the record's deterministic encoding."""
    return f"{province}|{record_key}|{revision}|{hashlib.sha256(record).hexdigest()}"


def lines_digest(lines: Iterable[str]) -> str:
    """Hex SHA-256 of the lines, in sorted order: the same set, the same digest."""
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def content_lines(engine: Engine) -> list[str]:
    """Every version the registry applied, as content_line()s: what an oracle
    knows of the records it saw acknowledged (not sequences, times or
    signatures, which the exchanges choose), so the two can be compared."""
    v = version_table.c
    event = events_pb2.Event()
    lines = []
    with engine.connect() as conn:
        for province, key, revision, payload in conn.execute(
            select(v.province, v.record_key, v.revision, v.payload)
        ):
            event.ParseFromString(payload)
            record = event.record.SerializeToString(deterministic=True)
            lines.append(content_line(province, key, revision, record))
    return lines


def _parts(conn: Connection) -> Iterator[tuple[str, Iterator[str]]]:
    v, r, c, d = version_table.c, record_table.c, conflict_table.c, dead_letter_table.c
    yield (
        "version",
        (
            f"{p}|{k}|{rev}|{seq}|{hashlib.sha256(payload).hexdigest()}"
            for p, k, rev, seq, payload in conn.execute(
                select(v.province, v.record_key, v.revision, v.sequence, v.payload)
            )
        ),
    )
    yield (
        "record",
        (
            f"{p}|{k}|{rev}"
            for p, k, rev in conn.execute(select(r.province, r.record_key, r.revision))
        ),
    )
    yield (
        "open conflict",
        (
            f"{t}|{s}|{records}"
            for t, s, records in conn.execute(
                select(c.conflict_type, c.subject, c.records).where(c.resolved_at.is_(None))
            )
        ),
    )
    yield (
        "dead letter",
        (f"{t}|{p}|{off}" for t, p, off in conn.execute(select(d.topic, d.partition, d.offset))),
    )
