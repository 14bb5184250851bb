"""Seating a team from a seed and a draw's snapshot: who takes each seat, and why.

Everything the selection uses is in the snapshot, and the selection uses only
SHA-256 and integer arithmetic, so it can be re-implemented in any language:

- a candidate's rank for a seat is SHA-256(seed || label || candidate id),
  compared as bytes (smallest first);
- a seat first picks a province at random with weight
  n_p x (N_p + 1) / (a_p + 1), where n_p is the number of the province's
  candidates who fit the seat, N_p the province's active pool size and a_p the
  assignments its assessors took recently (in the snapshot as `loads`): a
  province that carried more than its share lately is drawn less, which
  balances load across provinces over time. The weights are scaled to
  integers (multiplied by the product of every a_q + 1) and the province is
  the one whose cumulative weight first exceeds
  uint64(first 8 bytes of SHA-256(seed || "seat:" || label || k)) mod total;
- then, of that province's candidates who fit the seat, the one with the
  fewest recent assignments (in the snapshot as `person_loads`, counted over
  the recusal policy's `person_load_days`; within an inspection plan, its
  earlier visits count too) takes the seat, the best rank among equals: so
  one person does not sit on every team while others wait. In a team draw
  (format 3 on), a team leader ranks after every assessor with as many recent
  assignments, so leaders sit as plain members only when no assessor is left.

Seeds, commitments and the types a seating takes and gives are in
services.core.draws.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from itertools import chain, islice
from operator import attrgetter

from services.core.draws import (
    NO_PERSON_LOADS,
    PROVINCE_ORDER,
    Entrant,
    Load,
    Pick,
    Role,
    Seating,
    TeamShape,
    digest,
)


def _choose_province(
    seed: bytes, label: str, fitting: Mapping[str, int], loads: Mapping[str, Load]
) -> str | None:
    carried = {p: (loads[p].assigned if p in loads else 0) + 1 for p in PROVINCE_ORDER}
    product = 1
    for value in carried.values():
        product *= value
    weights = [
        (
            p,
            fitting.get(p, 0)
            * ((loads[p].pool if p in loads else 0) + 1)
            * (product // carried[p]),
        )
        for p in PROVINCE_ORDER
    ]
    total = sum(w for _, w in weights)
    if total == 0:
        return None
    point = int.from_bytes(digest(seed + b"seat:" + label.encode())[:8], "big") % total
    for province, weight in weights:
        if point < weight:
            return province
        point -= weight
    raise AssertionError("unreachable: point < total")  # pragma: no cover


# Seat kinds.
_LEADER = "leader"
_MEMBER = "member"  # a team leader or an assessor
_COVER = "cover"  # a member who covers one given field
_EXPERT = "expert"
_ANY = "any"
_LEVEL_SLOT = {"L": 0, "A": 1, "E": 2}


def uncount(counts: list[int], e: Entrant, slots: Mapping[str, int]) -> None:
    """Takes `e` out of its province's counts: [leaders, assessors, experts,
    then members covering each field at `slots[field]`]."""
    counts[_LEVEL_SLOT[e.level]] -= 1
    if e.level != "E":
        for f, slot in slots.items():
            if f in e.fields:
                counts[slot] -= 1


# A candidate's place in its province's order: recent assignments, a spared
# leader, the SHA-256 rank.
_Key = tuple[int, bool, bytes]
# The levels that may take each kind of seat.
_SEAT_LEVELS = {
    _LEADER: ("L",),
    _MEMBER: ("A", "L"),
    _COVER: ("A", "L"),
    _EXPERT: ("E",),
    _ANY: ("L", "A", "E"),
}


class _Ranking:
    """A province's candidates of one level in seating order: (recent
    assignments, SHA-256 rank, candidate), the fewest assignments first, then
    the rank. (Within a level, whether leaders are spared is the same for all.)
    Ranks are worked out for one number of recent assignments at a time, when
    a seat gets that far: a seat rarely looks past the fewest, and hashing
    every candidate was the largest part of a seating's time."""

    __slots__ = ("_ordered", "_prefix", "_waiting")

    def __init__(
        self, prefix: bytes, entrants: Sequence[Entrant], person_loads: Mapping[str, int]
    ) -> None:
        self._prefix = prefix
        by_count: dict[int, list[Entrant]] = {}
        if person_loads:
            for e in entrants:
                by_count.setdefault(person_loads.get(e.assessor_id, 0), []).append(e)
        elif entrants:
            by_count[0] = list(entrants)
        # The most assignments first, so that pop() gives the fewest.
        self._waiting = sorted(by_count.items(), reverse=True)
        self._ordered: list[tuple[int, bytes, Entrant]] = []

    def in_order(self) -> Iterator[tuple[int, bytes, Entrant]]:
        shown = 0
        while True:
            yield from islice(self._ordered, shown, None)
            shown = len(self._ordered)
            if not self._waiting:
                return
            count, group = self._waiting.pop()
            sha, prefix = hashlib.sha256, self._prefix
            ranks = [sha(prefix + e.key).digest() for e in group]
            # Positions break ties (a candidate listed twice), so candidates
            # themselves are never compared.
            order = sorted(zip(ranks, range(len(group)), strict=True))
            self._ordered.extend((count, rank, group[i]) for rank, i in order)


class _Seats:
    """Candidates by province with counts per seat kind kept up to date, so a seat
    costs a few lookups. Ranks are worked out per province and level, and only
    once a seat needs them: within one level, the province's order restricted
    to it, so a seat takes the best of the first fitting of each level that
    may sit in it (a leader's seat ranks the province's leaders alone)."""

    def __init__(
        self,
        seed: bytes,
        entrants: Iterable[Entrant],
        rank_label: bytes,
        fields: Iterable[str],
        person_loads: Mapping[str, int] = NO_PERSON_LOADS,
        spare_leaders: bool = False,
    ) -> None:
        slot = {f: 3 + i for i, f in enumerate(sorted(set(fields)))}
        pool = list(entrants)
        groups: dict[str, list[Entrant]] = {}
        for e in pool:
            groups.setdefault(e.province_level, []).append(e)
        covers = Counter(chain.from_iterable(map(attrgetter("province_fields"), pool)))
        # Per province: [leaders, assessors, experts, then members covering each field].
        counts = {
            p: [len(groups.get(p + level, ())) for level in "LAE"] + [covers[p + f] for f in slot]
            for p in PROVINCE_ORDER
        }
        self._setup(
            seed, rank_label, slot, counts, groups, frozenset(), person_loads, spare_leaders
        )

    @classmethod
    def prepared(
        cls,
        seed: bytes,
        slot: dict[str, int],
        counts: dict[str, list[int]],
        groups: Mapping[str, Sequence[Entrant]],
        excluded: Set[str],
        person_loads: Mapping[str, int] = NO_PERSON_LOADS,
        spare_leaders: bool = False,
    ) -> _Seats:
        """From candidates already grouped by province and level ("SHL") and
        counted; `excluded` ids are in the groups but not in the counts, and
        are skipped when ranked."""
        seats = cls.__new__(cls)
        seats._setup(seed, b"", slot, counts, groups, excluded, person_loads, spare_leaders)
        return seats

    def _setup(
        self,
        seed: bytes,
        rank_label: bytes,
        slot: dict[str, int],
        counts: dict[str, list[int]],
        groups: Mapping[str, Sequence[Entrant]],
        excluded: Set[str],
        person_loads: Mapping[str, int],
        spare_leaders: bool,
    ) -> None:
        self._seed = seed
        self._person_loads = person_loads
        self._spare_leaders = spare_leaders
        self._prefix = seed + rank_label
        self._slot = slot
        self._counts = counts
        self._groups = groups
        self._excluded = excluded
        self._ranked: dict[str, _Ranking] = {}
        self._taken: set[str] = set()

    def _fitting(self, province: str, seat: str, field: str) -> int:
        c = self._counts[province]
        if seat == _LEADER:
            return c[0]
        if seat == _MEMBER:
            return c[0] + c[1]
        if seat == _COVER:
            return c[self._slot[field]]
        if seat == _EXPERT:
            return c[2]
        return c[0] + c[1] + c[2]

    def _ranking(self, province: str, level: str) -> _Ranking:
        key = province + level
        ranked = self._ranked.get(key)
        if ranked is None:
            ranked = _Ranking(self._prefix, self._groups.get(key, ()), self._person_loads)
            self._ranked[key] = ranked
        return ranked

    def _first(
        self, province: str, level: str, seat: str, field: str
    ) -> tuple[_Key, Entrant] | None:
        """(key, entrant) of the best of `level` free to take the seat."""
        taken, skip = self._taken, self._excluded
        for count, rank, e in self._ranking(province, level).in_order():
            if (
                e.assessor_id not in taken
                and e.assessor_id not in skip
                and (seat != _COVER or field in e.fields)
            ):
                # Assessors before leaders when leaders are spared.
                return (count, self._spare_leaders and level == "L", rank), e
        return None

    def take(
        self, label: str, seat: str, loads: Mapping[str, Load], field: str = ""
    ) -> Entrant | None:
        fitting = {p: self._fitting(p, seat, field) for p in PROVINCE_ORDER}
        province = _choose_province(self._seed, label, fitting, loads)
        if province is None:
            return None
        best = None
        for level in _SEAT_LEVELS[seat]:
            found = self._first(province, level, seat, field)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        if best is not None:
            e = best[1]
            self._taken.add(e.assessor_id)
            uncount(self._counts[province], e, self._slot)
            return e
        raise AssertionError("counts and ranking disagree")  # pragma: no cover


def seat_team(
    seed: bytes, entrants: Iterable[Entrant], fields: Sequence[str], shape: TeamShape
) -> Seating:
    """A review team: a leader (if asked), then whoever covers each requested field
    not yet covered (in field order), then members up to `size`, then experts."""
    seats = _Seats(seed, entrants, b"", fields, shape.person_loads, shape.spare_leaders)
    return _fill_team(seats, fields, shape)


def seat_prepared(
    seed: bytes,
    fields: Sequence[str],
    counts: dict[str, list[int]],
    groups: Mapping[str, Sequence[Entrant]],
    excluded: Set[str],
    shape: TeamShape,
) -> Seating:
    """seat_team for candidates already grouped by province and counted:
    [leaders, assessors, experts, then members covering each field in sorted
    order] per province. `excluded` ids are in the groups but not in the counts."""
    slot = {f: 3 + i for i, f in enumerate(sorted(set(fields)))}
    seats = _Seats.prepared(
        seed, slot, counts, groups, excluded, shape.person_loads, shape.spare_leaders
    )
    return _fill_team(seats, fields, shape)


def _fill_team(seats: _Seats, fields: Sequence[str], shape: TeamShape) -> Seating:
    size, leader, experts, loads = shape.size, shape.leader, shape.experts, shape.loads
    picks: list[Pick] = []
    covered: set[str] = set()

    def take(seat: str, role: Role, field: str = "") -> bool:
        e = seats.take(str(len(picks)), seat, loads, field)
        if e is None:
            return False
        picks.append(Pick(e.assessor_id, e.province, role))
        covered.update(e.fields)
        return True

    if leader and not take(_LEADER, Role.LEADER):
        return Seating(tuple(picks), "no eligible team leader")
    for f in sorted(set(fields)):
        if f not in covered and not take(_COVER, Role.ASSESSOR, f):
            return Seating(tuple(picks), f"no eligible assessor covers field {f}")
    while len(picks) < size:
        if not take(_MEMBER, Role.ASSESSOR):
            return Seating(
                tuple(picks),
                f"only {len(picks)} eligible assessors for a team of {size}",
            )
    for n in range(experts):
        if not take(_EXPERT, Role.TECHNICAL_EXPERT):
            return Seating(tuple(picks), f"only {n} eligible technical experts of {experts} asked")
    return Seating(tuple(picks))


def seat_inspectors(
    seed: bytes,
    entrants: Iterable[Entrant],
    *,
    visit: int,
    size: int,
    leader: bool,
    loads: Mapping[str, Load],
    person_loads: Mapping[str, int] = NO_PERSON_LOADS,
    fields: Sequence[str] = (),
) -> Seating:
    """An inspection team for visit number `visit`; ranks differ per visit, so
    the same inspectors do not top every visit. With `fields` (the
    institution's), whoever covers each field not yet covered sits after the
    leader, so a laboratory working in several fields is inspected by people
    who cover them all (a team may then outgrow `size`)."""
    label = f"visit:{visit}:"
    seats = _Seats(seed, entrants, label.encode(), fields, person_loads)
    picks: list[Pick] = []
    covered: set[str] = set()
    if leader:
        e = seats.take(f"{label}0", _LEADER, loads)
        if e is None:
            return Seating((), "no eligible team leader")
        picks.append(Pick(e.assessor_id, e.province, Role.LEADER))
        covered.update(e.fields)
    for f in sorted(set(fields)):
        if f in covered:
            continue
        e = seats.take(f"{label}{len(picks)}", _COVER, loads, f)
        if e is None:
            return Seating(tuple(picks), f"no eligible inspector covers field {f}")
        picks.append(Pick(e.assessor_id, e.province, Role.INSPECTOR))
        covered.update(e.fields)
    while len(picks) < size:
        e = seats.take(f"{label}{len(picks)}", _ANY, loads)
        if e is None:
            return Seating(
                tuple(picks), f"only {len(picks)} eligible inspectors for a team of {size}"
            )
        picks.append(Pick(e.assessor_id, e.province, Role.INSPECTOR))
    return Seating(tuple(picks))
