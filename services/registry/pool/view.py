"""The pool as the registry holds it: assessor records of every province, parsed
once and kept in memory, plus the institutions an inspection plan draws from.

The assessor records are the registry's own rows (registry_record), read
rather than copied, so the pool is whatever the reconciled store says. A
request re-reads only rows applied since the last one: a team draw over
10,000 assessors must not parse 10,000 payloads.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from google.protobuf.message import DecodeError
from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.common.convert import (
    CERTIFICATE_STATUS_FROM_PB,
    RISK_CLASS_FROM_PB,
    pool_member,
)
from services.core.assessors import ELIGIBLE_STATUSES, PoolMember, one_person
from services.core.credit import CreditFact
from services.core.credit_grades import credit_class
from services.core.fields import RecordKind, record_key
from services.core.history import latest
from services.core.inspections import DERIVED, PoolEntity
from services.core.policy import CreditRules
from services.core.provenance import china_date, utcnow
from services.core.provinces import Province
from services.core.records import capability_fields
from services.core.risk import CreditClass
from services.core.status import CertificateStatus, effective_status
from services.core.team_requests import supervising_province
from services.core.teams import FieldPool, PoolEntry, field_pool, pool_entry
from services.registry.pool.applied import AppliedRows
from services.registry.pool.institutions import InstitutionIndex
from services.registry.pool.officers import OfficerDirectory
from services.registry.records.domain import credit_fact
from services.registry.records.store import RecordStore
from services.registry.records.tables import record_table
from yrdhub.v1 import events_pb2, records_pb2

log = logging.getLogger(__name__)

_record = record_table


@dataclass(frozen=True, slots=True)
class Pool:
    """One consistent view of the pool, immutable so a draw can use it unlocked."""

    entries: tuple[PoolEntry, ...]  # by assessor id
    # Each field's members prepared for draws (services.core.teams).
    fields: Mapping[str, FieldPool]
    active: Mapping[str, int]  # active (or reinstated) members per province


class PoolView:
    def __init__(
        self, engine: Engine, credit_rules: Callable[[], CreditRules] = CreditRules
    ) -> None:
        """`credit_rules`: the recognition policy's credit lists, as it stands
        (institutions are graded by its listing rules)."""
        self._engine = engine
        self._credit_rules = credit_rules
        self._lock = threading.Lock()
        # (province, record key) -> (revision, entry): an entry is prepared once
        # per revision, not on every change of the pool.
        self._rows = AppliedRows("assessor", _entry)
        # People registered by several provinces, prepared once per set of
        # revisions: (assessor id) -> (their rows' revisions, merged entry).
        self._people: dict[str, tuple[tuple[int, ...], PoolEntry]] = {}
        self._pool = Pool((), {}, {})
        # Groups of companies and competitors, for recusal.
        self.institution_index = InstitutionIndex(engine)
        # Enforcement officers, who carry random inspections out.
        self.officers = OfficerDirectory(engine)

    def current(self) -> Pool:
        """The pool with every assessor record applied so far."""
        with self._lock:
            self._refresh()
            return self._pool

    def _refresh(self) -> None:
        if self._rows.refresh(self._engine):
            self._pool = _index(self._one_entry_per_person())

    def _one_entry_per_person(self) -> list[PoolEntry]:
        """Each person once: a person several provinces register is one entry
        (core.assessors.one_person), so a bar in one province bars them in all."""
        by_id: dict[str, list[tuple[int, PoolEntry]]] = {}
        for held in self._rows.held.values():
            by_id.setdefault(held[1].member.assessor_id, []).append(held)
        entries = []
        for ident, rows in by_id.items():
            if len(rows) == 1:
                entries.append(rows[0][1])
                continue
            rows.sort(key=lambda r: r[1].member.province.value)
            revisions = tuple(r for r, _ in rows)
            kept = self._people.get(ident)
            if kept is None or kept[0] != revisions:
                merged = pool_entry(one_person([e.member for _, e in rows]))
                kept = self._people[ident] = (revisions, merged)
            entries.append(kept[1])
        return entries

    # Institutions ------------------------------------------------------------

    def qualified_by(self, uscc: str) -> list[Province]:
        """The provinces supervising the institution, by the qualifications of
        it the registry holds: each one's CMA issuing province, whoever holds
        the copy (core.team_requests.supervising_province). Those in force
        today (not revoked or cancelled, not past their validity); when none
        is, those of the lapsed ones, which still say who supervises it."""
        r = _record.c
        today = china_date(utcnow()).isoformat()
        lapsed_statuses = {CertificateStatus.REVOKED.value, CertificateStatus.CANCELLED.value}
        stmt = select(r.province, r.record_key, r.status, r.valid_until).where(
            r.uscc == uscc, r.kind == "qualification"
        )
        in_force: set[Province] = set()
        lapsed: set[Province] = set()
        with self._engine.connect() as conn:
            for province, key, status, until in conn.execute(stmt):
                who = supervising_province(key.split("/")[1], Province(province))
                live = status not in lapsed_statuses and (until is None or until >= today)
                (in_force if live else lapsed).add(who)
        return sorted(in_force or lapsed)

    def capabilities(self, uscc: str, province: Province) -> frozenset[str]:
        """The CMA fields of the institution's qualifications in force today by
        `province`: each number's field and those its scope items name."""
        return self.institution_index.capabilities(uscc, province.value, china_date(utcnow()))

    def institutions(
        self,
        provinces: Sequence[Province],
        fields: Sequence[str],
        on: dt.date,
        recent_years: int,
        lapsed_since: dt.date | None = None,
    ) -> list[PoolEntity]:
        """Institutions with a qualification in effect on `on`, one per province
        that qualified them, with their fields and credit class; with
        `lapsed_since`, also those whose qualification lapsed (suspended,
        expired, cancelled) since then, each with how it stands."""
        stmt = select(_record.c.province, _record.c.payload).where(
            _record.c.kind == "qualification"
        )
        if provinces:
            stmt = stmt.where(_record.c.province.in_([p.value for p in provinces]))
        wanted = set(fields)
        found: dict[tuple[str, str], set[str]] = {}
        standing: dict[tuple[str, str], str] = {}
        with self._engine.connect() as conn:
            for province, payload in conn.execute(stmt):
                q = events_pb2.Event.FromString(payload).record.qualification
                status = _standing(q, on, lapsed_since)
                if status is None:
                    continue
                # Every field the laboratory works in (its scope items'), not
                # only the one in its CMA number.
                have = capability_fields(q.number, (i.field for i in q.scope))
                if wanted and not (have & wanted):
                    continue
                key = (province, q.institution_uscc)
                found.setdefault(key, set()).update(have)
                # A qualification in force outranks a lapsed one of the same institution.
                if standing.get(key) != "VALID":
                    standing[key] = status
        holders = {uscc for _, uscc in found}
        facts = self._credit_facts(holders)
        rules = self._credit_rules()  # one plan, one set of rules
        published = self._published_classes(holders, on)
        entities = []
        for (province, uscc), covered in sorted(found.items()):
            # The class the qualifying province published, else the derived one.
            held = published.get((province, uscc))
            grade, source = (
                held
                if held is not None
                else (
                    credit_class(facts.get(uscc, ()), on, recent_years, rules),
                    DERIVED,
                )
            )
            entities.append(
                PoolEntity(
                    Province(province),
                    uscc,
                    frozenset(covered),
                    grade,
                    standing[(province, uscc)],
                    source,
                )
            )
        return entities

    def _published_classes(
        self, usccs: Iterable[str], on: dt.date
    ) -> dict[tuple[str, str], tuple[CreditClass, str]]:
        """(province, USCC) -> the risk class that province published in force
        on `on` (of the versions in effect by then, the highest revision: a
        class published ahead of its day does not unseat the one in force),
        and where it comes from."""
        day = on.isoformat()
        keys = sorted(record_key(RecordKind.RISK_CLASSIFICATION, u) for u in usccs)
        in_effect: dict[tuple[str, str], list[tuple[int, CreditClass, str]]] = {}
        store = RecordStore(self._engine)
        for start in range(0, len(keys), 1000):
            for row in store.versions_of(keys[start : start + 1000]):
                c = events_pb2.Event.FromString(row.payload).record.risk_classification
                grade = RISK_CLASS_FROM_PB.get(c.risk_class)
                if grade is not None and c.effective_from <= day:
                    source = f"published by {row.province} from {c.effective_from}"
                    in_effect.setdefault((row.province, c.institution_uscc), []).append(
                        (row.revision, grade, source)
                    )
        found: dict[tuple[str, str], tuple[CreditClass, str]] = {}
        for key, versions in in_effect.items():
            held = latest(versions, itemgetter(0))
            if held is not None:
                found[key] = (held[1], held[2])
        return found

    def _credit_facts(self, usccs: Iterable[str]) -> dict[str, list[CreditFact]]:
        """Each holder's credit events, as every credit answer reads them."""
        wanted = sorted(usccs)
        facts: dict[str, list[CreditFact]] = {}
        store = RecordStore(self._engine)
        for start in range(0, len(wanted), 1000):
            for row in store.by_usccs(wanted[start : start + 1000], RecordKind.CREDIT_EVENT):
                fact = credit_fact(row)
                facts.setdefault(fact.event.uscc, []).append(fact)
        return facts


_LAPSED = frozenset(
    {CertificateStatus.SUSPENDED, CertificateStatus.EXPIRED, CertificateStatus.CANCELLED}
)


def _standing(
    q: records_pb2.Qualification, on: dt.date, lapsed_since: dt.date | None
) -> str | None:
    """VALID, or how it lapsed since `lapsed_since` (the day it lapsed: its
    status's effective day, or its validity's end; unknown counts as recent);
    None: neither, or not yet valid on `on`."""
    status = CERTIFICATE_STATUS_FROM_PB.get(q.status.canonical)
    until = dt.date.fromisoformat(q.valid_until) if q.valid_until else None
    if status is None or (q.valid_from and on.isoformat() < q.valid_from):
        return None  # not in effect yet: neither in force nor lapsed
    now = effective_status(status, until, on)
    if now is CertificateStatus.VALID:
        return now.value
    if lapsed_since is None or now not in _LAPSED:
        return None
    if now is CertificateStatus.EXPIRED:
        lapsed = until
    else:
        lapsed = dt.date.fromisoformat(q.status_effective_date) if q.status_effective_date else None
    return now.value if lapsed is None or lapsed >= lapsed_since else None


def _parse(payload: bytes) -> PoolMember | None:
    try:
        event = events_pb2.Event.FromString(payload)
        member = pool_member(event.record.assessor)
    except (DecodeError, ValueError, KeyError) as exc:
        # The exchange validated it; a record that still does not parse stays out
        # of the pool rather than breaking every draw.
        log.warning("assessor record left out of the pool: %s", exc)
        return None
    return member


def _entry(payload: bytes) -> PoolEntry | None:
    member = _parse(payload)
    return None if member is None else pool_entry(member)


def _index(entries: Iterable[PoolEntry]) -> Pool:
    by_id = {e.member.assessor_id: e for e in entries}
    ordered = tuple(by_id[k] for k in sorted(by_id))
    by_field: dict[str, list[PoolEntry]] = {}
    active: Counter[str] = Counter()
    for e in ordered:
        for f in e.member.fields:
            by_field.setdefault(f, []).append(e)
        if e.member.status in ELIGIBLE_STATUSES:
            active[e.entrant.province] += 1
    pool = Pool(
        ordered, {f: field_pool(f, entries) for f, entries in by_field.items()}, dict(active)
    )
    # The pool lives until the next change and holds tens of thousands of
    # objects: moved out of the collector's way, full collections stay cheap
    # instead of walking it again and again while draws allocate. Collecting
    # first keeps garbage from being frozen with it; after the first time most
    # of the heap is frozen already, so this collection is quick.
    gc.collect()
    gc.freeze()
    return pool
