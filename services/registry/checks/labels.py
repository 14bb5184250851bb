"""Label checks: one code or a thousand, answered from the reconciled store.

Where a label is recognised is the standing of its certificate (core.standing),
which the reconciliation decides with DecideRecognition's own rule and facts;
the composition root hands that in (Standings). A certificate with no credit
event of its holder and no open conflict about it has the standing of every
such certificate with the same plain key, so a batch asks the reconciliation
only about the others and about keys it has not met yet; and what it answered
holds until the certificate's versions change or a credit event or conflict
change is committed (Standings.generation).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from services.common.convert import CERTIFICATE_STATUS_TO_PB
from services.common.green_label import load_green_label_format
from services.core.codes import CODE_WORDS, well_formed
from services.core.errors import InvalidRequest, Violation
from services.core.history import AsOf, as_of
from services.core.label_format import GreenLabelFormat, product_of
from services.core.labels import (
    MAX_BATCH,
    PREFERENCE,
    CopyVersion,
    status_since,
)
from services.core.provenance import china_date, utcnow
from services.core.standing import (
    NOWHERE,
    PlainKey,
    Standing,
    StandingOf,
    least_of,
    plain_key,
)
from services.core.status import CertificateStatus
from services.registry.checks.answers import stored_answer
from services.registry.checks.kept import KeptReads, KeptWire
from services.registry.checks.label_rows import (
    GREEN_PREFIX,
    PROVINCE_OF,
    STATUS_OF,
    LabelAnswer,
    LabelResult,
    LabelRow,
    one_product_one_copy_each,
    verdict_of,
)
from services.registry.checks.reader import FeedCache, PointReader
from services.registry.records.as_of import RecordsAsOf
from yrdhub.v1 import events_pb2, labels_pb2

# Codes whose current answers are kept between two commits (see KeptReads):
# about 1.5 kB each (measured with tracemalloc), so at most some 25 MB.
MAX_KEPT_CODES = 16_384


class Standings(Protocol):
    """Where certificates are recognised: the reconciliation's rule and facts."""

    def policy_digest(self) -> str: ...

    def bearing(self) -> tuple[frozenset[str], frozenset[str]]:
        """What may change a standing, as of the last commit: the holders with a
        credit event, and the subjects (record key, holder, label code) of open
        conflicts."""
        ...

    def standings(self, record_keys: Iterable[str], when: AsOf) -> dict[str, StandingOf]: ...

    def generation(self) -> int:
        """Changes whenever a credit event or a conflict change is committed."""
        ...


_PREFERENCE = {int(CERTIFICATE_STATUS_TO_PB[s]): i for i, s in enumerate(PREFERENCE)}


def _plain_row_key(
    row: LabelRow, credit: frozenset[str], disputed: frozenset[str]
) -> PlainKey | None:
    """The certificate's plain key, or None when a credit event or an open
    conflict may bear on its standing."""
    holder = row.holder
    if (
        holder in credit
        or holder in disputed
        or row.record_key in disputed
        or row.label_code in disputed
    ):
        return None
    return (PROVINCE_OF[row.province], row.started, STATUS_OF[row.status])


def codes_field(index: int) -> str:
    """How a batch's malformed code is named: CheckLabelsRequest.codes[index]."""
    return f"codes[{index}]"


class LabelQueries:
    def __init__(
        self,
        reader: PointReader,
        feeds: FeedCache,
        records: RecordsAsOf,
        standings: Standings,
        clock: Callable[[], dt.datetime] = utcnow,
        label_format: GreenLabelFormat | None = None,
    ) -> None:
        """`label_format`: how QR payloads carry the code and how long copies
        may lag (None: the shipped format)."""
        self._format = label_format or load_green_label_format()
        self._reader = reader
        self._feeds = feeds
        self._records = records
        self._standings = standings
        self._clock = clock
        # Standings of plain certificates under the current policy.
        self._plain: tuple[str, dict[PlainKey, Standing]] = ("", {})
        # Standings the reconciliation decided, for the current generation.
        self._decided: tuple[int, dict[_Decided, StandingOf]] = (-1, {})
        # Current answers' certificates and standings by code, as of the
        # reader's version, the day, the generation and the policy.
        self._kept: KeptReads[_Current] = KeptReads(MAX_KEPT_CODES)

    @property
    def feed_cache(self) -> FeedCache:
        return self._feeds

    def check(
        self,
        queries: Sequence[str],
        valid_on: str = "",
        known_at: dt.datetime | None = None,
        *,
        named: Callable[[int], str] = codes_field,
    ) -> LabelAnswer:
        """One result per query, in order; two SQL statements for the whole batch
        (on a past day or past knowledge, two per code), and the reconciliation's
        for the certificates whose standing needs it. A malformed query is
        named in the refusal by `named` (its index: "codes[i]")."""
        if not queries:
            raise InvalidRequest("no codes", [Violation("codes", "send at least one code")])
        if len(queries) > MAX_BATCH:
            raise InvalidRequest(
                "too many codes",
                [Violation("codes", f"{len(queries)} codes; at most {MAX_BATCH} per call")],
            )
        codes = [self._format.code_of(q) for q in queries]
        bad = [Violation(named(i), CODE_WORDS) for i, c in enumerate(codes) if not well_formed(c)]
        if bad:
            raise InvalidRequest("malformed codes", bad)
        when = as_of(valid_on, known_at, self._clock())
        if when.current:
            # The lookup and standings were two thirds of a batch: a code asked
            # again before the next commit is answered from what was found.
            source = self._standings
            key = (self._reader.version, when.valid_on, source.generation(), source.policy_digest())
            known = self._kept.many(key, codes, lambda missing: self._found(missing, when))
            results = [LabelResult(q, c, *known[c]) for q, c in zip(queries, codes, strict=True)]
        else:
            found = self._dated(self._lookup_then(set(codes), when), when)
            standing = self._standings_of(found, when)
            results = [
                LabelResult(q, c, found.get(c, []), standing.get(c, NOWHERE))
                for q, c in zip(queries, codes, strict=True)
            ]
        return LabelAnswer(results, self._feeds.get(), when, self._format.lag_grace)

    def _found(self, codes: set[str], when: AsOf) -> dict[str, _Current]:
        """The current certificates carrying each code, and its standing."""
        found = self._dated(self._lookup(codes, when.valid_on), when)
        standing = self._standings_of(found, when)
        return {c: (found.get(c, []), standing.get(c, NOWHERE), KeptWire()) for c in codes}

    def _lookup(self, codes: set[str], day: dt.date) -> dict[str, list[LabelRow]]:
        found: dict[str, list[LabelRow]] = defaultdict(list)
        for (
            code,
            province,
            key,
            holder,
            label,
            answer,
            started,
            product,
        ) in self._reader.label_answers_by_code(codes, day.isoformat()):
            found[code].append(
                LabelRow(
                    province,
                    key,
                    holder,
                    label,
                    answer,
                    answer.effective_status(day, started),
                    started,
                    product,
                )
            )
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
                _, label, since = stored_answer(row)
                if label is not None:
                    match = labels_pb2.LabelMatch.FromString(label.body)
                    started = since is None or since <= when.valid_on.isoformat()
                    rows.append(
                        LabelRow(
                            row.province,
                            row.record_key,
                            version.uscc,
                            version.label_code or code,
                            label,
                            label.effective_status(when.valid_on, started),
                            started,
                            product_of(match.enterprise_uscc, match.model),
                        )
                    )
            if rows:
                found[code] = rows
        return found

    def _dated(self, found: dict[str, list[LabelRow]], when: AsOf) -> dict[str, list[LabelRow]]:
        """The rows, each copy of a certificate that other provinces hold too
        with the day its status took effect (core.labels.status_since), from
        its versions known then: one query, for the few certificates that
        have several copies."""
        shared = {
            key
            for rows in found.values()
            for key, n in Counter(r.record_key for r in rows).items()
            if n > 1
        }
        if not shared:
            return found
        # Each copy's versions by (province, key), in revision order.
        versions: dict[tuple[str, str], list[tuple[int, CopyVersion]]] = defaultdict(list)
        for stored in self._records.versions_of(sorted(shared), when):
            cert = events_pb2.Event.FromString(stored.payload).record.green_cert
            versions[(stored.province, stored.record_key)].append(
                (
                    stored.revision,
                    CopyVersion(
                        STATUS_OF.get(cert.status.canonical, CertificateStatus.VALID),
                        cert.status_effective_date,
                        china_date(stored.accepted_at).isoformat(),
                    ),
                )
            )
        day = when.valid_on.isoformat()

        def dated(row: LabelRow) -> LabelRow:
            # Up to the version the row answers with (a past day's may be older).
            held = [v for rev, v in versions[(row.province, row.record_key)] if rev <= row.revision]
            return row._replace(status_since=status_since(held, day))

        return {
            code: [dated(row) if row.record_key in shared else row for row in rows]
            for code, rows in found.items()
        }

    def _standings_of(self, found: dict[str, list[LabelRow]], when: AsOf) -> dict[str, Standing]:
        """Each found code's standing: from the plain standings where the
        certificate alone decides it, else from the reconciliation."""
        if not when.current:
            return {code: s for code, (s, _) in self._decided_standings(found, when).items()}
        source = self._standings
        digest = source.policy_digest()
        if self._plain[0] != digest:
            self._plain = (digest, {})
        plain = self._plain[1]
        known: dict[str, Standing] = {}
        asked: dict[str, list[LabelRow]] = {}
        # Plain codes whose plain key is not known yet: one of each key is asked.
        waiting: dict[PlainKey, list[str]] = {}
        credit, disputed = source.bearing()
        # The batch's hottest loop: the plain key built as core.standing.plain_key
        # builds it (the plain standings fill through it).
        for code, rows in found.items():
            if len(rows) == 1:
                key = _plain_row_key(rows[0], credit, disputed)
                if key is not None:
                    hit = plain.get(key)
                    if hit is not None:
                        known[code] = hit
                        continue
                    same = waiting.setdefault(plain_key(*key), [])
                    same.append(code)
                    if len(same) > 1:
                        continue
            elif one_product_one_copy_each(rows):
                # Several bodies' certificates for one product: plain when each
                # certificate its verdict rests on is, from the same table.
                merged = self._merged_plain(rows, plain, credit, disputed)
                if merged is not None:
                    known[code] = merged
                    continue
            asked[code] = rows
        decided = self._decided_standings(asked, when, digest)
        for key, codes in waiting.items():
            standing, was_plain = decided[codes[0]]
            if was_plain:
                plain[key] = standing
                decided.update((code, (standing, True)) for code in codes[1:])
            elif len(codes) > 1:
                # Facts changed since the last commit's sets: ask about each one.
                decided.update(
                    self._decided_standings({c: found[c] for c in codes[1:]}, when, digest)
                )
        known.update((code, standing) for code, (standing, _) in decided.items())
        return known

    @staticmethod
    def _merged_plain(
        rows: Sequence[LabelRow],
        plain: dict[PlainKey, Standing],
        credit: frozenset[str],
        disputed: frozenset[str],
    ) -> Standing | None:
        """The standing of a label on several plain certificates of one product,
        each held once: the least of those showing the best status; None when
        one is not plain or its plain standing is not known yet."""
        best = min((r.status for r in rows), key=_PREFERENCE.__getitem__)
        found = []
        for row in rows:
            if row.status != best:
                continue
            key = _plain_row_key(row, credit, disputed)
            hit = None if key is None else plain.get(key)
            if hit is None:
                return None
            found.append(hit)
        return least_of(found)

    def _decided_standings(
        self, found: dict[str, list[LabelRow]], when: AsOf, digest: str = ""
    ) -> dict[str, tuple[Standing, bool]]:
        """The reconciliation's standing of each code (a label on several
        certificates is recognised where all those its verdict rests on are),
        and whether every one was plain; kept, for current questions, until
        the facts change."""
        if not found:
            return {}
        source = self._standings
        cache: dict[_Decided, StandingOf] = {}
        if when.current:
            generation = source.generation()
            if self._decided[0] != generation or len(self._decided[1]) > _MAX_DECIDED:
                self._decided = (generation, {})
            cache = self._decided[1]
        wanted: dict[str, dict[str, _Decided]] = {}
        for code, rows in found.items():
            versions: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for r in rows:
                versions[r.record_key].append((r.province, r.revision))
            if len(versions) > 1:
                # A label on several certificates is recognised where those
                # its verdict rests on are.
                decided = verdict_of(rows, (), when, self._format.lag_grace)
                relied_on = {GREEN_PREFIX + c for c in decided.relied_on}
                versions = defaultdict(list, {k: v for k, v in versions.items() if k in relied_on})
            wanted[code] = {
                k: (k, tuple(sorted(v)), when.valid_on, digest) for k, v in versions.items()
            }
        missing = {k for keys in wanted.values() for k, c in keys.items() if c not in cache}
        fresh = source.standings(missing, when) if missing else {}
        out: dict[str, tuple[Standing, bool]] = {}
        for code, keys in wanted.items():
            of = []
            for k, c in sorted(keys.items()):
                if k in fresh:
                    cache[c] = fresh[k]
                of.append(cache[c])
            out[code] = (least_of(s.standing for s in of), all(s.plain for s in of))
        return out


# A code's current answer, as kept: its certificates, its standing, its wire form.
_Current = tuple[list[LabelRow], Standing, KeptWire]
# A record key, its versions carrying the code (province, revision), the day and
# the policy digest: what a standing the reconciliation decided is kept under.
_Decided = tuple[str, tuple[tuple[str, int], ...], dt.date, str]
_MAX_DECIDED = 100_000
