"""Label checks: one code or a thousand, answered from the reconciled store."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from services.core.errors import InvalidRequest, Violation
from services.core.labels import MAX_BATCH, MAX_CODE_LENGTH, code_from_query
from services.registry.fastread import FeedCache
from services.registry.store import Feed, StoredRow

_record = SQLModel.metadata.tables["registry_record"]
_COLUMNS = [
    _record.c.province,
    _record.c.record_key,
    _record.c.kind,
    _record.c.revision,
    _record.c.sequence,
    _record.c.event_id,
    _record.c.accepted_at,
    _record.c.applied_at,
    _record.c.payload,
]


@dataclass(frozen=True, slots=True)
class LabelResult:
    query: str
    code: str
    matches: list[StoredRow]


@dataclass(frozen=True, slots=True)
class LabelAnswer:
    results: list[LabelResult]
    feeds: list[Feed]
    as_of: dt.datetime


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class LabelQueries:
    def __init__(
        self, engine: Engine, feeds: FeedCache, clock: Callable[[], dt.datetime] = _utcnow
    ) -> None:
        self._engine = engine
        self._feeds = feeds
        self._clock = clock

    @property
    def feed_cache(self) -> FeedCache:
        return self._feeds

    def check(self, queries: Sequence[str]) -> LabelAnswer:
        """One result per query, in order; two SQL statements for the whole batch."""
        if not queries:
            raise InvalidRequest("no codes", [Violation("codes", "send at least one code")])
        if len(queries) > MAX_BATCH:
            raise InvalidRequest(
                "too many codes",
                [Violation("codes", f"{len(queries)} codes; at most {MAX_BATCH} per call")],
            )
        codes = [code_from_query(q) for q in queries]
        bad = [
            Violation(
                f"codes[{i}]",
                f"a label code or certificate number of 1-{MAX_CODE_LENGTH} characters",
            )
            for i, c in enumerate(codes)
            if not c or len(c) > MAX_CODE_LENGTH
        ]
        if bad:
            raise InvalidRequest("malformed codes", bad)
        found = self._lookup(set(codes))
        results = [LabelResult(q, c, found.get(c, [])) for q, c in zip(queries, codes, strict=True)]
        return LabelAnswer(results, self._feeds.get(), self._clock())

    def _lookup(self, codes: set[str]) -> dict[str, list[StoredRow]]:
        found: dict[str, list[StoredRow]] = defaultdict(list)
        wanted = list(codes)
        with self._engine.connect() as conn:
            # Two indexed IN lookups: a label code or a certificate number.
            for column in (_record.c.label_code, _record.c.code):
                stmt = select(column, *_COLUMNS).where(
                    _record.c.kind == "green_cert", column.in_(wanted)
                )
                for code, *row in conn.execute(stmt):
                    found[code].append(
                        StoredRow(
                            row[0],
                            row[1],
                            row[2],
                            row[3],
                            row[4],
                            row[5],
                            _utc(row[6]),
                            _utc(row[7]),
                            row[8],
                        )
                    )
        for rows in found.values():
            rows.sort(key=lambda r: r.province)
        return found
