"""What besides a certificate itself can change where it is recognised: its
holder's credit events and conflicts open about it, its holder or its label.

Label checks ask for thousands of certificates a second; most touch neither,
and their standing follows from the certificate alone (core.standing). This
keeps, as of the last commit, the holders with a credit event and the subjects
of open conflicts, so a check tells those apart with a set lookup. The ingest
thread refreshes it after each commit from the change log (every credit event
version and every conflict change is there, in commit order), so a refresh
reads only what the commit added.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.engine import Engine

from services.core.records import RecordKind
from services.registry.reconciliation.changelog import LAST_CHANGE, change_log
from services.registry.reconciliation.conflict_store import conflict_table
from services.registry.records.tables import record_table

_CREDIT_KEYS = f"{RecordKind.CREDIT_EVENT.value}/%"


class StandingInputs:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()  # one refresh at a time
        self._open: dict[int, str] = {}
        self._holders: set[str] = set()
        self._cursor = 0
        # Bumped whenever a credit event or a conflict change is taken in:
        # standings decided from those facts before are stale from then on.
        self.generation = 0
        # What readers use: replaced whole after each refresh, never mutated.
        self._bearing: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
        self._load()

    def _load(self) -> None:
        log, r, c = change_log.c, record_table.c, conflict_table.c
        with self._engine.begin() as conn:  # one snapshot for the three reads
            cursor = conn.execute(select(func.max(log.id))).scalar() or 0
            holders = conn.execute(
                select(r.uscc).where(r.kind == RecordKind.CREDIT_EVENT.value).distinct()
            ).scalars()
            self._holders = set(holders)
            self._open = {
                conflict_id: subject
                for conflict_id, subject in conn.execute(
                    select(c.id, c.subject).where(c.resolved_at.is_(None))
                )
            }
        self._cursor = int(cursor)
        self._publish()

    def _publish(self) -> None:
        self._bearing = (frozenset(self._holders), frozenset(self._open.values()))
        self.generation += 1

    def refresh(self) -> None:
        """Takes in what was committed since the last refresh (the ingest thread
        calls it after each commit)."""
        with self._lock, self._engine.connect() as conn:
            # The bound first: every change up to it is committed when it is seen
            # (one writer, ids in commit order), so none is skipped for good.
            top = int(conn.execute(LAST_CHANGE).scalar() or self._cursor)
            rows = conn.execute(_BEARING_CHANGES, {"after": self._cursor, "top": top}).all()
            self._take(rows)
            self._cursor = max(self._cursor, top)

    def _take(self, rows: Iterable[tuple[int, str, int | None, str | None]]) -> None:
        changed = False
        for _id, usccs, conflict_id, snapshot in rows:
            changed = True  # a credit event's version, or a conflict change
            if conflict_id is None:
                self._holders |= {u for u in usccs.split(",") if u}
                continue
            state = json.loads(snapshot or "{}")
            if state.get("resolved_at") is None:
                self._open[conflict_id] = state["subject"]
            else:
                self._open.pop(conflict_id, None)
        if changed:
            self._publish()

    def bearing(self) -> tuple[frozenset[str], frozenset[str]]:
        """The holders with a credit event, and the subjects (record keys,
        holders, label codes) of open conflicts: one consistent pair."""
        return self._bearing


# Made once: the ingest thread refreshes after every commit, one event's included.
_LOG = change_log.c
_BEARING_CHANGES = (
    select(_LOG.id, _LOG.usccs, _LOG.conflict_id, _LOG.conflict)
    .where(
        _LOG.id > bindparam("after"),
        _LOG.id <= bindparam("top"),
        or_(_LOG.record_key.like(_CREDIT_KEYS), _LOG.conflict_id.is_not(None)),
    )
    .order_by(_LOG.id)
)
