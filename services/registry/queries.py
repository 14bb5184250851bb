"""Read use cases of the registry, over the store (no transport here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from services.core.errors import InvalidRequest, Violation
from services.core.identifiers import check_uscc
from services.core.provenance import utcnow
from services.registry.answers import CheckRow
from services.registry.fastread import FeedCache, PointReader
from services.registry.store import RegistryStore, StoredRow


@dataclass(frozen=True, slots=True)
class CheckResult:
    matches: list[CheckRow]
    as_of: dt.datetime


class RegistryQueries:
    def __init__(
        self,
        store: RegistryStore,
        reader: PointReader,
        feeds: FeedCache,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._store = store
        self._reader = reader
        self._feeds = feeds
        self._clock = clock

    @property
    def feed_cache(self) -> FeedCache:
        return self._feeds

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

    def check(self, code: str) -> CheckResult:
        value = code.strip()
        if not value or len(value) > 64:
            raise InvalidRequest(
                "malformed code",
                [Violation("code", "a certificate number or label code of 1-64 characters")],
            )
        return CheckResult(self._reader.answers_by_code(value), self._clock())
