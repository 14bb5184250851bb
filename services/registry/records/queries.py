"""Read use cases of the registry, over the store (no transport here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from services.core.errors import InvalidRequest, Violation
from services.core.identifiers import check_uscc
from services.core.provenance import utcnow
from services.registry.records.store import Feed, RecordStore, StoredRow


class RegistryQueries:
    def __init__(
        self,
        store: RecordStore,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._store = store
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock()

    def record(self, record_key: str) -> list[StoredRow]:
        key = record_key.strip()
        if "/" not in key:
            raise InvalidRequest(
                "malformed record key",
                [Violation("record_key", "expected KIND/..., e.g. qualification/09/230912340001")],
            )
        return self._store.by_key(key)

    def institution(self, uscc: str) -> list[StoredRow]:
        try:
            compact = check_uscc(uscc.strip())
        except ValueError as exc:
            raise InvalidRequest("malformed USCC", [Violation("uscc", str(exc))]) from None
        return self._store.by_uscc(compact)

    def feeds(self) -> list[Feed]:
        return self._store.feeds()

    def record_count(self) -> int:
        return self._store.record_count()
