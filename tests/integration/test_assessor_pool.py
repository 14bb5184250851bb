"""The assessor pool on real SQLite and PostgreSQL: draws, assignments, double booking."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.engine import Engine

from devtools.pool_data import generate_pool, load_registry
from services.common.db import make_engine
from services.core.draws import AssignmentQuery, AssignmentState, DrawKind, DrawState
from services.core.errors import InvalidRequest, NotFound, PermissionDenied
from services.core.inspections import InspectionRequest
from services.core.provinces import Province
from services.core.team_requests import TeamRequest
from services.registry.pool.active import MAX_AGE_S, ActiveBookings
from services.registry.pool.draws import AssessorPool, DrawResult
from services.registry.pool.mapping import draw_pb
from services.registry.pool.policies import load_inspection, load_recusal
from services.registry.pool.relay import event_payload
from services.registry.pool.servicer import AssessorPoolServicer
from services.registry.pool.store import DoubleBooked, PoolStore
from services.registry.pool.tables import AssignmentRow, PoolTables, Reveal
from services.registry.pool.view import PoolView
from tests.factories import booking
from tests.integration.pool_records import (
    InstitutionRecords,
    assessor,
    credit_event,
    days_ahead,
    officer,
    qualification,
    uscc,
)
from tests.integration.verified_draws import verified_snapshot
from yrdhub.v1 import assessor_pool_pb2, common_pb2, records_pb2

_day = PoolTables.metadata.tables["pool_booked_day"]
_assignments = PoolTables.metadata.tables["pool_assignment"]
_outbox = PoolTables.metadata.tables["pool_outbox"]
TARGET = uscc("91320100MA1XYW123")
OTHER_LAB = uscc("91320100MA1XYW456")
SUSPENDED = records_pb2.ASSESSOR_STATUS_SUSPENDED
LEADER = records_pb2.ASSESSOR_LEVEL_TEAM_LEADER


# The pools' clock in these tests: from 2 January 2026 in China, a second on
# at each reading. No team or plan may start before today, and this keeps the
# periods below ahead of it, with the holiday calendars, lapses and cooldowns
# their answers depend on, whatever the day the tests run.
FIRST_READING = dt.datetime(2026, 1, 2, 2, 0, tzinfo=dt.UTC)


def ticking_clock() -> Callable[[], dt.datetime]:
    readings = itertools.count()
    return lambda: FIRST_READING + dt.timedelta(seconds=next(readings))


def new_pool(store: PoolStore, view: PoolView) -> AssessorPool:
    return AssessorPool(store, view, load_recusal(), load_inspection(), clock=ticking_clock())


@dataclass
class Env:
    engine: Engine
    store: PoolStore
    pool: AssessorPool

    def another_pool(self) -> AssessorPool:
        """A second pool over the same database, as another registry process would be."""
        return new_pool(PoolStore(self.engine, event_payload), PoolView(self.engine))

    def verify(self, draw_id: str) -> None:
        verified_snapshot(self.pool, draw_id)


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    engine = make_engine(db_url)
    load_registry(engine, {})
    store = PoolStore(engine, event_payload)
    store.create_schema()
    view = PoolView(engine)
    try:
        yield Env(engine, store, new_pool(store, view))
    finally:
        engine.dispose()


def request(**changes: Any) -> TeamRequest:
    values: dict[str, Any] = {
        "institution_uscc": TARGET,
        "institution_province": "JS",
        "fields": ["04"],
        "start_date": "2026-06-01",
        "end_date": "2026-06-03",
    }
    values.update(changes)
    return TeamRequest(**values)


def small_pool(env: Env, n_leaders: int = 1, n_assessors: int = 1) -> list[str]:
    records = [assessor(f"Aleader{i:04d}", level=LEADER) for i in range(n_leaders)]
    records += [assessor(f"Amember{i:04d}") for i in range(n_assessors)]
    load_registry(env.engine, {Province.SH: records})
    return [r.assessor.assessor_id for r in records]


def js_officers(env: Env, n: int = 6) -> list[str]:
    """Jiangsu's enforcement officers, and two of Shanghai's."""
    records = [officer(f"Ojs{i:07d}") for i in range(n)]
    records += [officer(f"Osh{i:07d}", common_pb2.PROVINCE_SH) for i in range(2)]
    load_registry(env.engine, {Province.JS: records[:n], Province.SH: records[n:]})
    return [r.officer.officer_id for r in records]


def team_of(result: DrawResult) -> set[str]:
    return {a.assessor_id for a in result.assignments}


def test_a_team_is_drawn_recorded_and_verifiable(env: Env) -> None:
    data = generate_pool(400, seed=9)
    load_registry(env.engine, data.assessors)
    inst = data.institutions[0]
    result = env.pool.request_team(
        request(
            institution_uscc=inst.uscc,
            institution_province=inst.province.value,
            fields=[inst.field],
            technical_experts=1,
        )
    )
    assert result.row.state == "DRAWN", result.row.failure
    roles = sorted(a.role for a in result.assignments)
    assert roles == ["ASSESSOR", "LEADER", "TECHNICAL_EXPERT"]
    assert result.row.candidates > result.row.eligible > 0
    stored = env.pool.draw(result.row.draw_id)[0]
    assert stored.row.seed_commitment == result.row.seed_commitment
    assert {a.assessor_id for a in stored.assignments} == team_of(result)
    env.verify(result.row.draw_id)
    # One event per assignment waits in the outbox for the relay.
    assert len(env.store.pending_events(100)) == 3


def test_overlapping_dates_are_refused_and_adjacent_ones_are_not(env: Env) -> None:
    ids = small_pool(env)
    first = env.pool.request_team(request())
    assert team_of(first) == set(ids)

    overlapping = env.pool.request_team(request(start_date="2026-06-03", end_date="2026-06-04"))
    assert overlapping.row.state == "FAILED"
    assert overlapping.row.failure == "no eligible team leader"
    assert overlapping.assignments == []
    env.verify(overlapping.row.draw_id)
    snapshot = env.pool.draw(overlapping.row.draw_id)[0].snapshot
    assert snapshot is not None
    reasons = {c[0]: c[3][0] for c in snapshot["candidates"]["04"]}
    assert reasons == {i: "booked" for i in ids}

    # (Another institution: rotation keeps the same team off the same one twice in a row.)
    after = env.pool.request_team(
        request(institution_uscc=OTHER_LAB, start_date="2026-06-04", end_date="2026-06-05")
    )
    assert after.row.state == "DRAWN" and team_of(after) == set(ids)


def book_by_hand(store: PoolStore, assignment: AssignmentRow) -> None:
    """Commits and reveals the assignment's draw with it (raises DoubleBooked)."""
    now = dt.datetime.now(dt.UTC)
    store.commit_draw(assignment.draw_id, DrawKind.TEAM, b"c" * 32, now, "{}", "x")
    reveal = Reveal(DrawState.DRAWN, b"s" * 32, now, b"{}", b"h" * 32, "{}", "", 1, 1)
    store.reveal_draw(assignment.draw_id, reveal, [assignment])


def test_the_booked_day_key_refuses_a_racing_booking_atomically(env: Env) -> None:
    ids = small_pool(env)
    first = env.pool.request_team(request())
    loads = env.store.person_loads_since(dt.date(2026, 6, 1))
    racing = booking(
        ids[0], "team-racing", dt.date(2026, 6, 3), dt.date(2026, 6, 6), institution_uscc=TARGET
    )
    with pytest.raises(DoubleBooked):
        book_by_hand(env.store, racing)
    assert env.store.person_loads_since(dt.date(2026, 6, 1)) == loads
    # Nothing of the refused booking stayed: the draw is still only committed.
    row = env.store.draw("team-racing", with_snapshot=False)
    assert row is not None and row.state == "COMMITTED" and row.seed is None
    assert {a.assignment_id for a in env.store.assignments_of_draw("team-racing")} == set()
    assert len(env.store.pending_events(100)) == len(first.assignments)


def test_concurrent_draws_from_two_processes_never_double_book(env: Env) -> None:
    small_pool(env, n_leaders=3, n_assessors=3)
    pools = [env.pool, env.another_pool()]
    results: list[DrawResult] = []
    errors: list[BaseException] = []

    def draw(pool: AssessorPool) -> None:
        try:
            results.append(pool.request_team(request()))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=draw, args=(pools[i % 2],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 6
    drawn = [r for r in results if r.row.state == "DRAWN"]
    # Three leaders make two or three teams (a leader may also fill a member's seat).
    assert 2 <= len(drawn) <= 3
    seated = [a.assessor_id for r in drawn for a in r.assignments]
    assert len(seated) == len(set(seated)) == 2 * len(drawn)
    with env.engine.connect() as conn:
        booked = conn.execute(select(func.count()).select_from(_day)).scalar_one()
    assert booked == len(seated) * 3
    for r in results:
        env.verify(r.row.draw_id)


def test_cancelling_frees_the_dates_and_queues_the_change(env: Env) -> None:
    ids = small_pool(env)
    first = env.pool.request_team(request())
    leader = next(a for a in first.assignments if a.role == "LEADER")
    cancelled = env.pool.cancel(leader.assignment_id, "assessor ill")
    assert (cancelled.state, cancelled.revision, cancelled.cancel_reason) == (
        "CANCELLED",
        2,
        "assessor ill",
    )
    assert env.pool.cancel(leader.assignment_id, "again").revision == 2  # idempotent
    events = [
        assessor_pool_pb2.AssignmentEvent.FromString(p)
        for _, a, p in env.store.pending_events(100)
        if a == leader.assignment_id
    ]
    assert [e.assignment.revision for e in events] == [1, 2]
    assert events[1].assignment.state == assessor_pool_pb2.ASSIGNMENT_STATE_CANCELLED
    # The leader is free again; the other member is still booked.
    again = env.pool.request_team(request(leader=True, size=1))
    assert team_of(again) == {ids[0]}
    listed = env.pool.assignments(AssignmentQuery(assessor_id=ids[0], include_cancelled=True))[0]
    assert sorted(a.state for a in listed) == ["ACTIVE", "CANCELLED"]
    assert [a.state for a in env.pool.assignments(AssignmentQuery(assessor_id=ids[0]))[0]] == [
        "ACTIVE"
    ]


def test_loads_count_active_assignments_from_the_day_asked(env: Env) -> None:
    ids = small_pool(env, n_leaders=1, n_assessors=2)
    june = env.pool.request_team(request(size=3))
    env.pool.request_team(
        request(institution_uscc=OTHER_LAB, start_date="2026-07-01", end_date="2026-07-01", size=3)
    )
    august = env.pool.request_team(
        request(
            institution_uscc=uscc("91320100MA1XYW789"),
            start_date="2026-08-03",
            end_date="2026-08-03",
            size=2,
        )
    )
    assert team_of(june) == set(ids) and len(august.assignments) == 2
    cancelled = next(a for a in june.assignments if a.role == "ASSESSOR")
    env.pool.cancel(cancelled.assignment_id, "assessor ill")
    in_august = team_of(august)

    # From June on: June's and July's, August's for the two it seated, less the one cancelled.
    expected = {i: 2 + (i in in_august) - (i == cancelled.assessor_id) for i in ids}
    assert env.store.person_loads_since(dt.date(2026, 6, 1)) == expected
    # The day asked is the first counted; assignments before it are not.
    assert env.store.person_loads_since(dt.date(2026, 7, 1)) == {
        i: 1 + (i in in_august) for i in ids
    }
    assert env.store.person_loads_since(dt.date(2026, 8, 4)) == {}
    assert env.store.loads_since(dt.date(2026, 6, 1)) == {"SH": sum(expected.values())}


def test_loads_follow_what_another_process_books_and_cancels(env: Env) -> None:
    ids = small_pool(env, n_leaders=1, n_assessors=2)
    store = PoolStore(env.engine, event_payload)
    other = new_pool(store, PoolView(env.engine))
    june = dt.date(2026, 6, 1)
    full_reads: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The copy's read: the active assignments' days, ids, people and provinces.
        if statement.startswith("SELECT pool_assignment.start_date, pool_assignment.assignment_id"):
            full_reads.append(statement)

    event.listen(env.engine, "before_cursor_execute", note)
    try:
        first = env.pool.request_team(request(size=3))
        assert store.person_loads_since(june) == {i: 1 for i in ids}
        reads = len(full_reads)
        # This process's own booking goes into its copy: nothing is read again.
        july = env.pool.request_team(
            request(
                institution_uscc=OTHER_LAB, start_date="2026-07-01", end_date="2026-07-01", size=2
            )
        )
        assert env.store.person_loads_since(june) == {i: 1 + (i in team_of(july)) for i in ids}
        assert len(full_reads) == reads
        # Another process's booking: this one reads its copy again.
        other.request_team(
            request(
                institution_uscc=uscc("91320100MA1XYW789"),
                start_date="2026-08-03",
                end_date="2026-08-03",
                size=3,
            )
        )
        expected = {i: 2 + (i in team_of(july)) for i in ids}
        assert env.store.person_loads_since(june) == expected
        assert env.store.loads_since(june) == {"SH": 8}
        assert store.person_loads_since(june) == expected
        # And its cancellation.
        cancelled = first.assignments[0]
        other.cancel(cancelled.assignment_id, "assessor ill")
        expected[cancelled.assessor_id] -= 1
        assert env.store.person_loads_since(june) == expected
        assert store.person_loads_since(june) == expected
        assert env.store.loads_since(dt.date(2026, 8, 1)) == {"SH": 3}
        # This process's own cancellation: out of its copy, nothing read again.
        reads = len(full_reads)
        mine = next(a for a in july.assignments if a.assessor_id != cancelled.assessor_id)
        env.pool.cancel(mine.assignment_id, "assessor ill")
        expected[mine.assessor_id] -= 1
        assert env.store.person_loads_since(june) == expected
        assert len(full_reads) == reads
    finally:
        event.remove(env.engine, "before_cursor_execute", note)


def test_loads_from_a_day_long_before_those_asked_so_far_are_read_again(env: Env) -> None:
    ids = small_pool(env, n_leaders=1, n_assessors=2)
    env.pool.request_team(request(size=3))
    assert env.store.person_loads_since(dt.date(2026, 6, 1)) == {i: 1 for i in ids}
    # Booked by this process two years before: older than its copy holds.
    book_by_hand(env.store, booking(ids[0], "team-old", dt.date(2024, 3, 4)))
    assert env.store.person_loads_since(dt.date(2026, 6, 1)) == {i: 1 for i in ids}
    assert env.store.person_loads_since(dt.date(2024, 1, 1)) == {i: 1 + (i == ids[0]) for i in ids}
    assert env.store.loads_since(dt.date(2024, 3, 5)) == {"SH": 3}
    assert env.store.person_loads_since(dt.date(2026, 6, 1)) == {i: 1 for i in ids}


def test_a_change_that_does_not_move_the_version_on_is_counted_after_max_age(env: Env) -> None:
    ids = small_pool(env, n_leaders=1, n_assessors=2)
    now = [0.0]
    active = ActiveBookings(env.engine, clock=lambda: now[0])
    june = dt.date(2026, 6, 1)
    env.pool.request_team(request(size=3))
    assert active.people_since(june) == {i: 1 for i in ids}
    # A correction made by hand in SQL: the version is left as it was.
    with env.engine.begin() as conn:
        conn.execute(
            update(_assignments)
            .where(_assignments.c.assessor_id == ids[0])
            .values(state=AssignmentState.CANCELLED)
        )
    now[0] += MAX_AGE_S + 1
    assert active.people_since(june) == {i: 1 for i in ids[1:]}


def test_a_pool_database_an_older_version_made_gets_the_newer_indexes(env: Env) -> None:
    load = "ix_pool_assignment_load"
    with env.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX {load}")
        conn.exec_driver_sql("DROP TABLE pool_bookings_version")
        # Made for counting loads in SQL, which a draw no longer does.
        conn.exec_driver_sql(
            "CREATE INDEX ix_pool_assignment_person_load"
            " ON pool_assignment (state, start_date, assessor_id)"
        )
    env.store.create_schema()
    indexes = {i["name"] for i in inspect(env.engine).get_indexes("pool_assignment")}
    assert load in indexes and "ix_pool_assignment_person_load" not in indexes
    # And the bookings version, which draws made on it move on.
    small_pool(env, n_leaders=1, n_assessors=2)
    env.pool.request_team(request(size=3))
    assert sorted(env.store.person_loads_since(dt.date(2026, 6, 1)).values()) == [1, 1, 1]
    assert env.store.loads_since(dt.date(2026, 6, 1)) == {"SH": 3}


def test_the_pool_follows_new_revisions_of_assessor_records(env: Env) -> None:
    ids = small_pool(env, n_leaders=2, n_assessors=1)
    env.pool.request_team(request(start_date="2026-01-05", end_date="2026-01-05"))
    suspended = assessor(ids[0], level=LEADER, status=SUSPENDED, reason="未主动回避")
    load_registry(env.engine, {Province.SH: [suspended]}, revision=2, first_sequence=100)
    result = env.pool.request_team(request())
    snapshot = env.pool.draw(result.row.draw_id)[0].snapshot
    assert snapshot is not None
    reasons = {c[0]: c[3] for c in snapshot["candidates"]["04"]}
    assert reasons[ids[0]] == ["status", "suspended by SH: 未主动回避"]
    assert ids[0] not in team_of(result)


def test_a_person_suspended_in_one_province_is_barred_in_every_one(env: Env) -> None:
    """One person, one pseudonymous id, registered by Shanghai and Jiangsu:
    Shanghai suspends them, and a team drawn for Jiangsu's request never
    takes them, the snapshot naming the reason and the province."""
    ids = small_pool(env, n_leaders=2, n_assessors=1)
    person = ids[0]
    js_copy = assessor(person, level=LEADER, province=common_pb2.PROVINCE_JS)
    load_registry(env.engine, {Province.JS: [js_copy]}, first_sequence=200)
    before = env.pool.request_team(request(start_date="2026-02-02", end_date="2026-02-02"))
    snapshot = env.pool.draw(before.row.draw_id)[0].snapshot
    assert snapshot is not None
    # One line for the person, not one per registration.
    assert [c[0] for c in snapshot["candidates"]["04"]].count(person) == 1
    suspended = assessor(person, level=LEADER, status=SUSPENDED, reason="未主动回避")
    load_registry(env.engine, {Province.SH: [suspended]}, revision=2, first_sequence=300)
    for n in range(5):
        day = f"2026-03-{n + 2:02d}"
        result = env.pool.request_team(request(start_date=day, end_date=day))
        assert person not in team_of(result)
    snapshot = env.pool.draw(result.row.draw_id)[0].snapshot
    assert snapshot is not None
    reasons = {c[0]: c[3] for c in snapshot["candidates"]["04"]}
    assert reasons[person] == ["status", "suspended by SH: 未主动回避"]


def test_a_team_without_fields_covers_every_field_the_laboratory_works_in(env: Env) -> None:
    """Matching by capability: the laboratory's CMA is in food (04) and its
    scope items name construction (01) too; a request naming no field gets a
    team covering both, though nobody holds both."""
    lab = qualification(TARGET, field="04", serial=7)
    lab.qualification.scope.append(
        records_pb2.ScopeItem(
            parameter="混凝土抗压强度", standard_code="GB/T 50081", standard_year=2019, field="01"
        )
    )
    food = [assessor(f"Afood{i:04d}", fields=("04",)) for i in range(4)]
    build = [assessor(f"Abuild{i:04d}", fields=("01",)) for i in range(4)]
    leaders = [assessor(f"Alead{i:04d}", level=LEADER, fields=("04",)) for i in range(2)]
    load_registry(env.engine, {Province.JS: [lab], Province.SH: [*food, *build, *leaders]})
    result = env.pool.request_team(request(fields=[], institution_province=""))
    snapshot = env.pool.draw(result.row.draw_id)[0].snapshot
    assert snapshot is not None and set(snapshot["candidates"]) == {"01", "04"}
    team = team_of(result)
    assert result.row.failure == ""
    assert team & {r.assessor.assessor_id for r in leaders}  # the leader covers 04
    assert team & {r.assessor.assessor_id for r in build}  # and someone covers 01
    env.verify(result.row.draw_id)


def test_a_qualification_not_yet_valid_adds_no_field_to_a_team(env: Env) -> None:
    """The pool read a qualification's end alone: a CMA of the laboratory
    starting next year put its field (construction, 01) in a team asked for
    without fields, as if the laboratory already worked in it."""
    lab = qualification(TARGET, field="04", serial=7)
    later = qualification(TARGET, field="01", serial=8)
    later.qualification.valid_from = days_ahead(400).isoformat()
    food = [assessor(f"Afood{i:04d}", fields=("04",)) for i in range(4)]
    build = [assessor(f"Abuild{i:04d}", fields=("01",)) for i in range(4)]
    leaders = [assessor(f"Alead{i:04d}", level=LEADER, fields=("04",)) for i in range(2)]
    load_registry(env.engine, {Province.JS: [lab, later], Province.SH: [*food, *build, *leaders]})
    result = env.pool.request_team(request(fields=[], institution_province=""))
    snapshot = env.pool.draw(result.row.draw_id)[0].snapshot
    assert snapshot is not None and set(snapshot["candidates"]) == {"04"}
    assert not team_of(result) & {r.assessor.assessor_id for r in build}


def test_a_laboratory_qualified_only_after_the_plan_starts_is_not_inspected(env: Env) -> None:
    """A random inspection's population read a qualification's end alone: a
    laboratory whose CMA takes effect in September was drawn for June."""
    institutions = InstitutionRecords(3, field="04")
    labs = [qualification(i) for i in institutions.usccs]
    labs[2].qualification.valid_from = "2026-09-01"
    load_registry(env.engine, {Province.JS: labs})
    small_pool(env, n_leaders=4, n_assessors=8)
    js_officers(env)
    _, snapshot = _plan_js(env, "2026-06-01", "2026-06-12")
    population = {entity[1] for entity in snapshot["entities"]}
    assert population == set(institutions.usccs[:2])


def test_recusal_covers_the_group_competitors_requests_and_rotation(env: Env) -> None:
    """The registry works out the institution's group (from the parent_uscc of
    its and its sisters' qualifications) and its competitors (laboratories
    registered in its city, in its field); the request names an assessor the
    institution asked to be spared; and the next review of the same
    institution does not seat the last team."""
    parent, sister = uscc("91320100MA1PAR000"), uscc("91320500MA1BRA000")
    rival, far = uscc("91320100MA1CMP000"), uscc("91320500MA1FAR000")
    labs = [qualification(TARGET, serial=11), qualification(sister, serial=12)]
    for lab in labs:
        lab.qualification.parent_uscc = parent
    labs += [qualification(rival, serial=13), qualification(far, serial=14)]
    people = {
        "Agroup0001": assessor("Agroup0001", employer=sister),
        "Arival0001": assessor("Arival0001", employer=rival),
        "Aasked0001": assessor("Aasked0001", employer=far),
    }
    people |= {f"Afree{i:04d}": assessor(f"Afree{i:04d}", employer=far) for i in range(4)}
    leaders = [assessor(f"Alead{i:04d}", level=LEADER, employer=far) for i in range(4)]
    load_registry(env.engine, {Province.JS: labs, Province.SH: [*people.values(), *leaders]})
    asked = request(recusals=(("Aasked0001", "曾与本机构有业务纠纷"),), size=3)
    first = env.pool.request_team(asked)
    assert first.row.failure == ""
    snapshot = env.pool.draw(first.row.draw_id)[0].snapshot
    assert snapshot is not None
    reasons = {c[0]: c[3] and c[3][0] for c in snapshot["candidates"]["04"]}
    assert reasons["Agroup0001"] == "recusal.same_group"
    assert reasons["Arival0001"] == "recusal.competitor"
    assert reasons["Aasked0001"] == "recusal.requested"
    env.verify(first.row.draw_id)
    # GetDraw says what was asked, the recusals too; lists leave them out.
    stored, _ = env.pool.draw(first.row.draw_id)
    asked_again = draw_pb(stored, with_snapshot=False, with_details=True).team_spec.recusals
    assert [(r.assessor_id, r.reason) for r in asked_again] == [
        ("Aasked0001", "曾与本机构有业务纠纷")
    ]
    listed = draw_pb(stored, with_snapshot=False, with_details=False).team_spec
    assert listed.institution_uscc and not listed.recusals

    later = env.pool.request_team(request(start_date="2026-07-01", end_date="2026-07-02"))
    snapshot = env.pool.draw(later.row.draw_id)[0].snapshot
    assert snapshot is not None
    reasons = {c[0]: c[3] and c[3][0] for c in snapshot["candidates"]["04"]}
    assert all(reasons[i] == "recusal.rotation" for i in team_of(first))
    assert not team_of(first) & team_of(later)


def test_recusal_reasons_are_recorded_for_officials(env: Env) -> None:
    records = [
        assessor("Aleader0001", level=LEADER),
        assessor("Aemployed01", employer=TARGET),
        assessor("Aconsult001", consulted=(TARGET, "2024-02-01", "2024-12-31")),
        assessor("Amember0001"),
    ]
    load_registry(env.engine, {Province.ZJ: records})
    result = env.pool.request_team(request())
    stored = env.pool.draw(result.row.draw_id)[0].snapshot
    assert stored is not None
    reasons = {c[0]: c[3] and c[3][0] for c in stored["candidates"]["04"]}
    assert reasons == {
        "Aleader0001": None,
        "Aemployed01": "recusal.same_employer",
        "Aconsult001": "recusal.consulted",
        "Amember0001": None,
    }
    assert team_of(result) == {"Aleader0001", "Amember0001"}


def test_an_inspection_plan_is_recorded_and_verifiable(env: Env) -> None:
    institutions = InstitutionRecords(20, field="04")
    load_registry(
        env.engine,
        {
            Province.JS: [qualification(i) for i in institutions.usccs],
            Province.ZJ: [
                credit_event(institutions.usccs[0], "SERIOUS"),
                credit_event(institutions.usccs[1], "ABNORMAL"),
            ],
        },
    )
    small_pool(env, n_leaders=4, n_assessors=8)
    js_officers(env)
    result = env.pool.plan_inspections(
        InspectionRequest(
            provinces=["JS"],
            fields=[],
            start_date="2026-06-01",
            end_date="2026-06-12",
            technical_support=1,
        )
    )
    assert result.row.state == "DRAWN"
    outcome = result.outcome or {}
    assert outcome["quotas"] == {"A": [18, 1], "B": [0, 0], "C": [1, 1], "D": [1, 1]}
    # Food (04) is a high-risk field in the shipped policy: 5% more of those left.
    assert outcome["field_quotas"] == {"04": [17, 1], "05": [0, 0]}
    visited = {v[1] for v in outcome["visits"]}
    assert {institutions.usccs[0], institutions.usccs[1]} <= visited
    # Two officers, Jiangsu's leading, and the assessor asked for as technical support.
    for v in outcome["visits"]:
        assert v[5] == "" and [role for _, role in v[4]] == [
            "LEAD_OFFICER",
            "OFFICER",
            "TECHNICAL_SUPPORT",
        ]
        assert v[4][0][0].startswith("Ojs") and v[4][2][0].startswith("A")
    assert {a.kind for a in result.assignments} == {"INSPECTION_PLAN"}
    assert len(result.assignments) == 12
    env.verify(result.row.draw_id)


def test_a_plan_grades_an_early_repaired_serious_listing_as_still_in_force(env: Env) -> None:
    """Repaired four months after its listing, a year before the earliest
    repair day: GetInstitution says the listing is in force, and the plan
    graded the laboratory B (sampled at 5%) where it is D (every one)."""
    institutions = InstitutionRecords(20, field="04")
    lab = institutions.usccs[0]
    load_registry(
        env.engine,
        {
            Province.JS: [qualification(i) for i in institutions.usccs],
            Province.ZJ: [
                credit_event(lab, "SERIOUS", listed_on="2025-09-01"),
                credit_event(lab, "SERIOUS", repaired_on="2026-01-01"),
            ],
        },
    )
    small_pool(env, n_leaders=4, n_assessors=8)
    js_officers(env)
    result, snapshot = _plan_js(env, "2026-06-01", "2026-06-12")
    [graded] = [e for e in snapshot["entities"] if e[1] == lab]
    assert graded[2] == "D", graded
    assert (result.outcome or {})["quotas"]["D"] == [1, 1]


def _plan_js(env: Env, start: str, end: str) -> tuple[DrawResult, Mapping[str, Any]]:
    """A plan over Jiangsu's laboratories, and its snapshot."""
    result = env.pool.plan_inspections(
        InspectionRequest(
            provinces=["JS"], fields=[], start_date=start, end_date=end, technical_support=1
        )
    )
    snapshot = env.pool.draw(result.row.draw_id)[0].snapshot
    assert snapshot is not None
    return result, snapshot


def test_a_plan_keeps_competitors_and_group_companies_off_each_visit(env: Env) -> None:
    """The laboratories are all in one city and field: an inspector employed by
    one of them is a competitor of every other, and an inspector consulting for
    a laboratory's parent is tied to its group; the plan's snapshot names both
    conflicts and no visit seats them."""
    institutions = InstitutionRecords(3, field="04")
    a, b, c = institutions.usccs
    parent = uscc("91320583MA1PAR000")
    labs = [qualification(i) for i in institutions.usccs]
    labs[2].qualification.parent_uscc = parent
    rivals_staff = assessor("Arival0001", employer=a)
    group_adviser = assessor("Aadvis0001", consulted=(parent, "2025-01-01", "2025-12-31"))
    load_registry(env.engine, {Province.JS: labs, Province.SH: [rivals_staff, group_adviser]})
    small_pool(env, n_leaders=4, n_assessors=8)
    js_officers(env)
    result, snapshot = _plan_js(env, "2026-06-01", "2026-06-12")
    conflicts = {(x[0], x[1]): x[2] for x in snapshot["conflicts"]}
    assert conflicts[("Arival0001", b)] == "recusal.competitor"
    assert conflicts[("Arival0001", c)] == "recusal.competitor"
    assert conflicts[("Arival0001", a)] == "recusal.same_employer"
    assert conflicts[("Aadvis0001", c)] == "recusal.same_group"
    for _province, lab, _grade, _day, team, _failure in (result.outcome or {})["visits"]:
        assert not {m for m, _role in team} & {ident for (ident, held) in conflicts if held == lab}
    env.verify(result.row.draw_id)


def _risk_class(institution: str, grade: records_pb2.RiskClass, since: str) -> records_pb2.Record:
    return records_pb2.Record(
        risk_classification=records_pb2.RiskClassification(
            institution_uscc=institution, risk_class=grade, effective_from=since, basis="评价"
        )
    )


def test_a_plan_grades_by_the_class_the_qualifying_province_published(env: Env) -> None:
    """Jiangsu qualifies the laboratories: the class it published is taken,
    named as its source; one Zhejiang published, or one not yet in force,
    leaves the class derived from the credit lists, saying so."""
    institutions = InstitutionRecords(4, field="04")
    a, b, c, _ = institutions.usccs
    load_registry(
        env.engine,
        {
            Province.JS: [
                *(qualification(i) for i in institutions.usccs),
                _risk_class(a, records_pb2.RISK_CLASS_D, "2026-03-01"),
                _risk_class(c, records_pb2.RISK_CLASS_C, "2026-09-01"),
            ],
            Province.ZJ: [_risk_class(b, records_pb2.RISK_CLASS_D, "2026-03-01")],
        },
    )
    small_pool(env, n_leaders=4, n_assessors=8)
    js_officers(env)
    result, snapshot = _plan_js(env, "2026-06-01", "2026-06-05")
    graded = {e[1]: (e[2], e[5]) for e in snapshot["entities"]}
    assert graded[a] == ("D", "published by JS from 2026-03-01")
    assert graded[b] == ("A", "derived from the credit lists")
    assert graded[c] == ("A", "derived from the credit lists")  # in force from September
    assert a in {v[1] for v in (result.outcome or {})["visits"]}  # class D: every one
    env.verify(result.row.draw_id)


def test_a_class_published_ahead_of_its_day_leaves_the_one_in_force_until_then(
    env: Env,
) -> None:
    """Jiangsu publishes class D from March, then class B from September: a
    campaign in June grades the laboratory D, one in October B."""
    institutions = InstitutionRecords(3, field="04")
    a = institutions.usccs[0]
    labs = [qualification(i) for i in institutions.usccs]
    load_registry(
        env.engine, {Province.JS: [*labs, _risk_class(a, records_pb2.RISK_CLASS_D, "2026-03-01")]}
    )
    later = _risk_class(a, records_pb2.RISK_CLASS_B, "2026-09-01")
    load_registry(env.engine, {Province.JS: [later]}, revision=2, first_sequence=len(labs) + 2)
    small_pool(env, n_leaders=4, n_assessors=8)
    js_officers(env)
    _, june = _plan_js(env, "2026-06-01", "2026-06-05")
    assert {e[1]: (e[2], e[5]) for e in june["entities"]}[a] == (
        "D",
        "published by JS from 2026-03-01",
    )
    _, october = _plan_js(env, "2026-10-01", "2026-10-05")
    # Visited in June, it waits out its class's cooldown: left out, graded B.
    assert {row[1]: row[2] for row in october["left_out"]}[a] == "B"


def test_the_next_plan_includes_lapsed_laboratories_and_respects_each_class_cooldown(
    env: Env,
) -> None:
    """A laboratory whose qualification was suspended last month is in the
    population, graded C; one visited by the last campaign waits out its
    class's cooldown, named in the snapshot."""
    institutions = InstitutionRecords(6, field="04")
    labs = [qualification(i) for i in institutions.usccs]
    lapsed = labs[0].qualification
    lapsed.status.canonical = common_pb2.CERTIFICATE_STATUS_SUSPENDED
    lapsed.status.original = "暂停"
    lapsed.status_effective_date = "2026-05-10"
    load_registry(env.engine, {Province.JS: labs})
    small_pool(env, n_leaders=4, n_assessors=8)
    js_officers(env)

    first, snapshot = _plan_js(env, "2026-06-01", "2026-06-12")
    standing = {e[1]: (e[2], e[4]) for e in snapshot["entities"]}
    assert standing[lapsed.institution_uscc] == ("C", "SUSPENDED")
    visited = {v[1] for v in (first.outcome or {})["visits"]}
    assert lapsed.institution_uscc in visited  # class C is drawn at 10%, rounded up
    env.verify(first.row.draw_id)

    second, snapshot = _plan_js(env, "2026-07-01", "2026-07-10")
    left_out = {row[1]: row[3] for row in snapshot["left_out"]}
    assert set(left_out) == visited
    assert all(why.startswith("cooldown: visited on 2026-06-") for why in left_out.values())
    assert not visited & {v[1] for v in (second.outcome or {})["visits"]}
    env.verify(second.row.draw_id)


def test_a_second_plan_over_the_same_weeks_leaves_out_the_laboratories_already_planned(
    env: Env,
) -> None:
    """Two plans of the same campaign: the second visited laboratories the
    first had planned days before, its left_out empty; the cooldown counted
    only visits before its start."""
    institutions = InstitutionRecords(6, field="04")
    load_registry(env.engine, {Province.JS: [qualification(i) for i in institutions.usccs]})
    small_pool(env, n_leaders=4, n_assessors=8)
    js_officers(env)
    first, _ = _plan_js(env, "2026-06-01", "2026-06-12")
    planned = {v[1] for v in (first.outcome or {})["visits"]}
    assert planned
    second, snapshot = _plan_js(env, "2026-06-01", "2026-06-12")
    left_out = {row[1]: row[3] for row in snapshot["left_out"]}
    assert set(left_out) == planned
    assert all(
        why.startswith("a visit is already planned on 2026-06-") for why in left_out.values()
    )
    assert not planned & {v[1] for v in (second.outcome or {})["visits"]}
    env.verify(second.row.draw_id)


def test_no_team_or_plan_starts_before_today_and_past_draws_still_read(env: Env) -> None:
    """Nobody is booked on days gone: a team or a plan starting before the
    pool's today (2 January 2026 in China here) is refused on spec.start_date,
    nothing committed; today is fine. A draw whose period has passed since
    still reads, lists, re-runs and cancels, on a pool whose clock is the wall's."""
    ids = small_pool(env)
    with pytest.raises(InvalidRequest) as refused:
        env.pool.request_team(request(start_date="2026-01-01", end_date="2026-01-02"))
    assert [(v.field, v.description) for v in refused.value.violations] == [
        ("spec.start_date", "2026-01-01 is before today (2026-01-02)")
    ]
    campaign = InspectionRequest(
        provinces=["JS"], fields=[], start_date="2025-12-29", end_date="2026-01-09"
    )
    with pytest.raises(InvalidRequest) as refused:
        env.pool.plan_inspections(campaign)
    assert [(v.field, v.description) for v in refused.value.violations] == [
        ("spec.start_date", "2025-12-29 is before today (2026-01-02)")
    ]
    assert env.pool.draws(10)[0] == []

    drawn = env.pool.request_team(request(start_date="2026-01-02", end_date="2026-01-02"))
    assert drawn.row.state == "DRAWN" and team_of(drawn) == set(ids)
    planned = env.pool.plan_inspections(replace(campaign, start_date="2026-01-02"))
    assert planned.row.state in ("DRAWN", "FAILED")

    today = AssessorPool(env.store, PoolView(env.engine), load_recusal(), load_inspection())
    assert today.draw(drawn.row.draw_id)[0].row.state == "DRAWN"
    assert [d.draw_id for d in today.draws(10)[0]] == [planned.row.draw_id, drawn.row.draw_id]
    verified_snapshot(today, drawn.row.draw_id)
    [booked, _] = today.assignments(AssignmentQuery(institution_uscc=TARGET))[0]
    assert today.cancel(booked.assignment_id, "assessor ill").state == "CANCELLED"


def test_a_draw_that_fails_after_its_commitment_is_revealed_and_marked_failed(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never left COMMITTED: a commitment without its seed would read as a seed
    the hub kept back after seeing the pool."""
    small_pool(env)

    def broken() -> None:
        raise ConnectionError("the records database went away")

    monkeypatch.setattr(env.pool._view, "current", broken)
    with pytest.raises(ConnectionError):
        env.pool.request_team(request())
    [row] = env.store.draws(10)
    assert row.state == DrawState.FAILED and "ConnectionError" in row.failure
    assert row.seed is not None and hashlib.sha256(row.seed).digest() == row.seed_commitment
    assert env.pool.assignments(AssignmentQuery(include_cancelled=True))[0] == []


SH_LAB = uscc("91310115MA1XYW789")


def _two_provinces_people(env: Env) -> None:
    """Leaders and assessors of Jiangsu and of Shanghai, in food (04)."""
    people = {
        p: [assessor(f"A{p.value}lead{i:03d}", level=LEADER, province=pb) for i in range(2)]
        + [assessor(f"A{p.value}memb{i:03d}", province=pb) for i in range(2)]
        for p, pb in ((Province.JS, common_pb2.PROVINCE_JS), (Province.SH, common_pb2.PROVINCE_SH))
    }
    load_registry(env.engine, people, first_sequence=100)


def test_a_regulator_may_not_name_its_own_province_for_another_s_laboratory(env: Env) -> None:
    """The outside client's request: Jiangsu's regulator asks a team for a
    laboratory only Shanghai qualifies, naming Jiangsu. The records decide the
    province: refused, nothing committed or booked, and Shanghai's request
    draws a team its regulators cancel."""
    _two_provinces_people(env)
    load_registry(env.engine, {Province.SH: [qualification(SH_LAB, issuer="09")]})
    asked = request(
        institution_uscc=SH_LAB,
        institution_province="JS",
        fields=["04"],
        start_date="2027-07-01",
        end_date="2027-07-01",
    )
    denials = []
    for province in ("JS", "", "SH"):
        with pytest.raises(PermissionDenied) as denied:
            env.pool.request_team(replace(asked, institution_province=province), Province.JS)
        denials.append(str(denied.value))
    assert all(
        d.startswith("regulators of JS may not request a team for an institution of SH")
        for d in denials
    )
    assert f"the registry holds {SH_LAB}'s qualification by SH, not by JS" in denials[0]
    assert env.pool.draws(10)[0] == []
    assert env.pool.assignments(AssignmentQuery(institution_uscc=SH_LAB))[0] == []
    # Shanghai's regulators name it or not, and cancel what they asked for.
    for province in ("SH", ""):
        drawn = env.pool.request_team(replace(asked, institution_province=province), Province.SH)
        assert drawn.row.state == "DRAWN", drawn.row.failure
        assert {a.institution_province for a in drawn.assignments} == {"SH"}
        env.pool.cancel(drawn.assignments[0].assignment_id, "回避", Province.SH)


def test_a_named_province_is_held_to_the_cma_s_issuer_whoever_holds_a_copy(env: Env) -> None:
    """Jiangsu holds a copy of Shanghai's qualification (issuer 09), and
    Shanghai's has lapsed: Shanghai still supervises the laboratory, so a
    request naming Jiangsu is refused (INVALID_ARGUMENT on a plaintext hub,
    where nobody is known to ask; PERMISSION_DENIED to Jiangsu's regulators),
    and one naming none takes Shanghai."""
    _two_provinces_people(env)
    lapsed = qualification(SH_LAB, issuer="09")
    lapsed.qualification.valid_until = "2025-12-31"
    load_registry(env.engine, {Province.SH: [lapsed]})
    asked = request(institution_uscc=SH_LAB, start_date="2027-07-01", end_date="2027-07-01")
    with pytest.raises(InvalidRequest) as refused:
        env.pool.request_team(asked)
    [violation] = refused.value.violations
    assert violation.field == "spec.institution_province"
    assert violation.description.startswith(f"{SH_LAB} is supervised by SH, not JS")
    load_registry(env.engine, {Province.JS: [qualification(SH_LAB, issuer="09")]})
    with pytest.raises(PermissionDenied):
        env.pool.request_team(asked, Province.JS)
    drawn = env.pool.request_team(replace(asked, institution_province=""), Province.SH)
    assert drawn.row.state == "DRAWN", drawn.row.failure
    assert {a.institution_province for a in drawn.assignments} == {"SH"}


def test_an_id_asked_for_is_required_and_bounded_and_quoted_cut_short(env: Env) -> None:
    """GetDraw and CancelAssignment of a 9,000-character id quoted it whole
    in NOT_FOUND, past gRPC's 16 KiB of trailers (the client saw
    RESOURCE_EXHAUSTED), and of an empty one answered NOT_FOUND: both are
    refused naming the field, and an id that could be one is quoted cut."""
    long_id = "x" * 9000
    for ask, field in (
        (lambda ident: env.pool.draw(ident), "draw_id"),
        (lambda ident: env.pool.cancel(ident, "回避"), "assignment_id"),
    ):
        for ident, said in (("", "required"), (long_id, "at most 64 characters (9,000 sent)")):
            with pytest.raises(InvalidRequest) as refused:
                ask(ident)
            assert [(v.field, v.description) for v in refused.value.violations] == [(field, said)]
        with pytest.raises(NotFound) as missing:
            ask("team-" + "y" * 59)
        assert str(missing.value).endswith(repr("team-" + "y" * 27 + "…"))
    with pytest.raises(InvalidRequest) as refused:
        env.pool.assignments(AssignmentQuery(assessor_id=long_id, institution_uscc=long_id))
    assert [v.field for v in refused.value.violations] == ["assessor_id", "institution_uscc"]


class _Plaintext:
    """A call's context on a plaintext hub: no client certificate."""

    def auth_context(self) -> dict[str, list[bytes]]:
        return {}


def _servicer_refuses(call: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidRequest) as refused:
        asyncio.run(call)
    return [(v.field, v.description) for v in refused.value.violations]


def test_a_cancellation_reason_is_visible_text_of_at_most_2000_characters(env: Env) -> None:
    """CancelAssignment stored any reason and relayed it to the home exchange
    verbatim: bidi overrides, NUL (which PostgreSQL refused as an internal
    error), zero-width and private-use characters, 3,000 characters. It is
    held to TeamSpec.reference's rule, and the assignment stays booked."""
    small_pool(env)
    servicer = AssessorPoolServicer(env.pool)
    [booked, *_] = env.pool.request_team(request()).assignments
    context: Any = _Plaintext()

    def cancel(reason: str) -> Any:
        asked = assessor_pool_pb2.CancelAssignmentRequest(
            assignment_id=booked.assignment_id, reason=reason
        )
        return servicer.CancelAssignment(asked, context)

    for reason, said in (
        ("ill\u202e", "character U+202E (RIGHT-TO-LEFT OVERRIDE) at position 3"),
        ("ill\x00", "character U+0000 (unnamed) at position 3"),
        ("ill\u200b", "character U+200B (ZERO WIDTH SPACE) at position 3"),
        ("ill\ue000", "character U+E000 (unnamed) at position 3"),
        ("x" * 3000, "at most 2,000 characters (3,000 sent)"),
        (" \u3000", "required"),
    ):
        [(field, why)] = _servicer_refuses(cancel(reason))
        assert field == "reason" and why.startswith(said), (reason, why)
    [still] = env.pool.assignments(AssignmentQuery(assessor_id=booked.assessor_id))[0]
    assert (still.state, still.revision) == ("ACTIVE", 1)
    # Real reasons: Chinese, several lines, up to 2,000 characters.
    reason = "评审员因病无法参加。\n" + "详" * (2000 - 11)
    answer = asyncio.run(cancel(f" {reason} "))
    assert answer.assignment.state == assessor_pool_pb2.ASSIGNMENT_STATE_CANCELLED
    [stored] = env.pool.assignments(
        AssignmentQuery(assessor_id=booked.assessor_id, include_cancelled=True)
    )[0]
    assert stored.cancel_reason == reason


def test_an_assignment_filter_is_refused_when_malformed_not_answered_empty(env: Env) -> None:
    """ListAssignments(institution_uscc="zz") answered OK and empty, where the
    registry's other USCC filters refuse it, and a period ending before it
    starts answered empty too; an assessor id, a date or a valid_on of white
    space alone was read as "any" or today: each is a client's mistake to be
    told of."""
    small_pool(env)
    servicer = AssessorPoolServicer(env.pool)
    env.pool.request_team(request())
    context: Any = _Plaintext()

    def listed(**filters: Any) -> Any:
        return servicer.ListAssignments(
            assessor_pool_pb2.ListAssignmentsRequest(**filters), context
        )

    for bad in ("zz", "  ", TARGET[:17]):
        [(field, why)] = _servicer_refuses(listed(institution_uscc=bad))
        assert field == "institution_uscc", bad
        assert why.startswith("not a valid unified social credit code"), why
    # Any other filter of white space alone is a value gone blank, not "any".
    for name in ("assessor_id", "start_date", "end_date"):
        [(field, why)] = _servicer_refuses(listed(**{name: " \t"}))
        assert (field, why) == (name, "white space alone: a value, or empty for any")
    [(field, why)] = _servicer_refuses(listed(as_of=common_pb2.AsOf(valid_on="  ")))
    assert field == "as_of.valid_on" and why.startswith("white space alone"), why
    [(field, why)] = _servicer_refuses(listed(start_date="2026-12-30", end_date="2026-01-01"))
    assert (field, why) == ("end_date", "end_date (2026-01-01) is before start_date (2026-12-30)")
    # A well-formed USCC (with spaces around it, or none) and a one-day period.
    for filters in (
        {"institution_uscc": f" {TARGET} "},
        {"institution_uscc": ""},
        {"start_date": "2026-06-02", "end_date": "2026-06-02"},
    ):
        assert len(asyncio.run(listed(**filters)).assignments) == 2, filters
    assert not asyncio.run(listed(institution_uscc=OTHER_LAB)).assignments
