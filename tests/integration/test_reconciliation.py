"""Reconciliation on SQLite and PostgreSQL: conflicts, history, credit, decisions, change log."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from services.common.db import make_engine
from services.core.conflicts import ConflictType
from services.core.errors import InvalidRequest
from services.core.history import as_of
from services.core.policy import Outcome
from services.core.provinces import Province
from services.core.recognition import RequestedItem
from services.core.records import Record
from services.core.status import CertificateStatus
from services.registry.reconciliation.changelog import ChangeFilter, ChangeType
from services.registry.reconciliation.changes import Change, ChangeReader, ChangeSignal, ChangeWatch
from services.registry.reconciliation.conflict_store import ConflictStore, StoredConflict
from services.registry.reconciliation.institutions import Reconciliation
from services.registry.reconciliation.policy_source import DEFAULT_POLICY, PolicySource
from services.registry.reconciliation.recognition import RecognitionDecisions
from services.registry.reconciliation.servicer import ReconciliationRpcs, ReconciliationUseCases
from services.registry.records.as_of import RecordsAsOf
from tests.factories import (
    LAB_A,
    LAB_B,
    MAKER,
    T0,
    AppliedStore,
    credit,
    event,
    green_cert,
    qualification,
    uscc,
)
from yrdhub.v1 import common_pb2, registry_pb2

NOW = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)
KEY = qualification().key


class Hub:
    """The registry's store and use cases over one database, at a fixed clock."""

    def __init__(self, db_url: str, policy: Path = DEFAULT_POLICY) -> None:
        engine = make_engine(db_url)
        self.store = AppliedStore(engine)
        self.store.create_schema()
        self.conflicts = ConflictStore(engine)
        self.changes = ChangeReader(engine)
        self.reconciliation = Reconciliation(self.store, self.conflicts, clock=lambda: NOW)
        self.decisions = RecognitionDecisions(
            self.store, self.conflicts, PolicySource(policy), clock=lambda: NOW
        )
        self._tick = T0

    def publish(
        self,
        *items: tuple[Record, Province] | tuple[Record, Province, int],
        at: dt.datetime | None = None,
    ) -> int:
        """Applies one batch; each item is (record, province[, revision])."""
        self._tick = at or self._tick + dt.timedelta(minutes=1)
        events = []
        for record, province, *revision in items:
            events.append(event(record, province, *revision, accepted_at=self._tick))
        return self.store.apply(events, {}, now=self._tick)

    def open_conflicts(self) -> dict[ConflictType, StoredConflict]:
        return {c.type: c for c in self.conflicts.find(open_only=True)}


@pytest.fixture
def hub(db_url: str) -> Hub:
    return Hub(db_url)


def _types(changes: Sequence[Change]) -> list[ChangeType]:
    return [c.type for c in changes]


def _label(change: Change) -> str:
    """A record version by its key, a conflict change by its type and the conflict's."""
    if change.record is not None:
        return change.record.record_key
    assert change.conflict is not None
    return f"{change.type.value}:{change.conflict.type.value}"


def test_conflicts_open_update_and_resolve_as_events_arrive(hub: Hub) -> None:
    hub.publish((qualification(holder=LAB_A), Province.SH))
    assert hub.open_conflicts() == {}

    # Jiangsu publishes Shanghai's number 09/... with another holder.
    hub.publish((qualification(holder=LAB_B, name="江苏某检测有限公司"), Province.JS))
    found = hub.open_conflicts()
    assert set(found) == {ConflictType.HOLDER_MISMATCH, ConflictType.ISSUER_PROVINCE_MISMATCH}
    holder = found[ConflictType.HOLDER_MISMATCH]
    assert holder.subject == KEY
    assert {(r.province, r.value) for r in holder.records} == {
        (Province.SH, LAB_A),
        (Province.JS, LAB_B),
    }
    opened = hub.changes.after(0, ChangeFilter()).changes
    assert _types(opened) == [
        ChangeType.RECORD_VERSION,
        ChangeType.RECORD_VERSION,
        ChangeType.CONFLICT_OPENED,
        ChangeType.CONFLICT_OPENED,
    ]

    # Zhejiang joins with a third version: the open conflict follows, it is not a new one.
    hub.publish((qualification(holder=LAB_B, name="江苏某检测有限公司"), Province.ZJ))
    joined = hub.open_conflicts()[ConflictType.HOLDER_MISMATCH]
    assert joined.conflict_id == holder.conflict_id
    assert {r.province for r in joined.records} == {Province.SH, Province.JS, Province.ZJ}
    assert ChangeType.CONFLICT_UPDATED in _types(hub.changes.after(4, ChangeFilter()).changes)

    # Both correct their holder: the holder conflict is resolved, the issuer one stays.
    before = hub.changes.latest_cursor()
    hub.publish(
        (qualification(holder=LAB_A), Province.JS, 2), (qualification(holder=LAB_A), Province.ZJ, 2)
    )
    assert set(hub.open_conflicts()) == {ConflictType.ISSUER_PROVINCE_MISMATCH}
    [resolved] = hub.conflicts.find(types=[ConflictType.HOLDER_MISMATCH])
    assert resolved.resolved_at is not None and resolved.first_seen < resolved.resolved_at
    after = hub.changes.after(before, ChangeFilter()).changes
    [change] = [c for c in after if c.type is ChangeType.CONFLICT_RESOLVED]
    assert change.conflict is not None and change.conflict.resolved_at is not None

    # The old holder's name conflict never existed: same name per USCC throughout.
    assert hub.conflicts.find(types=[ConflictType.NAME_MISMATCH]) == []


def test_name_label_and_status_conflicts_on_green_certificates(hub: Hub) -> None:
    first = green_cert(number="CQC2024GP0000001", label="GP00000000000001")
    # The same label on another product (model) of the enterprise, under another name.
    other = green_cert(
        number="CQC2024GP0000002",
        label="GP00000000000001",
        name="安徽绿源家居有限公司",
        model="JJ-200B",
    )
    hub.publish((first, Province.AH), (other, Province.AH))
    found = hub.open_conflicts()
    assert set(found) == {ConflictType.LABEL_CODE_REUSED, ConflictType.NAME_MISMATCH}
    assert found[ConflictType.NAME_MISMATCH].subject == MAKER

    hub.publish((green_cert(status=CertificateStatus.REVOKED), Province.ZJ))
    status = hub.open_conflicts()[ConflictType.STATUS_DISAGREEMENT]
    assert {(r.province, r.value) for r in status.records} == {
        (Province.AH, "VALID"),
        (Province.ZJ, "REVOKED"),
    }


def test_listing_conflicts_by_type_institution_and_page(hub: Hub) -> None:
    hub.publish(
        (qualification(holder=LAB_B), Province.JS),
        (qualification(holder=LAB_A), Province.SH),
        (qualification(serial=2, issuer="11", holder=LAB_B), Province.AH),
    )
    everything = hub.reconciliation.conflicts()
    assert len(everything.conflicts) == 3
    page = hub.reconciliation.conflicts(page_size=2)
    rest = hub.reconciliation.conflicts(page_size=2, page_token=page.next_page_token)
    assert [c.conflict_id for c in page.conflicts + rest.conflicts] == [
        c.conflict_id for c in everything.conflicts
    ]
    assert rest.next_page_token == ""
    issuer = hub.reconciliation.conflicts(types=[ConflictType.ISSUER_PROVINCE_MISMATCH])
    assert len(issuer.conflicts) == 2
    about_a = hub.reconciliation.conflicts(uscc=LAB_A, open_only=True)
    assert [c.type for c in about_a.conflicts] == [ConflictType.HOLDER_MISMATCH]


def test_history_as_of_record_time_and_valid_time(hub: Hub) -> None:
    t1 = dt.datetime(2026, 2, 1, 2, 0, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)
    hub.publish((qualification(), Province.SH, 1), at=t1)
    hub.publish((qualification(status=CertificateStatus.REVOKED), Province.SH, 2), at=t2)

    full = hub.reconciliation.history(KEY)
    assert [r.revision for r in full.versions] == [1, 2]
    assert [r.revision for r in full.current] == [2]

    then = hub.reconciliation.history(KEY, known_at=t1 + dt.timedelta(days=1))
    assert [r.revision for r in then.versions] == [1]
    assert then.as_of.valid_on == dt.date(2026, 2, 2)

    [before] = hub.reconciliation.history(KEY, valid_on="2026-03-01").validity
    assert (before.revision, before.validity.valid) == (1, True)
    [after] = hub.reconciliation.history(KEY, valid_on="2026-04-01").validity
    assert (after.revision, after.validity.status) == (2, CertificateStatus.REVOKED)
    # What the hub knew on 2 February says the certificate was valid on 1 April.
    [known] = hub.reconciliation.history(KEY, valid_on="2026-04-01", known_at=t1).validity
    assert (known.revision, known.validity.valid) == (1, True)
    [late] = hub.reconciliation.history(KEY, valid_on="2029-03-01", known_at=t1).validity
    assert late.validity.status is CertificateStatus.EXPIRED


def test_conflict_pages_followed_without_an_as_of_are_one_answer(hub: Hub) -> None:
    hub.publish(
        (qualification(holder=LAB_B), Province.JS),
        (qualification(holder=LAB_A), Province.SH),
        (qualification(serial=2, issuer="11", holder=LAB_B), Province.AH),
    )
    rpcs = ReconciliationRpcs()
    rpcs._use_cases = cast(
        ReconciliationUseCases, SimpleNamespace(reconciliation=hub.reconciliation)
    )

    def listed(request: registry_pb2.ListConflictsRequest) -> registry_pb2.ListConflictsResponse:
        return asyncio.run(rpcs.ListConflicts(request, cast(Any, None)))

    earlier = common_pb2.AsOf()
    earlier.known_at.FromDatetime(T0 + dt.timedelta(days=1))
    first = listed(registry_pb2.ListConflictsRequest(page_size=2, as_of=earlier))
    # A conflict detected after the first page was answered...
    hub.publish((qualification(serial=3, issuer="12", holder=LAB_A), Province.ZJ))
    assert len(hub.reconciliation.conflicts().conflicts) > 3
    # ...is not on the next page of a client that follows the token alone.
    rest = listed(registry_pb2.ListConflictsRequest(page_size=2, page_token=first.next_page_token))
    assert rest.as_of == first.as_of and rest.next_page_token == ""
    then = hub.reconciliation.conflicts(known_at=T0 + dt.timedelta(days=1))
    assert [c.conflict_id for c in [*first.conflicts, *rest.conflicts]] == [
        c.conflict_id for c in then.conflicts
    ]
    # A token pages the filter it came from, not another one.
    with pytest.raises(InvalidRequest) as refused:
        listed(
            registry_pb2.ListConflictsRequest(
                page_size=2, page_token=first.next_page_token, uscc=LAB_B
            )
        )
    assert [v.field for v in refused.value.violations] == ["page_token"]
    # Nor at another as_of: a valid_on alone would mix in today's knowledge.
    with pytest.raises(InvalidRequest) as refused:
        listed(
            registry_pb2.ListConflictsRequest(
                page_size=2,
                page_token=first.next_page_token,
                as_of=common_pb2.AsOf(valid_on="2026-01-01"),
            )
        )
    assert [v.field for v in refused.value.violations] == ["as_of"]
    again = listed(
        registry_pb2.ListConflictsRequest(
            page_size=2, page_token=first.next_page_token, as_of=first.as_of
        )
    )
    assert again == rest


def test_history_judges_a_credit_event_by_its_latest_version_as_every_read_does(
    hub: Hub,
) -> None:
    # A listing, and a correction of its dates published two months later: a
    # credit event dates itself, so on any day its latest known version
    # answers, in its history as in GetRecord.
    t1 = dt.datetime(2026, 2, 1, 2, 0, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)
    listed = credit(effective_from=dt.date(2026, 1, 20))
    corrected = credit(effective_from=dt.date(2026, 1, 10))
    hub.publish((listed, Province.AH, 1), at=t1)
    hub.publish((corrected, Province.AH, 2), at=t2)
    day = "2026-03-01"  # after the listing's acceptance, before the correction's
    [current] = hub.reconciliation.history(listed.key, valid_on=day).current
    [read] = RecordsAsOf(hub.store).by_key(listed.key, as_of(day, None, NOW))
    assert current.revision == read.revision == 2


def test_a_late_older_revision_is_kept_in_history_but_not_current(hub: Hub) -> None:
    hub.publish((qualification(status=CertificateStatus.SUSPENDED), Province.SH, 2))
    hub.publish((qualification(), Province.SH, 1))
    [current] = hub.store.by_key(KEY)
    assert current.revision == 2
    changes = hub.changes.after(0, ChangeFilter()).changes
    assert [(c.record.revision, c.became_current) for c in changes if c.record] == [
        (2, True),
        (1, False),
    ]


def test_the_merged_view_of_one_institution_across_provinces(hub: Hub) -> None:
    hub.publish(
        (qualification(holder=LAB_A), Province.SH),
        (
            qualification(issuer="10", serial=7, holder=LAB_A, name="上海华测检测技术股份有限公司"),
            Province.JS,
        ),
        (green_cert(holder=LAB_A, name="上海华测检测技术有限公司"), Province.ZJ),
        (credit(holder=LAB_A, effective_from=dt.date(2026, 5, 1)), Province.AH),
    )
    view = hub.reconciliation.institution(LAB_A)
    assert view.found
    assert view.provinces == [Province.AH, Province.JS, Province.SH, Province.ZJ]
    assert len(view.qualifications) == 2 and len(view.green_certs) == 1
    names = {n.name: n.provinces for n in view.names}
    assert names == {
        "上海华测检测技术有限公司": (Province.SH, Province.ZJ),
        "上海华测检测技术股份有限公司": (Province.JS,),
    }
    [listing] = view.listings
    assert listing.in_force and listing.listing.source.province is Province.AH
    assert [c.type for c in view.conflicts] == [ConflictType.NAME_MISMATCH]
    # The same listing was not yet in force in April.
    assert not hub.reconciliation.institution(LAB_A, valid_on="2026-04-30").listings[0].in_force
    assert not hub.reconciliation.institution(LAB_B).found


def test_a_credit_listing_from_anhui_blocks_recognition_in_zhejiang(hub: Hub) -> None:
    hub.publish((qualification(holder=LAB_A), Province.SH))
    first = hub.decisions.for_record(KEY, target=Province.ZJ).decision
    assert first.outcome is Outcome.RECOGNIZED

    hub.publish((credit(holder=LAB_A, effective_from=dt.date(2026, 5, 20)), Province.AH))
    blocked = hub.decisions.for_record(KEY, target=Province.ZJ).decision
    assert blocked.outcome is Outcome.NOT_RECOGNIZED
    [why] = [r for r in blocked.reasons if r.rule_id == "credit.listings"]
    [listing] = [i for i in why.inputs if i.name == "credit_listing"]
    assert listing.source is not None and listing.source.province is Province.AH
    # Before the listing took effect the same question has the old answer.
    assert hub.decisions.for_record(
        KEY, target=Province.ZJ, valid_on="2026-05-19"
    ).decision.outcome is (Outcome.RECOGNIZED)


def test_decisions_on_scope_items_and_on_the_judged_province(hub: Hub) -> None:
    hub.publish(
        (qualification(holder=LAB_A), Province.SH),
        (qualification(holder=LAB_A, status=CertificateStatus.REVOKED), Province.JS),
    )
    # By default the issuing province's (Shanghai's) version is judged.
    assert hub.decisions.for_record(KEY, target=Province.AH).decision.outcome is Outcome.CONDITIONAL
    jiangsu = hub.decisions.for_record(
        KEY, target=Province.AH, source_province=Province.JS
    ).decision
    assert jiangsu.outcome is Outcome.NOT_RECOGNIZED
    items = [RequestedItem("铅 (Pb)", "GB 5009.12")]
    scoped = hub.decisions.for_scope(LAB_A, items, target=Province.AH).decision
    [covered] = [r for r in scoped.reasons if r.rule_id == "scope.covered"]
    assert covered.effect is Outcome.RECOGNIZED and "(SH)" in covered.message
    # Open conflicts (the status disagreement) make it conditional.
    assert scoped.outcome is Outcome.CONDITIONAL


def test_a_scope_is_judged_on_the_issuing_provinces_copy_not_the_best_one(hub: Hub) -> None:
    # Shanghai issued the CMA and revoked it; Jiangsu still relays it as valid.
    hub.publish(
        (qualification(holder=LAB_A, status=CertificateStatus.REVOKED), Province.SH),
        (qualification(holder=LAB_A), Province.JS),
    )
    items = [RequestedItem("铅 (Pb)", "GB 5009.12")]
    scoped = hub.decisions.for_scope(LAB_A, items, target=Province.AH).decision
    assert scoped.outcome is Outcome.NOT_RECOGNIZED
    assert scoped.outcome is hub.decisions.for_record(KEY, target=Province.AH).decision.outcome
    [covered] = [r for r in scoped.reasons if r.rule_id == "scope.covered"]
    assert covered.effect is Outcome.NOT_RECOGNIZED and "(SH)" in covered.message
    assert "(JS)" not in covered.message


def test_the_policy_file_is_reloaded_when_it_changes(db_url: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    hub = Hub(db_url, policy)
    hub.publish(
        (qualification(holder=LAB_A), Province.SH),
        (credit(holder=LAB_A, effective_from=dt.date(2026, 5, 1)), Province.AH),
    )
    assert (
        hub.decisions.for_record(KEY, target=Province.ZJ).decision.outcome is Outcome.NOT_RECOGNIZED
    )

    relaxed = (
        DEFAULT_POLICY.read_text(encoding="utf-8")
        .replace('version = "yrd-recognition-v1.0"', 'version = "yrd-recognition-v1.1"')
        .replace('blocking_lists = ["SERIOUS_VIOLATION"]', "blocking_lists = []")
        .replace(
            'conditional_lists = ["ABNORMAL_OPERATIONS"]',
            'conditional_lists = ["ABNORMAL_OPERATIONS", "SERIOUS_VIOLATION"]',
        )
    )
    policy.write_text(relaxed, encoding="utf-8")
    stat = policy.stat()
    os.utime(policy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    decision = hub.decisions.for_record(KEY, target=Province.ZJ).decision
    assert (decision.outcome, decision.policy_version) == (
        Outcome.CONDITIONAL,
        "yrd-recognition-v1.1",
    )

    # A broken edit is ignored: the last good policy goes on deciding.
    policy.write_text("version = ", encoding="utf-8")
    os.utime(policy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert (
        hub.decisions.for_record(KEY, target=Province.ZJ).decision.policy_version
        == "yrd-recognition-v1.1"
    )


def test_change_log_filters_by_publisher_kind_holder_key_and_watch_list(hub: Hub) -> None:
    hub.publish(
        (qualification(holder=LAB_A), Province.SH),
        (green_cert(), Province.ZJ),
        (credit(holder=LAB_A), Province.AH),
    )
    hub.publish((qualification(holder=LAB_B, name="江苏某检测有限公司"), Province.JS))

    def keys(where: ChangeFilter) -> list[str]:
        return [_label(c) for c in hub.changes.after(0, where).changes]

    assert keys(ChangeFilter(publishing_provinces=frozenset({"AH"}))) == [credit(holder=LAB_A).key]
    assert keys(ChangeFilter(kinds=frozenset({"green_cert"}))) == [green_cert().key]
    # Conflicts reach everyone concerned: Shanghai's watcher sees Jiangsu's conflict with it.
    assert keys(ChangeFilter(publishing_provinces=frozenset({"SH"}))) == [
        KEY,
        "CONFLICT_OPENED:HOLDER_MISMATCH",
    ]
    assert keys(ChangeFilter(holder_uscc=LAB_B)) == [
        KEY,
        "CONFLICT_OPENED:HOLDER_MISMATCH",
        "CONFLICT_OPENED:ISSUER_PROVINCE_MISMATCH",
    ]
    # By record key: its versions and the conflicts naming it.
    assert keys(ChangeFilter(record_keys=frozenset({green_cert().key}))) == [green_cert().key]
    assert keys(ChangeFilter(record_keys=frozenset({KEY}))) == [
        KEY,
        KEY,
        "CONFLICT_OPENED:HOLDER_MISMATCH",
        "CONFLICT_OPENED:ISSUER_PROVINCE_MISMATCH",
    ]
    # A watch list matches by any of its entries; with another filter, both must.
    watched = ChangeFilter(
        watched_keys=frozenset({green_cert().key}), watched_holders=frozenset({LAB_B})
    )
    assert keys(watched) == [
        green_cert().key,
        KEY,
        "CONFLICT_OPENED:HOLDER_MISMATCH",
        "CONFLICT_OPENED:ISSUER_PROVINCE_MISMATCH",
    ]
    both = ChangeFilter(watched_holders=frozenset({LAB_B}), publishing_provinces=frozenset({"ZJ"}))
    assert keys(both) == []
    # The largest lists a request may carry are one expression each, and a key's
    # characters are taken as they are (an underscore is no wildcard).
    filler = [f"green_cert/X/{n:05d}" for n in range(999)]
    holders = [uscc(f"91310115MA1K{n:05d}") for n in range(999)]
    full = ChangeFilter(
        record_keys=frozenset([*filler, KEY]),
        watched_keys=frozenset([*filler, green_cert().key]),
        watched_holders=frozenset([*holders, LAB_B]),
    )
    # Both filters must match: Jiangsu's version (held by LAB_B), not Shanghai's.
    assert keys(full) == [
        KEY,
        "CONFLICT_OPENED:HOLDER_MISMATCH",
        "CONFLICT_OPENED:ISSUER_PROVINCE_MISMATCH",
    ]
    wildcard = green_cert().key.replace("P", "_")
    assert keys(ChangeFilter(record_keys=frozenset({wildcard}))) == []
    # Paging: a short page is not complete and resumes exactly after its last cursor.
    first = hub.changes.after(0, ChangeFilter(), limit=2)
    assert not first.complete and len(first.changes) == 2
    rest = hub.changes.after(first.scanned_to, ChangeFilter())
    everything = hub.changes.after(0, ChangeFilter())
    assert [c.cursor for c in first.changes + rest.changes] == [
        c.cursor for c in everything.changes
    ]


def test_a_watch_replays_then_follows_live_commits(hub: Hub) -> None:
    signal = ChangeSignal()
    watch = ChangeWatch(hub.changes, signal, batch=2, idle_poll_s=30)
    hub.publish(
        (qualification(), Province.SH), (green_cert(), Province.ZJ), (credit(), Province.AH)
    )

    async def run() -> list[int]:
        seen: list[int] = []
        stream = watch.follow(ChangeFilter(), after=0)

        def later() -> None:
            hub.publish((qualification(status=CertificateStatus.REVOKED), Province.SH, 2))
            signal.notify()

        async for batch, resume in stream:
            assert resume >= max([0, *seen, *(c.cursor for c in batch)])
            seen.extend(c.cursor for c in batch)
            if len(seen) == 3:
                # Caught up; the next commit must wake the watch long before its 30 s poll.
                threading.Timer(0.2, later).start()
            if len(seen) == 4:
                break
        return seen

    seen = asyncio.run(asyncio.wait_for(run(), timeout=10))
    assert seen == sorted(seen) and len(set(seen)) == 4


def test_malformed_questions_are_invalid_requests(hub: Hub) -> None:
    with pytest.raises(InvalidRequest):
        hub.reconciliation.institution("91310000XXXX")
    with pytest.raises(InvalidRequest):
        hub.reconciliation.history(KEY, valid_on="1 April")
    with pytest.raises(InvalidRequest):
        hub.reconciliation.conflicts(page_token="abc")
    with pytest.raises(InvalidRequest):
        hub.decisions.for_record("assessor/A0000000001", target=Province.ZJ)
    with pytest.raises(InvalidRequest):
        hub.decisions.for_record(KEY, target=None)
    with pytest.raises(InvalidRequest):
        hub.decisions.for_scope(LAB_A, [RequestedItem("", "GB 1")], target=Province.ZJ)


def test_a_cursor_beyond_the_log_is_refused(hub: Hub) -> None:
    hub.publish((qualification(), Province.SH))
    watch = ChangeWatch(hub.changes, ChangeSignal())

    async def first() -> object:
        return await anext(watch.follow(ChangeFilter(), after=hub.changes.latest_cursor() + 1))

    with pytest.raises(InvalidRequest, match="unknown cursor"):
        asyncio.run(first())


def test_a_negative_cursor_is_refused_naming_it(hub: Hub) -> None:
    watch = ChangeWatch(hub.changes, ChangeSignal())

    async def first() -> object:
        return await anext(watch.follow(ChangeFilter(), after=-5))

    with pytest.raises(InvalidRequest) as refused:
        asyncio.run(first())
    [violation] = refused.value.violations
    assert violation.field == "after_cursor" and "-5" in violation.description


def test_as_of_lookups_find_a_record_by_the_holder_and_label_it_had_then(hub: Hub) -> None:
    """A green certificate moves to another enterprise and label: asked as of
    before the move, lookups by the old holder and label find it; now, only
    by the new ones."""
    t1 = dt.datetime(2026, 2, 1, 2, 0, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)
    first = green_cert(holder=LAB_A, label="GP00000000000071")
    moved = green_cert(holder=LAB_B, label="GP00000000000072")
    hub.publish((first, Province.ZJ, 1), at=t1)
    hub.publish((moved, Province.ZJ, 2), at=t2)
    records = RecordsAsOf(hub.store)
    then = as_of("", t1 + dt.timedelta(days=1), NOW)
    now = as_of("", None, NOW)
    for when, holder, label, revision in (
        (then, LAB_A, first.label_code, 1),
        (now, LAB_B, moved.label_code, 2),
    ):
        [found] = records.by_uscc(holder, when)
        assert (found.record_key, found.revision) == (first.key, revision)
        [by_label] = records.by_code(label, when)
        assert by_label.row.revision == revision
    # Now: the old holder and label name nothing; then, the new ones named nothing.
    assert records.by_uscc(LAB_A, now) == [] and records.by_code(first.label_code, now) == []
    assert records.by_uscc(LAB_B, then) == [] and records.by_code(moved.label_code, then) == []
    # The certificate number never changes: found either way.
    assert [v.row.revision for v in records.by_code(first.certificate_number, then)] == [1]


def test_conflicts_as_of_a_past_instant_follow_the_holder_named_then(hub: Hub) -> None:
    """A record changes holder and its conflict follows it: asked at an
    earlier answer's known_at, the old holder still has the conflict (as
    ListConflicts and GetInstitution gave it then) and the new one does not."""
    t1 = dt.datetime(2026, 2, 1, 2, 0, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)
    hub.publish((qualification(holder=LAB_A), Province.JS, 1), at=t1)
    [opened] = hub.reconciliation.conflicts(uscc=LAB_A).conflicts
    assert opened.type is ConflictType.ISSUER_PROVINCE_MISMATCH
    hub.publish((qualification(holder=LAB_B), Province.JS, 2), at=t2)
    assert hub.reconciliation.conflicts(uscc=LAB_A).conflicts == []

    then = t1 + dt.timedelta(days=1)
    [old] = hub.reconciliation.conflicts(uscc=LAB_A, known_at=then).conflicts
    assert old.conflict_id == opened.conflict_id
    assert [r.holder_uscc for r in old.records] == [LAB_A]
    assert hub.reconciliation.conflicts(uscc=LAB_B, known_at=then).conflicts == []
    assert [
        c.conflict_id for c in hub.reconciliation.institution(LAB_A, known_at=then).conflicts
    ] == [opened.conflict_id]
    assert hub.reconciliation.institution(LAB_B, known_at=then).conflicts == []
    # Now the conflict is the new holder's.
    [now] = hub.reconciliation.conflicts(uscc=LAB_B).conflicts
    assert now.conflict_id == opened.conflict_id


def test_a_scope_item_citing_its_year_in_the_code_or_a_year_no_edition_has_is_refused(
    hub: Hub,
) -> None:
    """A code "GB 5009.12-2017" was judged as a standard no qualification covers,
    where "GB 5009.12" with year 2017 is covered; a year of -1 was taken as
    one. Both are refused naming the field, with what to send instead."""
    hub.publish((qualification(holder=LAB_A), Province.SH))
    items = [
        RequestedItem("铅 (Pb)", "GB 5009.12-2017"),
        RequestedItem("铅 (Pb)", "GB 5009.12", -1),
        RequestedItem("铅 (Pb)", "GB 5009.12 － 2017"),
        RequestedItem("能力", "ISO/IEC 17025:2017"),
    ]
    with pytest.raises(InvalidRequest) as refused:
        hub.decisions.for_scope(LAB_A, items, target=Province.ZJ)
    assert [(v.field, v.description) for v in refused.value.violations] == [
        (
            "institution.items[0].standard_code",
            "the code without its year: 'GB 5009.12', and standard_year 2017",
        ),
        ("institution.items[1].standard_year", "0 for any, or a year 1949-2100"),
        (
            "institution.items[2].standard_code",
            "the code without its year: 'GB 5009.12', and standard_year 2017",
        ),
        (
            "institution.items[3].standard_code",
            "the code without its year: 'ISO/IEC 17025', and standard_year 2017",
        ),
    ]
    # As the contract asks, the same item is covered; codes with a dash stay codes.
    for item in (RequestedItem("铅 (Pb)", "GB 5009.12", 2017), RequestedItem("x", "GB/T 27025")):
        hub.decisions.for_scope(LAB_A, [item], target=Province.ZJ)
