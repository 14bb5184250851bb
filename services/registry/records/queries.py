"""Read use cases of the registry, over the store (no transport here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from services.core.errors import InvalidRequest, Violation
from services.core.history import AsOf, as_of
from services.core.identifiers import check_uscc
from services.core.provenance import utcnow
from services.registry.records.as_of import RecordsAsOf
from services.registry.records.store import Feed, RecordStore, StoredRow


@dataclass(frozen=True, slots=True)
class Found:
    """Each province's version in force on as_of.valid_on, as known at as_of.known_at."""

    rows: list[StoredRow]
    as_of: AsOf


class RegistryQueries:
    def __init__(
        self,
        store: RecordStore,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._store = store
        self._records = RecordsAsOf(store)
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock()

    def record(
        self, record_key: str, valid_on: str = "", known_at: dt.datetime | None = None
    ) -> Found:
        key = record_key.strip()
        if "/" not in key:
            raise InvalidRequest(
                "malformed record key",
                [Violation("record_key", "expected KIND/..., e.g. qualification/09/230912340001")],
            )
        when = as_of(valid_on, known_at, self._clock())
        return Found(self._records.by_key(key, when), when)

    def institution(
        self, uscc: str, valid_on: str = "", known_at: dt.datetime | None = None
    ) -> Found:
        try:
            compact = check_uscc(uscc.strip())
        except ValueError as exc:
            raise InvalidRequest("malformed USCC", [Violation("uscc", str(exc))]) from None
        when = as_of(valid_on, known_at, self._clock())
        return Found(self._records.by_uscc(compact, when), when)

    def feeds(self) -> list[Feed]:
        return self._store.feeds()

    def record_count(self) -> int:
        return self._store.record_count()
