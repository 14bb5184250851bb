"""Label checks: one code or a thousand, answered from the reconciled store.

Where a label is recognised is the standing of its certificate (core.standing),
which the reconciliation decides with DecideRecognition's own rule and facts;
the composition root hands that in (Standings). A certificate with no credit
event of its holder and no open conflict about it has the standing of every
such certificate with the same plain key, so a batch asks the reconciliation
only about the others and about keys it has not met yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from services.core.codes import MAX_CODE_LENGTH, code_from_query
from services.core.errors import InvalidRequest, Violation
from services.core.history import AsOf, as_of
from services.core.labels import MAX_BATCH, LabelFinding, Verdict, label_verdict
from services.core.provenance import utcnow
from services.core.provinces import Province
from services.core.standing import (
    NOWHERE,
    PlainKey,
    Standing,
    StandingOf,
    least_of,
    plain_key,
)
from services.registry.checks.answers import StoredAnswer, stored_answer
from services.registry.checks.reader import FeedCache, PointReader
from services.registry.records.as_of import RecordsAsOf
from services.registry.records.store import Feed


class Standings(Protocol):
    """Where certificates are recognised: the reconciliation's rule and facts."""

    def policy_digest(self) -> str: ...

    def bear_on(self, holder_uscc: str, subjects: Iterable[str]) -> bool:
        """Whether a credit event or an open conflict may change a standing."""
        ...

    def standings(self, record_keys: Iterable[str], when: AsOf) -> dict[str, StandingOf]: ...


class LabelRow(NamedTuple):
    """One province's current green certificate carrying a checked code
    (a tuple, like LabelResult: a batch makes a thousand per call)."""

    province: str
    record_key: str
    holder: str
    label_code: str | None
    answer: StoredAnswer  # its LabelMatch


class LabelResult(NamedTuple):
    query: str
    code: str
    matches: list[LabelRow]
    standing: Standing


@dataclass(frozen=True, slots=True)
class LabelAnswer:
    results: list[LabelResult]
    feeds: list[Feed]
    as_of: AsOf

    @property
    def today(self) -> dt.date:
        """The day in China the answer judges validity on."""
        return self.as_of.valid_on


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
        self,
        reader: PointReader,
        feeds: FeedCache,
        records: RecordsAsOf,
        standings: Standings,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._reader = reader
        self._feeds = feeds
        self._records = records
        self._standings = standings
        self._clock = clock
        # Standings of plain certificates under the current policy.
        self._plain: tuple[str, dict[PlainKey, Standing]] = ("", {})

    @property
    def feed_cache(self) -> FeedCache:
        return self._feeds

    def check(
        self, queries: Sequence[str], valid_on: str = "", known_at: dt.datetime | None = None
    ) -> LabelAnswer:
        """One result per query, in order; two SQL statements for the whole batch
        (on a past day or past knowledge, two per code), and the reconciliation's
        for the certificates whose standing needs it."""
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
        when = as_of(valid_on, known_at, self._clock())
        found = self._lookup(set(codes)) if when.current else self._lookup_then(set(codes), when)
        standing = self._standings_of(found, when)
        results = [
            LabelResult(q, c, found.get(c, []), standing.get(c, NOWHERE))
            for q, c in zip(queries, codes, strict=True)
        ]
        return LabelAnswer(results, self._feeds.get(), when)

    def _lookup(self, codes: set[str]) -> dict[str, list[LabelRow]]:
        found: dict[str, list[LabelRow]] = defaultdict(list)
        for code, province, key, holder, label, answer in self._reader.label_answers_by_code(
            list(codes)
        ):
            found[code].append(LabelRow(province, key, holder, label, answer))
        for rows in found.values():
            if len(rows) > 1:
                rows.sort(key=lambda r: r.province)
        return found

    def _lookup_then(self, codes: set[str], when: AsOf) -> dict[str, list[LabelRow]]:
        """Green certificates carrying each code on when.valid_on, as known at when.known_at."""
        found: dict[str, list[LabelRow]] = {}
        for code in codes:
            rows = []
            for version in self._records.by_code(code, when):
                row = version.row
                _, label = stored_answer(row)
                if label is not None:
                    rows.append(
                        LabelRow(
                            row.province, row.record_key, version.uscc, version.label_code, label
                        )
                    )
            if rows:
                found[code] = rows
        return found

    def _standings_of(self, found: dict[str, list[LabelRow]], when: AsOf) -> dict[str, Standing]:
        """Each found code's standing: from the plain standings where the
        certificate's alone decides it, else from the reconciliation."""
        source = self._standings
        known: dict[str, Standing] = {}
        asked: dict[str, set[str]] = {}  # code -> record keys to ask about
        plain_of: dict[str, PlainKey] = {}
        if when.current:
            digest = source.policy_digest()
            if self._plain[0] != digest:
                self._plain = (digest, {})
            plain = self._plain[1]
            day = when.valid_on
            iso = day.isoformat()
            for code, rows in found.items():
                if len(rows) == 1:
                    row = rows[0]
                    subjects = (row.record_key, row.holder, row.label_code or "")
                    if not source.bear_on(row.holder, subjects):
                        key = plain_key(
                            _PROVINCE[row.province],
                            row.answer.started(iso),
                            row.answer.status_on(day),
                        )
                        hit = plain.get(key)
                        if hit is not None:
                            known[code] = hit
                            continue
                        plain_of[code] = key
                asked[code] = {r.record_key for r in rows}
        else:
            asked = {code: {r.record_key for r in rows} for code, rows in found.items()}
        if asked:
            decided = source.standings(set().union(*asked.values()), when)
            for code, keys in asked.items():
                of = [decided[k] for k in sorted(keys)]
                known[code] = least_of(s.standing for s in of)
                if code in plain_of and all(s.plain for s in of):
                    self._plain[1][plain_of[code]] = known[code]
        return known
