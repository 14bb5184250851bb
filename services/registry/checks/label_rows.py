"""What a label check answers: each code's certificates as they stand (rows),
its result, and the verdict over them; built by LabelQueries (labels.py),
written out by label_answers.py and shown by the verify page."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from services.common.convert import CERTIFICATE_STATUS_TO_PB
from services.core.history import AsOf
from services.core.labels import DEFAULT_LAG_GRACE, LabelFinding, Verdict, label_verdict
from services.core.provinces import Province
from services.core.standing import Standing
from services.registry.checks.answers import StoredAnswer
from services.registry.checks.kept import KeptWire
from services.registry.records.store import Feed
from yrdhub.v1 import labels_pb2

GREEN_PREFIX = "green_cert/"
PROVINCE_OF = {p.value: p for p in Province}
STATUS_OF = {int(pb): s for s, pb in CERTIFICATE_STATUS_TO_PB.items()}


class LabelRow(NamedTuple):
    """One province's current green certificate carrying a checked code
    (a tuple, like LabelResult: a batch makes a thousand per call)."""

    province: str
    record_key: str
    holder: str
    label_code: str
    answer: StoredAnswer  # its LabelMatch
    # Its effective status on the answer's day (a protobuf value), and whether
    # its validity had begun by then.
    status: int
    started: bool
    # The product its label stands for (label_format.product_of).
    product: str = ""
    # The day its status took effect, as copies are ordered (core.labels.
    # status_since); None: read from the stored answer (one copy: unused).
    status_since: str | None = None

    @property
    def revision(self) -> int:
        return labels_pb2.LabelMatch.FromString(self.answer.body).revision


class LabelResult(NamedTuple):
    query: str
    code: str
    matches: list[LabelRow]
    standing: Standing
    kept: KeptWire | None = None  # None: not kept (a past day or knowledge)


@dataclass(frozen=True, slots=True)
class LabelAnswer:
    results: list[LabelResult]
    feeds: list[Feed]
    as_of: AsOf
    # How long a province's copy may lag another's (label_format.lag_grace).
    lag_grace: dt.timedelta = DEFAULT_LAG_GRACE

    @property
    def today(self) -> dt.date:
        """The day in China the answer judges validity on."""
        return self.as_of.valid_on

    def verdict(self, result: LabelResult) -> Verdict:
        """What the person checking the label is told: the domain's verdict over
        each province's copy of each certificate carrying the code, as it stands
        on the answer's day and knowledge."""
        fresh = {
            PROVINCE_OF[f.province]: f.last_accepted_at
            for f in self.feeds
            if f.last_accepted_at is not None and f.province in PROVINCE_OF
        }
        return verdict_of(
            result.matches, result.standing.restricted_by, self.as_of, self.lag_grace, fresh
        )


def verdict_of(
    rows: Sequence[LabelRow],
    restricted_by: Sequence[str],
    when: AsOf,
    lag_grace: dt.timedelta,
    fresh: Mapping[Province, dt.datetime] | None = None,
) -> Verdict:
    # When a province's copy is one of several of one certificate, how it
    # stands depends on when each took effect and was accepted: read from
    # the stored answer then only (most labels have one copy per certificate).
    copies = Counter(row.record_key for row in rows)
    findings = []
    for row in rows:
        since, accepted = "", None
        if copies[row.record_key] > 1:
            match = labels_pb2.LabelMatch.FromString(row.answer.body)
            since = match.status_effective_date if row.status_since is None else row.status_since
            accepted = match.accepted_at.ToDatetime(dt.UTC)
        findings.append(
            LabelFinding(
                PROVINCE_OF[row.province],
                row.record_key.removeprefix(GREEN_PREFIX),
                STATUS_OF[row.status],
                row.product,
                since,
                accepted,
            )
        )
    verdict = label_verdict(
        findings, restricted_by, now=when.known_at, lag_grace=lag_grace, fresh=fresh
    )
    early = not_yet_valid(rows, when.valid_on)
    return replace(verdict, notes=verdict.notes + early) if early else verdict


def not_yet_valid(rows: Sequence[LabelRow], day: dt.date) -> tuple[str, ...]:
    """Notes on the certificates whose validity had not begun on `day`: their
    status reads EXPIRED (the contract has none for it), and these say why."""
    said: dict[str, None] = {}
    for row in rows:
        if not row.started:
            start = labels_pb2.LabelMatch.FromString(row.answer.body).valid_from
            certificate = row.record_key.removeprefix(GREEN_PREFIX)
            said[f"{certificate} is not yet valid on {day}: valid from {start}"] = None
    return tuple(said)


def one_product_one_copy_each(rows: Sequence[LabelRow]) -> bool:
    """Several bodies' certificates for one product, each held by one province."""
    products = {r.product for r in rows}
    return (
        len(products) == 1 and "" not in products and len({r.record_key for r in rows}) == len(rows)
    )
