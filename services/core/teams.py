"""Review teams: a draw's snapshot, and drawing them fast.

The snapshot of a team draw lists, for each requested field, every assessor
qualified in it, with the reason if they are excluded:

    {"candidates": {"00": [[id, province, level, exclusion or null], ...], ...},
     "format": "yrdhub/team-draw/3", "loads": {...}, "policy": "...", "spec": {...}}

Lines are sorted by assessor id; an assessor qualified in two requested
fields is in both sections with the same exclusion. Re-running the draw takes
the assessors not excluded, each with the requested fields whose section
names them, and seats them (services.core.seating). What a team is asked
for, and its validation, is in services.core.team_requests.

Per-field sections are what makes draws fast. A draw screens thousands of
candidates; building objects per candidate per draw made draws slow and kept
the cyclic garbage collector busy. So each field's candidates are prepared
once per pool version (FieldPool), with their snapshot lines written out, and
a draw only looks at the exceptions - those on leave, those booked, those
tied to the institution - and joins prepared strings. `team_snapshot` is the
plain reference the prepared path is held to, byte for byte, by the tests.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from services.core.assessors import (
    LEVEL_CODES,
    Exclusion,
    PoolMember,
    RecusalPolicy,
    Review,
    conflict,
    screen,
    standing,
    unavailable_during,
)
from services.core.draws import (
    NO_PERSON_LOADS,
    PROVINCE_ORDER,
    Entrant,
    Load,
    TeamShape,
    loads_of,
    outcome_of_seating,
    person_loads_of,
)
from services.core.seating import seat_team
from services.core.team_requests import TeamSpec

# Version 2 added person_loads (who sat lately); version 3 ranks leaders after
# assessors for members' seats (TeamShape.spare_leaders). Older snapshots
# re-run as they were drawn.
TEAM_FORMAT = "yrdhub/team-draw/3"
_LEADERS_NOT_SPARED = frozenset({"yrdhub/team-draw/1", "yrdhub/team-draw/2"})
TEAM_FORMATS = _LEADERS_NOT_SPARED | {TEAM_FORMAT}

# --- the snapshot, plainly (the reference) ------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _snapshot_head(
    spec: TeamSpec,
    policy: RecusalPolicy,
    loads: Mapping[str, Load],
    person_loads: Mapping[str, int],
) -> dict[str, Any]:
    return {
        "format": TEAM_FORMAT,
        "policy": policy.version,
        "spec": {
            "institution_uscc": spec.institution_uscc,
            "institution_province": spec.institution_province.value,
            "fields": list(spec.fields),
            "start_date": spec.start_date.isoformat(),
            "end_date": spec.end_date.isoformat(),
            "size": spec.size,
            "leader": spec.leader,
            "technical_experts": spec.technical_experts,
        },
        "loads": {p: [loads[p].assigned, loads[p].pool] for p in PROVINCE_ORDER if p in loads},
        # Candidates' assignments over the last policy.person_load_days (none: 0).
        "person_loads": dict(person_loads),
    }


def team_snapshot(
    spec: TeamSpec,
    policy: RecusalPolicy,
    loads: Mapping[str, Load],
    candidates: Sequence[tuple[PoolMember, Exclusion | None]],
    person_loads: Mapping[str, int] = NO_PERSON_LOADS,
) -> dict[str, Any]:
    """Everything a team draw depends on, as a JSON-ready value; candidates sorted by id."""
    wanted = set(spec.fields)
    ids = {m.assessor_id for m, _ in candidates if not wanted.isdisjoint(m.fields)}
    mine = {i: n for i, n in person_loads.items() if i in ids and n}
    return {
        **_snapshot_head(spec, policy, loads, mine),
        "candidates": {
            f: [
                [
                    m.assessor_id,
                    m.province.value,
                    LEVEL_CODES[m.level],
                    None if excluded is None else [excluded.reason, excluded.detail],
                ]
                for m, excluded in candidates
                if f in m.fields
            ]
            for f in spec.fields
        },
    }


def team_outcome(seed: bytes, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Re-runs a team draw from its seed and snapshot: {"team": [[id, role]...], "failure": ...}."""
    spec = snapshot["spec"]
    found: dict[str, tuple[str, str, set[str]]] = {}
    for field, lines in snapshot["candidates"].items():
        for ident, province, level, excluded in lines:
            if excluded is None:
                found.setdefault(ident, (province, level, set()))[2].add(field)
    entrants = [Entrant.of(i, p, lv, frozenset(fs)) for i, (p, lv, fs) in found.items()]
    shape = TeamShape(
        int(spec["size"]),
        bool(spec["leader"]),
        int(spec["technical_experts"]),
        loads_of(snapshot),
        person_loads_of(snapshot),
        spare_leaders=snapshot["format"] not in _LEADERS_NOT_SPARED,
    )
    return outcome_of_seating(seat_team(seed, entrants, spec["fields"], shape))


# --- the prepared path ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PoolEntry:
    """A pool member with what every draw needs of it worked out once."""

    member: PoolMember
    entrant: Entrant
    # The member's snapshot line up to its exclusion: '["<id>","<province>","<level>",'.
    head: str
    standing: Exclusion | None
    # Every organization a conflict could come from (employer, ties, past
    # reviews): an institution outside it needs no closer look.
    linked: frozenset[str]


def pool_entry(member: PoolMember) -> PoolEntry:
    province = member.province.value
    level = LEVEL_CODES[member.level]
    return PoolEntry(
        member,
        Entrant.of(member.assessor_id, province, level, member.fields),
        _json([member.assessor_id, province, level])[:-1] + ",",
        standing(member),
        frozenset({member.employer_uscc, *member.ties, *member.reviewed}),
    )


def _line(entry: PoolEntry, excluded: Exclusion | None) -> str:
    if excluded is None:
        return entry.head + "null]"
    return entry.head + _json([excluded.reason, excluded.detail]) + "]"


@dataclass(frozen=True, slots=True)
class FieldPool:
    """The members qualified in one field, prepared: snapshot lines as if only
    standing excluded anyone, and indexes of those in good standing whose
    screening can change from request to request."""

    field: str
    entries: tuple[PoolEntry, ...]  # by assessor id
    standing: tuple[Exclusion | None, ...]
    lines: tuple[str, ...]
    position: Mapping[str, int]
    with_leave: tuple[int, ...]  # in good standing, with leave periods
    linked: Mapping[str, tuple[int, ...]]  # in good standing, by organization tied to
    by_province: Mapping[str, tuple[int, ...]]  # in good standing
    # Seating's view of those in good standing, by province and level ("SHL"),
    # and [leaders, assessors, experts, members covering the field] per province.
    entrants: Mapping[str, tuple[Entrant, ...]]
    counts: Mapping[str, tuple[int, int, int, int]]
    in_good_standing: frozenset[str]  # their ids


def field_pool(field: str, entries: Sequence[PoolEntry]) -> FieldPool:
    """Prepares the entries qualified in `field` (sorted by assessor id)."""
    linked: dict[str, list[int]] = {}
    by_province: dict[str, list[int]] = {p: [] for p in PROVINCE_ORDER}
    levels: dict[str, list[Entrant]] = {p + level: [] for p in PROVINCE_ORDER for level in "LAE"}
    with_leave = []
    for i, e in enumerate(entries):
        if e.standing is not None:
            continue
        if e.member.unavailable:
            with_leave.append(i)
        for uscc in e.linked:
            linked.setdefault(uscc, []).append(i)
        by_province[e.entrant.province].append(i)
        levels[e.entrant.province_level].append(e.entrant)
    entrants = {k: tuple(group) for k, group in levels.items()}
    counts = {}
    for p in PROVINCE_ORDER:
        leaders, assessors, experts = (len(entrants[p + level]) for level in "LAE")
        counts[p] = (leaders, assessors, experts, leaders + assessors)
    return FieldPool(
        field,
        tuple(entries),
        tuple(e.standing for e in entries),
        tuple(_line(e, e.standing) for e in entries),
        {e.entrant.assessor_id: i for i, e in enumerate(entries)},
        tuple(with_leave),
        {k: tuple(v) for k, v in linked.items()},
        {k: tuple(v) for k, v in by_province.items()},
        entrants,
        counts,
        frozenset(entries[i].entrant.assessor_id for at in by_province.values() for i in at),
    )


_BOOKED = Exclusion("booked", "already assigned on overlapping dates")


@dataclass(frozen=True, slots=True)
class Screened:
    """One field's candidates, why each is excluded (same index), and their lines."""

    pool: FieldPool
    exclusions: list[Exclusion | None]
    lines: list[str]
    # Indexes of those in good standing this request excludes.
    dynamic: tuple[int, ...]


def screen_field(
    pool: FieldPool,
    review: Review,
    booked: Set[str],
    hub_reviews: Mapping[str, Sequence[dt.date]] | None = None,
) -> Screened:
    """screen() for every candidate of the field, with the same answers, at the
    cost of the exceptions rather than of the pool."""
    entries, position, standing_of = pool.entries, pool.position, pool.standing
    found: dict[int, Exclusion] = {}
    for i in pool.with_leave:
        m = entries[i].member
        if unavailable_during(m, review.start, review.end) is not None:
            excluded = screen(m, review, booked, hub_reviews)
            if excluded is not None:
                found[i] = excluded
    for ident in booked:
        at = position.get(ident)
        if at is not None and standing_of[at] is None and at not in found:
            found[at] = _BOOKED
    suspects: set[int] = set()
    for org in review.related:
        suspects.update(pool.linked.get(org, ()))
    around = review.around
    for ident in (*around.requested, *around.previous_team):
        at = position.get(ident)
        if at is not None and standing_of[at] is None:
            suspects.add(at)
    if review.policy.same_province:
        suspects.update(pool.by_province.get(review.institution_province.value, ()))
    if review.reviewed_from is not None and hub_reviews:
        for ident in hub_reviews:
            at = position.get(ident)
            if at is not None and standing_of[at] is None:
                suspects.add(at)
    for i in suspects:
        if i not in found:
            excluded = conflict(entries[i].member, review, hub_reviews)
            if excluded is not None:
                found[i] = excluded
    exclusions = list(standing_of)
    lines = list(pool.lines)
    for i, excluded in found.items():
        exclusions[i] = excluded
        lines[i] = _line(entries[i], excluded)
    return Screened(pool, exclusions, lines, tuple(found))


@dataclass(frozen=True, slots=True)
class Screening:
    """A request's candidates, screened, one section per requested field."""

    sections: Mapping[str, Screened]  # by field, in order

    def candidates(self) -> dict[str, tuple[PoolEntry, Exclusion | None, list[str]]]:
        """Each candidate once: entry, exclusion and the requested fields it covers."""
        found: dict[str, tuple[PoolEntry, Exclusion | None, list[str]]] = {}
        for field, s in self.sections.items():
            for entry, excluded in zip(s.pool.entries, s.exclusions, strict=True):
                held = found.get(entry.entrant.assessor_id)
                if held is None:
                    found[entry.entrant.assessor_id] = (entry, excluded, [field])
                else:
                    held[2].append(field)
        return found

    def counts(self) -> tuple[int, int]:
        """(candidates, eligible), each assessor counted once."""
        if len(self.sections) == 1:
            (s,) = self.sections.values()
            return len(s.exclusions), s.exclusions.count(None)
        everyone: set[str] = set()
        eligible: set[str] = set()
        excluded: set[str] = set()
        for s in self.sections.values():
            everyone.update(s.pool.position)
            eligible.update(s.pool.in_good_standing)
            excluded.update(s.pool.entries[i].entrant.assessor_id for i in s.dynamic)
        return len(everyone), len(eligible - excluded)

    def eligible(self) -> list[Entrant]:
        """Each eligible candidate once."""
        return [e.entrant for e, x, _ in self.candidates().values() if x is None]


_EMPTY = field_pool("", ())


def screen_request(
    pools: Mapping[str, FieldPool],
    spec: TeamSpec,
    review: Review,
    booked: Set[str],
    hub_reviews: Mapping[str, Sequence[dt.date]] | None = None,
) -> Screening:
    return Screening(
        {f: screen_field(pools.get(f, _EMPTY), review, booked, hub_reviews) for f in spec.fields}
    )


def candidates_loads(screening: Screening, person_loads: Mapping[str, int]) -> dict[str, int]:
    """The recent assignments of this request's candidates (as team_snapshot keeps
    them), at the cost of the people with any rather than of the pool."""
    found: dict[str, int] = {}
    for s in screening.sections.values():
        # The people in both, found by the set operation rather than one by one
        # (snapshots sort their keys: the order found does not matter).
        for i in s.pool.position.keys() & person_loads.keys():
            if n := person_loads[i]:
                found[i] = n
    return found


def team_snapshot_pieces(
    spec: TeamSpec,
    policy: RecusalPolicy,
    loads: Mapping[str, Load],
    screening: Screening,
    person_loads: Mapping[str, int] = NO_PERSON_LOADS,
) -> list[str | Screened]:
    """The snapshot's text in order: each field's section as its Screened (its
    lines joined by commas), the rest as text. A store may keep a field's
    prepared lines once for every draw (services.registry.pool.snapshots)."""
    pieces: list[str | Screened] = ['{"candidates":{']
    for n, (field, s) in enumerate(screening.sections.items()):
        pieces += [("," if n else "") + _json(field) + ":[", s, "]"]
    rest = _json(_snapshot_head(spec, policy, loads, person_loads))
    # "candidates" sorts before every other key of the snapshot.
    pieces.append("}," + rest[1:])
    return pieces


def snapshot_text(pieces: Sequence[str | Screened]) -> bytes:
    """The snapshot the pieces make: canonical_json(team_snapshot(...))."""
    return "".join(p if isinstance(p, str) else ",".join(p.lines) for p in pieces).encode()
