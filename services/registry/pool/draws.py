"""Use cases of the assessor pool: team draws, inspection plans, assignments.

A draw runs in three steps. The commitment to a fresh secret seed is stored
and committed first, on its own, and published, signed, on Kafka
(commitments.py), so it is on record before the pool is read.
Then the pool is snapshotted and the team seated by the same seating
function `verify-draw` runs on the published snapshot (team draws feed it
from the in-memory pool rather than re-parsing their own snapshot; the tests
hold both to the same answer). Last, one transaction books the assignments, queues their
events for the home provinces and reveals the seed. Should another draw book
one of the chosen assessors meanwhile, that transaction fails as a whole and
the draw is made again on a fresh snapshot, under the same committed seed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from services.core.assessors import RecusalPolicy, Review
from services.core.draws import (
    PROVINCE_ORDER,
    AssignmentQuery,
    DrawKind,
    DrawState,
    Load,
    Seating,
    canonical_json,
    commitment,
    digest,
    new_seed,
    outcome_of_seating,
)
from services.core.errors import NotFound, PermissionDenied, quoted
from services.core.history import AsOf, as_of
from services.core.identifiers import check_uscc
from services.core.inspections import (
    InspectionPolicy,
    InspectionRequest,
    InspectionSpec,
    parse_inspection_spec,
)
from services.core.paging import limit_of
from services.core.plan_outcome import plan_outcome
from services.core.provenance import china_date, utcnow
from services.core.provinces import Province
from services.core.team_requests import TeamRequest, TeamSpec, parse_team_spec
from services.core.team_seating import seat_screened
from services.core.teams import (
    Screening,
    candidates_loads,
    screen_request,
    team_snapshot_pieces,
)
from services.registry.pool.plans import plan_assignments, plan_snapshot_of
from services.registry.pool.recusal import for_team
from services.registry.pool.rows import (
    asked_id,
    asked_period,
    asked_reason,
    assignment_as_known,
    booking,
    draw_known_at,
    new_id,
)
from services.registry.pool.snapshots import SnapshotParts, StoredSnapshot, whole
from services.registry.pool.store import DoubleBooked, PoolStore
from services.registry.pool.tables import AssignmentFilter, AssignmentRow, DrawRow, Reveal
from services.registry.pool.view import Pool, PoolView

log = logging.getLogger(__name__)

TEAM = DrawKind.TEAM
INSPECTION_PLAN = DrawKind.INSPECTION_PLAN
_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class DrawResult:
    """A stored draw with what its answer needs.

    A fresh team draw carries its screened candidates; a draw read back
    carries its parsed snapshot instead. Either gives the exclusions and the
    members' levels and fields.
    """

    row: DrawRow
    outcome: Mapping[str, Any] | None
    assignments: list[AssignmentRow]
    snapshot: Mapping[str, Any] | None = None
    screened: Screening | None = None
    # The candidates' recent assignments the draw weighed (a snapshot has them too).
    person_loads: Mapping[str, int] = field(default_factory=dict)


class DrawHead(NamedTuple):
    """What a draw's commitment records."""

    draw_id: str
    kind: DrawKind
    seed_commitment: bytes
    committed_at: dt.datetime
    spec: str
    policy_version: str


class AssessorPool:
    def __init__(
        self,
        store: PoolStore,
        view: PoolView,
        recusal: RecusalPolicy,
        inspection: InspectionPolicy,
        *,
        on_change: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = utcnow,
        announce: Callable[[DrawHead], None] | None = None,
        on_drawn: Callable[[DrawKind, DrawState], None] = lambda _kind, _state: None,
    ) -> None:
        """`on_drawn` hears of every draw made, with its kind and end state
        (FAILED too when making it failed: metrics count them)."""
        self._on_drawn = on_drawn
        self._store = store
        self._view = view
        self._recusal = recusal
        self._inspection = inspection
        self._on_change = on_change
        self._clock = clock
        # Publishes a recorded commitment (signed, on Kafka) before the pool is read.
        self._announce = announce
        # Draws of one process take turns: they read and book the same days. The
        # booked-day key guards against other processes.
        self._drawing = threading.Lock()
        # Team snapshots keep each field's lines once (snapshots.py).
        self._parts = SnapshotParts()

    # Team draws --------------------------------------------------------------

    def request_team(self, request: TeamRequest, acting_for: Province | None = None) -> DrawResult:
        """A team drawn and booked; `acting_for`: the province of the regulator
        asking (None: not known, on a plaintext development hub), who may only
        request teams for institutions their province supervises, as the
        registry's records say (parse_team_spec), whatever the request names."""
        spec = parse_team_spec(
            request,
            self._recusal,
            self._view.qualified_by,
            self._view.capabilities,
            acting_for,
            today=china_date(self._clock()),
        )
        _may_act(acting_for, {spec.institution_province}, "request a team for an institution of")
        seed = new_seed()
        draw_id = new_id("team")
        committed_at = self._clock()
        head = DrawHead(
            draw_id,
            TEAM,
            commitment(seed),
            committed_at,
            canonical_json(spec.model_dump(mode="json")).decode(),
            self._recusal.version,
        )
        self._store.commit_draw(*head)
        return self._completed(head, seed, lambda: self._draw_team(head, seed, spec))

    def _draw_team(self, head: DrawHead, seed: bytes, spec: TeamSpec) -> DrawResult:
        draw_id = head.draw_id
        for _attempt in range(_ATTEMPTS):
            with self._drawing:
                pool = self._view.current()
                loads = self._loads(spec.start_date, pool)
                seating, screened, people = self._seat(seed, spec, pool, loads)
                snapshot = self._parts.stored(
                    team_snapshot_pieces(spec, self._recusal, loads, screened, people)
                )
                outcome = outcome_of_seating(seating)
                now = self._clock()
                institution = (spec.institution_uscc, spec.institution_province.value)
                assignments = [
                    booking(
                        draw_id,
                        TEAM,
                        (pick.assessor_id, pick.province, pick.role),
                        institution,
                        (spec.start_date, spec.end_date),
                        spec.reference,
                        now,
                    )
                    for pick in (() if seating.failure else seating.picks)
                ]
                candidates, eligible = screened.counts()
                try:
                    row = self._reveal(
                        head, seed, now, snapshot, outcome, assignments, candidates, eligible
                    )
                except DoubleBooked:
                    log.info("draw %s raced another booking; drawing again", draw_id)
                    continue
            return DrawResult(row, outcome, assignments, screened=screened, person_loads=people)
        raise RuntimeError(f"draw {draw_id} kept racing other bookings")

    def _completed(self, head: DrawHead, seed: bytes, draw: Callable[[], DrawResult]) -> DrawResult:
        """The draw made; or, should making it fail once committed, revealed and
        marked FAILED (never left COMMITTED, which would read as a seed the
        hub kept back), and the error raised on."""
        try:
            if self._announce is not None:
                self._announce(head)
            made = draw()
        except Exception as exc:
            self._on_drawn(head.kind, DrawState.FAILED)
            log.exception("draw %s failed after its commitment", head.draw_id)
            self._store.fail_draw(
                head.draw_id,
                seed,
                self._clock(),
                f"the draw could not be made ({type(exc).__name__}); nobody was booked",
            )
            raise
        self._on_drawn(head.kind, made.row.state)
        return made

    def _seat(
        self, seed: bytes, spec: TeamSpec, pool: Pool, loads: Mapping[str, Load]
    ) -> tuple[Seating, Screening, dict[str, int]]:
        """Screens the candidates of every requested field and seats the team;
        also gives the candidates' recent assignments it weighed."""
        review = Review.of(
            spec.institution_uscc,
            spec.institution_province,
            spec.start_date,
            spec.end_date,
            self._recusal,
            for_team(spec, self._recusal, self._view.institution_index, self._store),
        )
        booked = self._store.booked_between(spec.start_date, spec.end_date)
        hub_reviews = None
        if self._recusal.reviewed_within_years:
            uscc = spec.institution_uscc
            hub_reviews = self._store.hub_reviews([uscc]).get(uscc, {})
        screening = screen_request(pool.fields, spec, review, booked, hub_reviews)
        people = candidates_loads(screening, self._person_loads(spec.start_date))
        return seat_screened(seed, spec, screening, spec.shape(loads, people)), screening, people

    def _person_loads(self, start: dt.date) -> dict[str, int]:
        return self._store.person_loads_since(
            start - dt.timedelta(days=self._recusal.person_load_days)
        )

    def _loads(self, start: dt.date, pool: Pool) -> dict[str, Load]:
        since = start - dt.timedelta(days=self._recusal.load_lookback_days)
        assigned = self._store.loads_since(since)
        return {p: Load(assigned.get(p, 0), pool.active.get(p, 0)) for p in PROVINCE_ORDER}

    def _reveal(
        self,
        head: DrawHead,
        seed: bytes,
        drawn_at: dt.datetime,
        snapshot: StoredSnapshot,
        outcome: Mapping[str, Any],
        assignments: list[AssignmentRow],
        candidates: int,
        eligible: int,
    ) -> DrawRow:
        reveal = Reveal(
            state=DrawState.FAILED if outcome["failure"] else DrawState.DRAWN,
            seed=seed,
            drawn_at=drawn_at,
            snapshot=snapshot.stored,
            snapshot_sha256=digest(snapshot.body),
            outcome=canonical_json(outcome).decode(),
            failure=str(outcome["failure"]),
            candidates=candidates,
            eligible=eligible,
            parts=snapshot.parts,
        )
        self._store.reveal_draw(head.draw_id, reveal, assignments)
        if assignments:
            self._on_change()
        return DrawRow(
            draw_id=head.draw_id,
            kind=head.kind,
            state=reveal.state,
            seed_commitment=head.seed_commitment,
            committed_at=head.committed_at,
            spec=head.spec,
            policy_version=head.policy_version,
            seed=seed,
            drawn_at=reveal.drawn_at,
            snapshot=None,
            snapshot_sha256=reveal.snapshot_sha256,
            outcome=reveal.outcome,
            failure=reveal.failure,
            candidates=candidates,
            eligible=eligible,
        )

    # Inspection plans --------------------------------------------------------

    def plan_inspections(
        self, request: InspectionRequest, acting_for: Province | None = None
    ) -> DrawResult:
        """A random-inspection plan; a regulator plans only its own province's."""
        spec = parse_inspection_spec(request, today=china_date(self._clock()))
        _may_act(acting_for, set(spec.provinces or Province), "plan inspections in")
        seed = new_seed()
        draw_id = new_id("plan")
        head = DrawHead(
            draw_id,
            INSPECTION_PLAN,
            commitment(seed),
            self._clock(),
            canonical_json(spec.model_dump(mode="json")).decode(),
            f"{self._recusal.version}+{self._inspection.version}",
        )
        self._store.commit_draw(*head)
        return self._completed(head, seed, lambda: self._draw_plan(head, seed, spec))

    def _draw_plan(self, head: DrawHead, seed: bytes, spec: InspectionSpec) -> DrawResult:
        draw_id = head.draw_id
        for _attempt in range(_ATTEMPTS):
            with self._drawing:
                snapshot = self._plan_snapshot(spec)
                outcome = plan_outcome(seed, snapshot)
                now = self._clock()
                assignments = plan_assignments(draw_id, spec, outcome, snapshot, now)
                # Officers and assessors (technical support) alike.
                people = [*snapshot["inspectors"], *snapshot["officers"]]
                eligible = sum(1 for i in people if i[-1] is None)
                try:
                    row = self._reveal(
                        head,
                        seed,
                        now,
                        whole(canonical_json(snapshot)),
                        outcome,
                        assignments,
                        len(people),
                        eligible,
                    )
                except DoubleBooked:
                    log.info("plan %s raced another booking; drawing again", draw_id)
                    continue
            return DrawResult(row, outcome, assignments, snapshot=snapshot)
        raise RuntimeError(f"plan {draw_id} kept racing other bookings")

    def _plan_snapshot(self, spec: InspectionSpec) -> dict[str, Any]:
        pool = self._view.current()
        loads = self._loads(spec.start_date, pool)
        return plan_snapshot_of(
            spec, pool, self._view, self._store, self._recusal, self._inspection, loads
        )

    # Reads and changes -------------------------------------------------------

    def draw(
        self, draw_id: str, valid_on: str = "", known_at: dt.datetime | None = None
    ) -> tuple[DrawResult, AsOf]:
        """A draw as the hub had it at known_at (a draw is an act: valid_on is
        only stated)."""
        when = as_of(valid_on, known_at, self._clock())
        draw_id = asked_id(draw_id, "draw_id")
        row = self._store.draw(draw_id, with_snapshot=True)
        if row is not None and not when.latest:
            row = draw_known_at(row, when.known_at) if row.committed_at <= when.known_at else None
        if row is None:
            raise NotFound(f"no draw {quoted(draw_id)}" + ("" if when.latest else " by then"))
        snapshot = json.loads(row.snapshot) if row.snapshot else None
        outcome = json.loads(row.outcome) if row.outcome else None
        assignments = [
            a if when.latest else assignment_as_known(a, when.known_at)
            for a in (self._store.assignments_of_draw(row.draw_id) if row.drawn_at else [])
        ]
        return DrawResult(row, outcome, assignments, snapshot=snapshot), when

    def draws(
        self,
        limit: int,
        state: DrawState | None = None,
        valid_on: str = "",
        known_at: dt.datetime | None = None,
    ) -> tuple[list[DrawRow], AsOf]:
        """The latest draws, newest first, as the hub had them at known_at."""
        when = as_of(valid_on, known_at, self._clock())
        at = None if when.latest else when.known_at
        return self._store.draws(limit_of(limit, 100, 1000), state, at), when

    def assignments(
        self, query: AssignmentQuery, known_at: dt.datetime | None = None
    ) -> tuple[list[AssignmentRow], AsOf]:
        """Matching assignments as they stood at known_at; a valid_on asked for
        keeps those whose period includes that day."""
        when = as_of(query.valid_on, known_at, self._clock())
        start, end = asked_period(query)
        if query.valid_on.strip():
            start = max(start or when.valid_on, when.valid_on)
            end = min(end or when.valid_on, when.valid_on)
        found = self._store.assignments(
            AssignmentFilter(
                assessor_id=query.assessor_id.strip(),
                # Checked by asked_period; compact, as assignments store it.
                institution_uscc=check_uscc(query.institution_uscc.strip())
                if query.institution_uscc
                else "",
                home_province=query.home_province,
                start_date=start,
                end_date=end,
                include_cancelled=query.include_cancelled,
                limit=limit_of(query.limit, 1000, 10_000),
                known_at=None if when.latest else when.known_at,
            )
        )
        return found, when

    def cancel(
        self, assignment_id: str, reason: str, acting_for: Province | None = None
    ) -> AssignmentRow:
        """Cancels an assignment; only the province that requested it may."""
        assignment_id = asked_id(assignment_id, "assignment_id")
        reason = asked_reason(reason, "reason")

        def allowed(row: AssignmentRow) -> None:
            _may_act(acting_for, {Province(row.institution_province)}, "cancel an assignment in")

        row = self._store.cancel(assignment_id, reason, self._clock(), allowed)
        if row is None:
            raise NotFound(f"no assignment {quoted(assignment_id)}")
        self._on_change()
        return row


def _may_act(acting_for: Province | None, provinces: set[Province], what: str) -> None:
    """Refuses a regulator acting for another province than `provinces`."""
    if acting_for is None or provinces == {acting_for}:
        return
    named = ", ".join(sorted(p.value for p in provinces))
    raise PermissionDenied(f"regulators of {acting_for.value} may not {what} {named}")
