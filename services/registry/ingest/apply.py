"""Applying a batch of events to the reconciled store, in one transaction.

Each batch is applied together with the Kafka offsets that produced it, so a
restart resumes exactly after the last applied event: nothing lost, nothing
applied twice. Duplicated or replayed events are no-ops because a record
only moves to a higher revision.

The same transaction re-evaluates the conflicts of every group the batch
touched and appends to the change log, so conflicts and change streams are
exactly as current as the records, and converge like them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.engine import Connection, Engine

from services.common.sql import among_bound, insert_ignore, listed, upsert
from services.core.conflicts import (
    CERTIFICATE_KINDS,
    CertificateFacts,
    Scope,
    SubjectKind,
    detect_conflicts,
)
from services.core.provenance import as_utc
from services.core.provinces import Province
from services.core.records import RecordKind
from services.core.transitions import StatusRules
from services.registry.ingest.replays import (
    Prior,
    current_rows,
    fresh_events,
    held_revisions,
    reopenings_set_aside,
)
from services.registry.reconciliation import changelog, conflict_store
from services.registry.records.store import PROVINCE_CODES, DeadEvent
from services.registry.records.tables import (
    dead_letter_table,
    feed_table,
    former_term_table,
    offset_table,
    record_table,
    version_table,
)
from yrdhub.v1 import events_pb2


class IncomingEvent(NamedTuple):
    """One parsed event: a registry_record row but for applied_at, which the
    apply transaction sets. (A named tuple: one is made for every event read,
    and a frozen dataclass of these fields took three times as long to make.)"""

    province: str
    record_key: str
    kind: str
    revision: int
    sequence: int
    event_id: str
    accepted_at: dt.datetime
    uscc: str
    code: str | None
    label_code: str | None
    payload: bytes
    # The event itself, for the precompute step (not a column).
    message: events_pb2.Event
    # For certificates: institution or enterprise name and canonical status
    # (what conflict rules compare), and the last valid day.
    holder_name: str | None = None
    status: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    # For green certificates: the product its label stands for (enterprise/model).
    product: str | None = None


class Precompute(Protocol):
    """What another capability stores beside each record it will answer with
    (the composition root hands the step to the writer): the checks' serialized
    StoredRecord and LabelMatch answers, given the apply transaction's time."""

    def __call__(
        self, event: events_pb2.Event, applied_at: dt.datetime
    ) -> tuple[bytes | None, bytes | None]: ...


_FIELDS = tuple(f for f in IncomingEvent._fields if f != "message")
_KEY = ("province", "record_key")
_VERSION_KEY = (*_KEY, "revision")
_VERSION_FIELDS = tuple(c.name for c in version_table.c if c.name != "applied_at")
_UPDATED = [c.name for c in record_table.c if not c.primary_key]
# The event's fields are the record row's columns: declared once, in tables.py.
assert {*_FIELDS, "applied_at", "answer", "label_answer"} == {c.name for c in record_table.c}
assert set(_VERSION_FIELDS) <= set(_FIELDS)
_record_values = attrgetter(*_FIELDS)
_version_values = attrgetter(*_VERSION_FIELDS)

_PROVINCE_OF = {p.value: p for p in Province}
_KIND_OF = {k.value: k for k in RecordKind}
_CERTIFICATE_KIND_NAMES = frozenset(k.value for k in CERTIFICATE_KINDS)


def _facts_of(ev: IncomingEvent) -> CertificateFacts:
    # Dict lookups rather than enum constructors: this runs for every record applied.
    return CertificateFacts(
        _PROVINCE_OF[ev.province],
        ev.record_key,
        _KIND_OF[ev.kind],
        ev.uscc,
        ev.holder_name or "",
        ev.status or "",
        ev.label_code,
        ev.product,
    )


_FORMER_KEY = ("term", "province", "record_key")


def _former_terms(
    fresh: Iterable[IncomingEvent],
    latest: dict[tuple[str, str], IncomingEvent],
    before: dict[tuple[str, str], Prior],
) -> list[dict[str, str]]:
    """record_former_term rows: the holders and label codes of the batch's
    versions (and of the rows they replace) that the records' current rows no
    longer have. Certificate numbers are part of the key, so never change."""
    terms: dict[tuple[str, str], set[str]] = {}
    for ev in fresh:
        pair = (ev.province, ev.record_key)
        if latest[pair] is ev and pair not in before:
            # A new record's newest version: its terms are the current ones.
            continue
        terms.setdefault(pair, set()).update(t for t in (ev.uscc, ev.label_code) if t)
    rows: list[dict[str, str]] = []
    for pair, seen in terms.items():
        newest, prior = latest[pair], before.get(pair)
        if prior is not None:
            seen.update(t for t in (prior.uscc, prior.label_code) if t)
        if prior is not None and prior.revision > newest.revision:
            current = {prior.uscc, prior.label_code}
        else:
            current = {newest.uscc, newest.label_code}
        province, key = pair
        rows.extend(
            {"term": t, "province": province, "record_key": key} for t in sorted(seen - current)
        )
    return rows


class RecordWriter:
    """The one writer of the record tables, the conflicts and the change log."""

    def __init__(
        self, engine: Engine, precompute: Precompute, status_rules: StatusRules | None = None
    ) -> None:
        """`status_rules`: an event changing a final status is set aside
        (refused, as a dead letter); None: every status change is applied."""
        self._engine = engine
        self._precompute = precompute
        self._status_rules = status_rules

    def create_schema(self) -> None:
        conflict_store.create_schema(self._engine)
        changelog.create_schema(self._engine)

    def apply(
        self,
        events: Sequence[IncomingEvent],
        offsets: dict[tuple[str, int], int],
        dead: Sequence[DeadEvent] = (),
        now: dt.datetime | None = None,
        also: Callable[[Connection], None] | None = None,
        *,
        refuse: Callable[[IncomingEvent, str], None] | None = None,
        trial: bool = False,
    ) -> int:
        """Applies a batch and moves the offsets, atomically, with `also`'s
        writes (the chain tables'). Returns how many events were new (not
        already held at that revision). An event whose revision is below one
        already held of its record, or below an earlier one of the batch, is
        not applied: the province sent its record's revisions out of order,
        and `refuse` hears why (before `also` runs and `dead` is written).
        `trial`: everything but the commit (the writes are rolled back), to
        find out whether the events apply."""
        now = now or dt.datetime.now(dt.UTC)
        with self._engine.connect() as conn, conn.begin() as transaction:
            before = current_rows(conn, {(ev.province, ev.record_key) for ev in events})
            fresh = fresh_events(events, held_revisions(conn, events, before), before, refuse)
            if self._status_rules is not None:
                fresh = reopenings_set_aside(fresh, before, self._status_rules, refuse)
            if fresh:
                versions = []
                for ev in fresh.values():
                    row = dict(zip(_VERSION_FIELDS, _version_values(ev), strict=True))
                    row["applied_at"] = now
                    versions.append(row)
                insert_ignore(conn, version_table, versions, key=_VERSION_KEY)
                latest: dict[tuple[str, str], IncomingEvent] = {}
                for ev in fresh.values():
                    prior = latest.get((ev.province, ev.record_key))
                    if prior is None or ev.revision > prior.revision:
                        latest[(ev.province, ev.record_key)] = ev
                records = []
                for ev in latest.values():
                    row = dict(zip(_FIELDS, _record_values(ev), strict=True))
                    row["applied_at"] = now
                    row["answer"], row["label_answer"] = self._precompute(ev.message, now)
                    records.append(row)
                upsert(
                    conn,
                    record_table,
                    records,
                    key=_KEY,
                    update=_UPDATED,
                    only_if_newer="revision",
                )
                former = _former_terms(fresh.values(), latest, before)
                if former:
                    insert_ignore(conn, former_term_table, former, key=_FORMER_KEY)
                self._advance_feeds(conn, fresh.values(), now)
                self._reconcile(conn, fresh.values(), latest, before, now)
            if also is not None:
                also(conn)
            if dead:
                insert_ignore(
                    conn,
                    dead_letter_table,
                    [asdict(d) for d in dead],
                    key=["topic", "partition", "offset"],
                )
            upsert(
                conn,
                offset_table,
                [{"topic": t, "partition": p, "next_offset": o} for (t, p), o in offsets.items()],
                key=["topic", "partition"],
                update=["next_offset"],
            )
            if trial:
                transaction.rollback()
        return len(fresh)

    @classmethod
    def _reconcile(
        cls,
        conn: Connection,
        fresh: Iterable[IncomingEvent],
        latest: dict[tuple[str, str], IncomingEvent],
        prior: dict[tuple[str, str], Prior],
        now: dt.datetime,
    ) -> None:
        """Logs every new version, then re-evaluates the conflicts of the groups
        whose current records changed (old and new holder and label included)."""
        changes = []
        changed: list[IncomingEvent] = []
        keys: set[str] = set()
        usccs: set[str] = set()
        labels: set[str] = set()
        for ev in fresh:
            pair = (ev.province, ev.record_key)
            before = prior.get(pair)
            current = latest[pair] is ev and (before is None or ev.revision > before.revision)
            changes.append(
                changelog.record_change(
                    province=ev.province,
                    record_key=ev.record_key,
                    revision=ev.revision,
                    uscc=ev.uscc,
                    previous_uscc=before.uscc if before else None,
                    became_current=current,
                )
            )
            if current and ev.kind in _CERTIFICATE_KIND_NAMES:
                changed.append(ev)
                keys.add(ev.record_key)
                usccs.add(ev.uscc)
                labels.update(v for v in (ev.label_code,) if v)
                if before is not None:
                    usccs.add(before.uscc)
                    labels.update(v for v in (before.label_code,) if v)
        scope = Scope(frozenset(keys), frozenset(usccs), frozenset(labels))
        if scope:
            facts = cls._facts(conn, scope, [_facts_of(ev) for ev in changed])
            detected = detect_conflicts(facts, scope)
            changes.extend(conflict_store.reconcile(conn, detected, scope, now))
        changelog.append(conn, changes)

    @staticmethod
    def _facts(
        conn: Connection, scope: Scope, changed: list[CertificateFacts]
    ) -> list[CertificateFacts]:
        """Every current certificate of the groups in scope that may hold a conflict.

        A group can conflict only if it has two records (a key), two names (a
        USCC) or two certificates (a label); one aggregate query per kind of
        group finds those, and only their rows are loaded. Every other group is
        just the changed records themselves (enough for the issuer rule), which
        the batch already holds: loading them again would double the cost of
        applying a batch of new records.
        """
        facts = {(f.province.value, f.record_key): f for f in changed}
        dialect = conn.dialect.name
        for group, suspected, rows in _group_lookups(dialect):
            values = scope.subjects(group)
            if not values:
                continue
            suspects = list(conn.execute(suspected, {_VALUES: listed(dialect, values)}).scalars())
            if not suspects:
                continue
            for province, key, kind, uscc, name, status, label, product in conn.execute(
                rows, {_VALUES: listed(dialect, suspects)}
            ):
                facts[(province, key)] = CertificateFacts(
                    _PROVINCE_OF[province],
                    key,
                    _KIND_OF[kind],
                    uscc,
                    name or "",
                    status or "",
                    label,
                    product,
                )
        return list(facts.values())

    @staticmethod
    def _advance_feeds(conn: Connection, events: Iterable[IncomingEvent], now: dt.datetime) -> None:
        per: dict[str, list[IncomingEvent]] = {}
        for ev in events:
            per.setdefault(ev.province, []).append(ev)
        current = {row.province: row for row in conn.execute(_FEEDS, {"provinces": list(per)})}
        rows = []
        for province, evs in per.items():
            old = current.get(province)
            last_seq = max(ev.sequence for ev in evs)
            last_acc = max(ev.accepted_at for ev in evs)
            if old is not None:
                last_seq = max(last_seq, old.last_sequence)
                old_acc = as_utc(old.last_accepted_at)
                if old_acc is not None:
                    last_acc = max(last_acc, old_acc)
            rows.append(
                {
                    "province": province,
                    "last_sequence": last_seq,
                    "last_accepted_at": last_acc,
                    "last_applied_at": now,
                    "events_applied": (old.events_applied if old is not None else 0) + len(evs),
                }
            )
        upsert(
            conn,
            feed_table,
            rows,
            key=["province"],
            update=["last_sequence", "last_accepted_at", "last_applied_at", "events_applied"],
        )


_VALUES = "values"


class _GroupLookup(NamedTuple):
    group: SubjectKind
    # The values of `group` in parameter _VALUES able to hold a conflict.
    suspects: Select[str]
    # The certificates of the groups in parameter _VALUES.
    certificates: Select[*tuple[Any, ...]]


_FEEDS = select(feed_table).where(feed_table.c.province.in_(bindparam("provinces", expanding=True)))


@functools.cache
def _group_lookups(dialect: str) -> tuple[_GroupLookup, ...]:
    """For each kind of group in a Scope, the statements that
    find the groups of the listed values able to hold a conflict, and the
    certificates of those groups; made once, since a batch of one event runs
    them too (see services.common.sql.among_bound)."""
    r = record_table.c
    kinds = [k.value for k in CERTIFICATE_KINDS]
    columns = (
        *(r.province, r.record_key, r.kind, r.uscc, r.holder_name, r.status),
        *(r.label_code, r.product),
    )
    found = []
    for group, column, having in (
        (SubjectKind.RECORD_KEY, r.record_key, func.count() > 1),
        (SubjectKind.USCC, r.uscc, func.count(r.holder_name.distinct()) > 1),
        # Several bodies' certificates for one product share its label.
        (SubjectKind.LABEL_CODE, r.label_code, func.count(r.product.distinct()) > 1),
    ):
        if column is r.record_key:
            # Every province listed, so that a lookup by key walks the
            # primary key; the kind compared as an expression (`kind ||
            # ''`), so that SQLite does not take the kind's index instead
            # and read every certificate on each batch (8 ms a batch at
            # 17,000 records, and growing with the registry).
            where = [r.province.in_(PROVINCE_CODES), (r.kind + "").in_(kinds)]
        else:
            where = [r.kind.in_(kinds)]
        listed_values = among_bound(dialect, column, _VALUES)
        found.append(
            _GroupLookup(
                group,
                select(column).where(*where, listed_values).group_by(column).having(having),
                select(*columns).where(*where, listed_values),
            )
        )
    return tuple(found)
