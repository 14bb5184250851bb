"""Final statuses kept final (core/transitions.py) inside the outbox's
transaction: the batch's certificates whose status is final are read first,
a candidate that would change one is refused, and those that become final
are written with the batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.engine import Connection

from services.common.sql import listed, upsert
from services.core.records import RecordKind
from services.core.status import CertificateStatus
from services.core.transitions import StatusRules
from services.exchange.outbox_statements import KEYS, lookups
from services.exchange.outbox_tables import final_table


class Certificate(Protocol):
    @property
    def record_key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...


class FinalStatuses:
    """One batch's view of final statuses (rules None: nothing is final)."""

    def __init__(self, rules: StatusRules | None, conn: Connection, batch: Sequence[Certificate]):
        self._rules = rules
        self._held: dict[str, str] = {}
        self._new: dict[str, dict[str, object]] = {}
        if rules is None:
            return
        keys = {c.record_key for c in batch if c.status}
        if keys:
            dialect = conn.dialect.name
            rows = conn.execute(lookups(dialect).final, {KEYS: listed(dialect, keys)})
            self._held = {key: status for key, status in rows}

    def refusal(self, cand: Certificate) -> str:
        """Why `cand` may not be stored ("" when it may)."""
        final = self._held.get(cand.record_key)
        if self._rules is None or final is None or not cand.status:
            return ""
        kind = RecordKind(cand.kind)
        why = self._rules.reopening(kind, CertificateStatus(final), CertificateStatus(cand.status))
        return why or ""

    def stored(self, cand: Certificate, revision: int) -> None:
        """`cand` was stored as `revision`: keep its status if final."""
        if self._rules is None or not cand.status:
            return
        rules = self._rules.of(RecordKind(cand.kind))
        if rules is not None and CertificateStatus(cand.status) in rules.final:
            self._held[cand.record_key] = cand.status
            self._new[cand.record_key] = {
                "record_key": cand.record_key,
                "status": cand.status,
                "revision": revision,
            }

    def write(self, conn: Connection) -> None:
        if self._new:
            upsert(
                conn,
                final_table,
                list(self._new.values()),
                key=["record_key"],
                update=["status", "revision"],
            )
