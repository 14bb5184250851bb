"""One record kind's rows as the registry applied them, kept in memory for
the pool (assessors, officers, qualifications): each row parsed once per
revision, and only the rows applied since the last look read again, so a
draw over 10,000 assessors does not parse 10,000 payloads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Engine

from services.registry.records.tables import record_table

_record = record_table
# Rows applied this long before the newest one seen are read again: a
# registry's clock may step back a little, and a revision check makes the
# re-read cheap.
_REREAD_MARGIN = dt.timedelta(seconds=60)

T = TypeVar("T")


def rows_applied_since(
    conn: Connection, kind: str, seen: dt.datetime | None
) -> tuple[dt.datetime | None, list[tuple[str, str, int, bytes]]]:
    """The newest applied_at of `kind`'s rows, and (province, record key,
    revision, payload) of those applied since `seen` (all when None); none
    when nothing was applied since."""
    newest = conn.execute(_NEWEST, {"kind": kind}).scalar_one_or_none()
    if newest is None or newest == seen:
        return seen, []
    if seen is None:
        rows = conn.execute(_ALL, {"kind": kind})
    else:
        rows = conn.execute(_SINCE, {"kind": kind, "since": seen - _REREAD_MARGIN})
    return newest, [(p, k, rev, payload) for p, k, rev, payload in rows]


# Made once, each call binding its values: a draw refreshes the pool first,
# and building these afresh cost more than running them.
_r = _record.c
_NEWEST = select(func.max(_r.applied_at)).where(_r.kind == bindparam("kind"))
_ALL = select(_r.province, _r.record_key, _r.revision, _r.payload).where(
    _r.kind == bindparam("kind")
)
_SINCE = _ALL.where(_r.applied_at >= bindparam("since"))


class AppliedRows(Generic[T]):
    """(province, record key) -> (revision, parsed row) for one kind; a row
    `parse` refuses (None) stays out. Not locked: its owner refreshes it
    under its own lock."""

    def __init__(self, kind: str, parse: Callable[[bytes], T | None]) -> None:
        self._kind = kind
        self._parse = parse
        self._newest: dt.datetime | None = None
        self.held: dict[tuple[str, str], tuple[int, T]] = {}

    def refresh(self, engine: Engine) -> bool:
        """Reads the rows applied since the last refresh; whether any changed."""
        with engine.connect() as conn:
            self._newest, rows = rows_applied_since(conn, self._kind, self._newest)
        changed = False
        for province, key, revision, payload in rows:
            kept = self.held.get((province, key))
            if kept is not None and kept[0] >= revision:
                continue
            parsed = self._parse(payload)
            if parsed is not None:
                self.held[(province, key)] = (revision, parsed)
                changed = True
        return changed
