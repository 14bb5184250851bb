"""Read use cases of the registry, over the store (no transport here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.core.errors import InvalidRequest, Violation
from services.core.fields import parse_record_key
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


@dataclass(frozen=True, slots=True)
class HeldAside:
    """What the registry keeps but did not apply."""

    # Events and checkpoints a province's chain did not vouch for, by province.
    quarantined: dict[str, int]
    # Events it could not read (they never block a feed).
    dead_letters: int


class RegistryQueries:
    def __init__(
        self,
        store: RecordStore,
        clock: Callable[[], dt.datetime] = utcnow,
        quarantined: Callable[[], dict[str, int]] = dict,
    ) -> None:
        """`quarantined`: counts what the chain gate quarantined, by province
        (ChainStore.quarantined_counts; none on a registry that does not verify)."""
        self._quarantined = quarantined
        self._store = store
        self._records = RecordsAsOf(store)
        self._clock = clock
        # The applied counts of the feeds at the last count, and that count.
        self._counted: tuple[tuple[tuple[str, int], ...], int] | None = None

    def now(self) -> dt.datetime:
        return self._clock()

    def record(
        self, record_key: str, valid_on: str = "", known_at: dt.datetime | None = None
    ) -> Found:
        key = parse_record_key(record_key)
        when = as_of(valid_on, known_at, self._clock())
        return Found(self._records.by_key(key, when), when)

    def institution(
        self, uscc: str, valid_on: str = "", known_at: dt.datetime | None = None
    ) -> Found:
        if not uscc.strip():
            raise InvalidRequest("no USCC", [Violation("uscc", "required: the institution's USCC")])
        try:
            compact = check_uscc(uscc.strip())
        except ValueError as exc:
            raise InvalidRequest("malformed USCC", [Violation("uscc", str(exc))]) from None
        when = as_of(valid_on, known_at, self._clock())
        return Found(self._records.by_uscc(compact, when), when)

    def feeds(self) -> list[Feed]:
        return self._store.feeds()

    def held_aside(self) -> HeldAside:
        return HeldAside(self._quarantined(), self._store.dead_letter_count())

    def record_count(self, feeds: Sequence[Feed]) -> int:
        """The records held, with `feeds` read just before. Counting them reads
        a whole index (over 0.1 s at 10M records, for every status call while a
        monitor or a client polls), and only an apply that took new events
        changes them, which moves the feeds' applied counts: counted again only
        once those moved."""
        applied = tuple((f.province, f.events_applied) for f in feeds)
        counted = self._counted
        if counted is not None and counted[0] == applied:
            return counted[1]
        count = self._store.record_count()
        # Never older than `feeds`: counted after them (a newer apply counted in
        # is counted again at the next call, whose feeds show it).
        self._counted = (applied, count)
        return count
