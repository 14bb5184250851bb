"""Label checks: one code or a thousand, answered from the reconciled store."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from services.core.codes import MAX_CODE_LENGTH, code_from_query
from services.core.errors import InvalidRequest, Violation
from services.core.labels import (
    MAX_BATCH,
    LabelFinding,
    Verdict,
    label_verdict,
)
from services.core.provenance import china_date, utcnow
from services.core.provinces import Province
from services.registry.checks.answers import StoredAnswer
from services.registry.checks.reader import FeedCache, PointReader
from services.registry.records.store import Feed


class LabelRow(NamedTuple):
    """One province's current green certificate carrying a checked code
    (a tuple, like LabelResult: a batch makes a thousand per call)."""

    province: str
    record_key: str
    answer: StoredAnswer  # its LabelMatch


class LabelResult(NamedTuple):
    query: str
    code: str
    matches: list[LabelRow]


@dataclass(frozen=True, slots=True)
class LabelAnswer:
    results: list[LabelResult]
    feeds: list[Feed]
    as_of: dt.datetime

    @property
    def today(self) -> dt.date:
        """The day in China the answer judges validity on."""
        return china_date(self.as_of)


def verdict(result: LabelResult, today: dt.date) -> Verdict:
    """What the person checking the label is told: the domain's verdict over each
    province's certificate carrying the code, as it stands on `today`."""
    return label_verdict(
        [
            LabelFinding(
                _PROVINCE[row.province],
                row.record_key.removeprefix("green_cert/"),
                row.answer.status_on(today),
            )
            for row in result.matches
        ]
    )


_PROVINCE = {p.value: p for p in Province}


class LabelQueries:
    def __init__(
        self, reader: PointReader, feeds: FeedCache, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self._reader = reader
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

    def _lookup(self, codes: set[str]) -> dict[str, list[LabelRow]]:
        found: dict[str, list[LabelRow]] = defaultdict(list)
        for code, province, key, answer in self._reader.label_answers_by_code(list(codes)):
            found[code].append(LabelRow(province, key, answer))
        for rows in found.values():
            if len(rows) > 1:
                rows.sort(key=lambda r: r.province)
        return found
