"""Conflicts between provinces' records: typed, named by their records, order-independent.

Every rule is a pure function of the *current* records of one group (one
certificate key, one USCC, one label code). The registry re-evaluates every
group an applied batch touched, so the set of open conflicts depends only on
the current records, never on the order, duplication or batching of the
events that produced them: the same convergence property as the records.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from services.core.provinces import CMA_ISSUERS, Province
from services.core.records import RecordKind


class ConflictType(StrEnum):
    # One certificate (same key) held by provinces naming different holders.
    HOLDER_MISMATCH = "HOLDER_MISMATCH"
    # A CMA number whose issuer digits belong to another province than the publisher.
    ISSUER_PROVINCE_MISMATCH = "ISSUER_PROVINCE_MISMATCH"
    # One USCC under different names.
    NAME_MISMATCH = "NAME_MISMATCH"
    # One green-product label code on certificates of different products.
    LABEL_CODE_REUSED = "LABEL_CODE_REUSED"
    # Provinces disagreeing on one certificate's published status.
    STATUS_DISAGREEMENT = "STATUS_DISAGREEMENT"


class SubjectKind(StrEnum):
    """What a conflict's subject is; each conflict type has one."""

    RECORD_KEY = "record_key"
    USCC = "uscc"
    LABEL_CODE = "label_code"


SUBJECT_OF: dict[ConflictType, SubjectKind] = {
    ConflictType.HOLDER_MISMATCH: SubjectKind.RECORD_KEY,
    ConflictType.ISSUER_PROVINCE_MISMATCH: SubjectKind.RECORD_KEY,
    ConflictType.STATUS_DISAGREEMENT: SubjectKind.RECORD_KEY,
    ConflictType.NAME_MISMATCH: SubjectKind.USCC,
    ConflictType.LABEL_CODE_REUSED: SubjectKind.LABEL_CODE,
}

CERTIFICATE_KINDS = frozenset({RecordKind.QUALIFICATION, RecordKind.GREEN_CERT})
"""The kinds conflicts are judged on: they name a holder, a status and (some) a label."""


class CertificateFacts(NamedTuple):
    """What the rules look at in one province's current version of a certificate
    (a named tuple: the registry makes one for each certificate it applies)."""

    province: Province
    record_key: str
    kind: RecordKind
    holder_uscc: str
    holder_name: str
    status: str
    label_code: str | None = None
    # A green certificate's product (label_format.product_of): the national
    # platform puts every body's certificate for one product under one label.
    product: str | None = None

    @property
    def cma_issuer(self) -> str | None:
        """Issuer digits of a CMA qualification (its key is qualification/<issuer>/<number>)."""
        if self.kind is not RecordKind.QUALIFICATION:
            return None
        return self.record_key.split("/")[1]


@dataclass(frozen=True, slots=True, order=True)
class ConflictRecord:
    """One record named by a conflict, and the value it states."""

    province: Province
    record_key: str
    value: str
    holder_uscc: str


@dataclass(frozen=True, slots=True)
class DetectedConflict:
    type: ConflictType
    subject: str
    records: tuple[ConflictRecord, ...]  # sorted, so equal conflicts compare equal
    summary: str

    @property
    def key(self) -> tuple[ConflictType, str]:
        """A conflict's identity while open: at most one per type and subject."""
        return (self.type, self.subject)


@dataclass(frozen=True, slots=True)
class Scope:
    """The groups a batch touched, whose conflicts must be re-evaluated."""

    record_keys: frozenset[str] = frozenset()
    usccs: frozenset[str] = frozenset()
    label_codes: frozenset[str] = frozenset()

    def subjects(self, kind: SubjectKind) -> frozenset[str]:
        if kind is SubjectKind.RECORD_KEY:
            return self.record_keys
        if kind is SubjectKind.USCC:
            return self.usccs
        return self.label_codes

    def covers(self, conflict_type: ConflictType, subject: str) -> bool:
        return subject in self.subjects(SUBJECT_OF[conflict_type])

    def __bool__(self) -> bool:
        return bool(self.record_keys or self.usccs or self.label_codes)


def normalise_name(name: str) -> str:
    """Names that differ only in full-width/half-width forms or spacing are the same name."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _provinces(facts: Iterable[CertificateFacts]) -> str:
    return ", ".join(sorted({f.province.value for f in facts}))


def _records(
    facts: Iterable[CertificateFacts], value: Callable[[CertificateFacts], str]
) -> tuple[ConflictRecord, ...]:
    return tuple(
        sorted({ConflictRecord(f.province, f.record_key, value(f), f.holder_uscc) for f in facts})
    )


def _said(records: Sequence[ConflictRecord]) -> str:
    return "; ".join(f"{r.province.value} says {r.value}" for r in records)


def holder_mismatch(same_key: Sequence[CertificateFacts]) -> DetectedConflict | None:
    if len({f.holder_uscc for f in same_key}) < 2:
        return None
    records = _records(same_key, lambda f: f.holder_uscc)
    key = same_key[0].record_key
    return DetectedConflict(
        ConflictType.HOLDER_MISMATCH, key, records, f"{key}: holders differ ({_said(records)})"
    )


def status_disagreement(same_key: Sequence[CertificateFacts]) -> DetectedConflict | None:
    # The published status, not the one derived from dates: expiry is the same
    # for everyone on a given day, and the state must not depend on the clock.
    if len({f.status for f in same_key}) < 2:
        return None
    records = _records(same_key, lambda f: f.status)
    key = same_key[0].record_key
    return DetectedConflict(
        ConflictType.STATUS_DISAGREEMENT, key, records, f"{key}: statuses differ ({_said(records)})"
    )


def issuer_mismatch(same_key: Sequence[CertificateFacts]) -> DetectedConflict | None:
    issuer = same_key[0].cma_issuer
    issuing = CMA_ISSUERS.get(issuer) if issuer is not None else None
    if issuing is None:  # not a CMA number, or a national one any province may hold
        return None
    foreign = [f for f in same_key if f.province is not issuing]
    if not foreign:
        return None
    records = _records(foreign, lambda f: f"issuer {issuer} is {issuing.value}")
    key = same_key[0].record_key
    return DetectedConflict(
        ConflictType.ISSUER_PROVINCE_MISMATCH,
        key,
        records,
        f"{key}: issued by {issuing.name_en} (issuer {issuer}) but published by "
        f"{_provinces(foreign)}",
    )


def name_mismatch(same_uscc: Sequence[CertificateFacts]) -> DetectedConflict | None:
    named = [f for f in same_uscc if f.holder_name]
    if len({normalise_name(f.holder_name) for f in named}) < 2:
        return None
    records = _records(named, lambda f: f.holder_name)
    uscc = named[0].holder_uscc
    names = sorted({r.value for r in records})
    return DetectedConflict(
        ConflictType.NAME_MISMATCH,
        uscc,
        records,
        f"USCC {uscc} appears under {len(names)} names: {' / '.join(names)}",
    )


def label_reused(same_label: Sequence[CertificateFacts]) -> DetectedConflict | None:
    # The same certificate held by two provinces carries its label once, and
    # several bodies' certificates for one product carry its one label: only
    # certificates of different products sharing a label conflict.
    if len({f.product or f.record_key for f in same_label}) < 2:
        return None
    records = _records(same_label, lambda f: f.product or f.record_key)
    label = same_label[0].label_code or ""
    products = sorted({r.value for r in records})
    return DetectedConflict(
        ConflictType.LABEL_CODE_REUSED,
        label,
        records,
        f"label {label} is on certificates of {len(products)} products "
        f"(enterprise/model): {', '.join(products)}",
    )


_BY_KEY = (holder_mismatch, issuer_mismatch, status_disagreement)


def detect_conflicts(facts: Iterable[CertificateFacts], scope: Scope) -> list[DetectedConflict]:
    """Every conflict among `facts` whose subject is in `scope`.

    `facts` must hold every current certificate of each group in scope (it may
    hold more: groups outside the scope are ignored, as they may be partial).
    """
    by_key: dict[str, list[CertificateFacts]] = defaultdict(list)
    by_uscc: dict[str, list[CertificateFacts]] = defaultdict(list)
    by_label: dict[str, list[CertificateFacts]] = defaultdict(list)
    for f in {(f.province, f.record_key): f for f in facts}.values():
        if f.kind not in CERTIFICATE_KINDS:
            continue
        if f.record_key in scope.record_keys:
            by_key[f.record_key].append(f)
        if f.holder_uscc in scope.usccs:
            by_uscc[f.holder_uscc].append(f)
        if f.label_code and f.label_code in scope.label_codes:
            by_label[f.label_code].append(f)
    found: list[DetectedConflict | None] = []
    for group in by_key.values():
        # Most keys have one record: only the issuer rule can fire on those.
        rules = _BY_KEY if len(group) > 1 else (issuer_mismatch,)
        found.extend(rule(group) for rule in rules)
    found.extend(name_mismatch(group) for group in by_uscc.values() if len(group) > 1)
    found.extend(label_reused(group) for group in by_label.values() if len(group) > 1)
    return sorted((c for c in found if c is not None), key=lambda c: c.key)
