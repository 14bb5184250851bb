"""A team draw's snapshot, kept in parts: each field's lines once, and a recipe per draw.

A team snapshot lists every candidate of each requested field, 50-350 KB, and
nearly all of it is the field's prepared lines (services.core.teams), the
same for every draw until the pool changes. Written whole, each reveal
appended that much to the database's log, and durable commits of that size
were most of a draw's time at the tail (bench.pool's storage floor). So a
field's lines are kept once, as a part named by its SHA-256
(pool_snapshot_part), and a draw keeps a recipe: the snapshot's text, with
each large section a reference to its part and the lines this draw changed
(the candidates it excluded). Reading a draw puts the snapshot together again
and checks it against the SHA-256 the draw published, so what is served is
byte for byte what was drawn. (A registry of a version before parts would
serve a recipe as it is: replicas sharing a pool database must all be of a
version that reads them.)

What pool_draw.snapshot holds: a snapshot is a JSON object, so bytes that
start with '{' are a snapshot kept whole (inspection plans, team draws whose
sections are all small, and team draws made before parts); '[' starts a
recipe, a JSON array of text and sections:

    ["{\\"candidates\\":{\\"00\\":[", {"part": "<sha256 hex>", "set": {"17": "<line>"}}, ...]

A part is the field's lines joined by newlines (canonical JSON has none
unescaped); a section is those lines, each index in "set" replaced, joined by
commas.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from services.common.sql import insert_ignore
from services.core.teams import Screened, snapshot_text
from services.registry.pool.tables import DrawRow, snapshot_part_table

# A section of fewer lines stays in the recipe: a part would save nothing.
SMALLEST_PART = 64
# Parts a store remembers having stored (then it forgets them all: storing one
# again is a no-op).
_KEPT_REMEMBERED = 4096


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """A snapshot, and what pool_draw keeps of it."""

    body: bytes  # the snapshot, as published and digested
    stored: bytes  # the body itself, or a recipe
    parts: Mapping[bytes, bytes] = field(default_factory=dict)  # those a recipe names


def whole(body: bytes) -> StoredSnapshot:
    """A snapshot kept as it is."""
    return StoredSnapshot(body, body)


def is_recipe(stored: bytes) -> bool:
    return stored[:1] == b"["


def parts_named(stored: bytes) -> set[bytes]:
    """The SHA-256s of the parts a recipe names (none for a whole snapshot);
    ValueError for bytes that are not a recipe this version reads."""
    if not is_recipe(stored):
        return set()
    try:
        return {bytes.fromhex(p["part"]) for p in json.loads(stored) if isinstance(p, dict)}
    except (LookupError, TypeError, ValueError) as exc:
        raise ValueError(f"not a snapshot recipe ({type(exc).__name__})") from None


def expand(stored: bytes, parts: Mapping[bytes, bytes]) -> bytes:
    """The snapshot a stored value makes; `parts` must hold every part it names."""
    if not is_recipe(stored):
        return stored
    text = []
    for piece in json.loads(stored):
        if isinstance(piece, str):
            text.append(piece)
            continue
        lines = parts[bytes.fromhex(piece["part"])].decode().split("\n")
        for at, line in piece["set"].items():
            lines[int(at)] = line
        text.append(",".join(lines))
    return "".join(text).encode()


class SnapshotParts:
    """Makes recipes, working out each field pool's part once. Used by one draw
    at a time (the pool's drawing lock)."""

    def __init__(self) -> None:
        # By field, the part of its latest field pool: (that pool's lines, kept
        # to tell them from a newer pool's; the part's SHA-256; the part, or
        # None when the lines cannot make one). One a field, so the parts of
        # pool versions gone are let go.
        self._latest: dict[str, tuple[tuple[str, ...], bytes, bytes | None]] = {}

    def stored(self, pieces: Sequence[str | Screened]) -> StoredSnapshot:
        recipe: list[Any] = []
        parts: dict[bytes, bytes] = {}
        for piece in pieces:
            part = None if isinstance(piece, str) else self._part(piece)
            if isinstance(piece, str) or part is None:
                text = piece if isinstance(piece, str) else ",".join(piece.lines)
                if recipe and isinstance(recipe[-1], str):
                    recipe[-1] += text
                else:
                    recipe.append(text)
                continue
            digest, parts[digest] = part
            changed = {str(i): piece.lines[i] for i in sorted(piece.dynamic)}
            recipe.append({"part": digest.hex(), "set": changed})
        body = snapshot_text(pieces)
        if not parts:
            return whole(body)
        stored = json.dumps(recipe, ensure_ascii=False, separators=(",", ":")).encode()
        return StoredSnapshot(body, stored, parts)

    def _part(self, section: Screened) -> tuple[bytes, bytes] | None:
        """The section's part (SHA-256, bytes); None for a section kept in the
        recipe: a small one, or one whose lines a part would not give back."""
        lines = section.pool.lines
        if len(lines) < SMALLEST_PART or len(section.lines) != len(lines):
            return None
        latest = self._latest.get(section.pool.field)
        if latest is None or latest[0] is not lines:
            joined = "\n".join(lines).encode()
            # Split at newlines when read: a line holding one would not come back.
            part = joined if joined.count(b"\n") == len(lines) - 1 else None
            digest = hashlib.sha256(part).digest() if part is not None else b""
            latest = self._latest[section.pool.field] = (lines, digest, part)
        return None if latest[2] is None else (latest[1], latest[2])


def keep_parts(conn: Connection, parts: Mapping[bytes, bytes], kept: set[bytes]) -> list[bytes]:
    """Stores, in the reveal's transaction, the parts not in `kept` (another
    process may have stored them: those are left as they are); gives their
    SHA-256s, for `kept` once the transaction committed."""
    new = [digest for digest in parts if digest not in kept]
    if new:
        rows = [{"sha256": digest, "body": parts[digest]} for digest in new]
        insert_ignore(conn, snapshot_part_table, rows, key=["sha256"])
        if len(kept) > _KEPT_REMEMBERED:
            kept.clear()
    return new


def read_parts(conn: Connection, draw_id: str, stored: bytes) -> dict[bytes, bytes]:
    """The parts a stored snapshot names."""
    try:
        named = parts_named(stored)
    except ValueError as exc:
        raise RuntimeError(f"draw {draw_id}: its stored snapshot cannot be read: {exc}") from None
    if not named:
        return {}
    part = snapshot_part_table.c
    found = conn.execute(select(part.sha256, part.body).where(part.sha256.in_(named)))
    parts = {bytes(digest): bytes(body) for digest, body in found}
    if len(parts) != len(named):
        raise RuntimeError(f"draw {draw_id}: parts of its snapshot are missing")
    return parts


def put_together(row: DrawRow, parts: Mapping[bytes, bytes]) -> bytes:
    """A draw's snapshot from its recipe, checked against the SHA-256 it published
    (a snapshot kept whole is given as it is)."""
    if row.snapshot is None or not is_recipe(row.snapshot):
        return row.snapshot or b""
    try:
        snapshot = expand(row.snapshot, parts)
    except (LookupError, TypeError, ValueError):  # a part with fewer lines, not UTF-8...
        snapshot = b""
    if row.snapshot_sha256 != hashlib.sha256(snapshot).digest():
        raise RuntimeError(
            f"draw {row.draw_id}: its stored parts do not make the snapshot whose "
            "SHA-256 it published: the database was changed"
        )
    return snapshot
