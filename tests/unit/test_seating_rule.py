"""Seating is the rule services.core.seating publishes, written out plainly here
so that another implementation could be checked against it too: the fast
seating must seat the same people, seat for seat, for any pool and loads."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from services.core.draws import PROVINCE_ORDER, Entrant, Load, Pick, Role, TeamShape
from services.core.seating import seat_inspectors, seat_team

FIELDS = ("00", "01", "12")


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _fits(e: Entrant, seat: str, field: str) -> bool:
    return {
        "leader": e.level == "L",
        "member": e.level in "LA",
        "cover": e.level in "LA" and field in e.fields,
        "expert": e.level == "E",
        "any": True,
    }[seat]


def _seat(
    seed: bytes,
    rank_label: bytes,
    free: list[Entrant],
    label: str,
    seat: str,
    field: str,
    loads: Mapping[str, Load],
    people: Mapping[str, int],
    spare: bool,
) -> Entrant | None:
    """One seat by the published rule: a province by weight, then its fitting
    candidate with the fewest recent assignments (leaders after assessors when
    spared), the smallest SHA-256 rank among equals."""
    fitting = [e for e in free if _fits(e, seat, field)]
    carried = {p: (loads[p].assigned if p in loads else 0) + 1 for p in PROVINCE_ORDER}
    product = 1
    for c in carried.values():
        product *= c
    weights = [
        sum(e.province == p for e in fitting)
        * ((loads[p].pool if p in loads else 0) + 1)
        * (product // carried[p])
        for p in PROVINCE_ORDER
    ]
    if sum(weights) == 0:
        return None
    point = int.from_bytes(_sha(seed + b"seat:" + label.encode())[:8], "big") % sum(weights)
    # The province whose cumulative weight first exceeds the point.
    cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
    chosen = PROVINCE_ORDER[next(i for i, c in enumerate(cumulative) if point < c)]
    return min(
        (e for e in fitting if e.province == chosen),
        key=lambda e: (
            people.get(e.assessor_id, 0),
            spare and e.level == "L",
            _sha(seed + rank_label + e.assessor_id.encode()),
        ),
    )


def _team(
    seed: bytes, entrants: Sequence[Entrant], fields: Sequence[str], shape: TeamShape
) -> tuple[list[Pick], str]:
    free = list(entrants)
    picks: list[Pick] = []
    covered: set[str] = set()

    def take(seat: str, role: Role, field: str = "") -> bool:
        e = _seat(
            seed,
            b"",
            free,
            str(len(picks)),
            seat,
            field,
            shape.loads,
            shape.person_loads,
            shape.spare_leaders,
        )
        if e is None:
            return False
        free.remove(e)
        picks.append(Pick(e.assessor_id, e.province, role))
        covered.update(e.fields)
        return True

    if shape.leader and not take("leader", Role.LEADER):
        return picks, "leader"
    for f in sorted(set(fields)):
        if f not in covered and not take("cover", Role.ASSESSOR, f):
            return picks, "cover"
    while len(picks) < shape.size:
        if not take("member", Role.ASSESSOR):
            return picks, "member"
    for _ in range(shape.experts):
        if not take("expert", Role.TECHNICAL_EXPERT):
            return picks, "expert"
    return picks, ""


_entrants = st.lists(
    st.tuples(
        st.sampled_from(PROVINCE_ORDER),
        st.sampled_from("LLAAAAEE"),
        st.sets(st.sampled_from(FIELDS), min_size=1, max_size=2),
    ),
    max_size=60,
).map(
    lambda rows: [
        Entrant.of(f"A{i:04d}", province, level, frozenset(fields))
        for i, (province, level, fields) in enumerate(rows)
    ]
)
_loads = st.dictionaries(
    st.sampled_from(PROVINCE_ORDER),
    st.builds(Load, st.integers(0, 9), st.integers(0, 40)),
)


@settings(max_examples=300, deadline=None)
@given(
    entrants=_entrants,
    seed=st.binary(min_size=32, max_size=32),
    fields=st.lists(st.sampled_from(FIELDS), min_size=1, max_size=2, unique=True),
    size=st.integers(1, 5),
    leader=st.booleans(),
    experts=st.integers(0, 2),
    loads=_loads,
    people=st.lists(st.integers(0, 3), min_size=60, max_size=60),
    spare=st.booleans(),
)
def test_a_team_is_seated_by_the_published_rule(
    entrants: list[Entrant],
    seed: bytes,
    fields: list[str],
    size: int,
    leader: bool,
    experts: int,
    loads: dict[str, Load],
    people: list[int],
    spare: bool,
) -> None:
    person_loads = {e.assessor_id: people[i] for i, e in enumerate(entrants)}
    shape = TeamShape(size, leader, experts, loads, person_loads, spare_leaders=spare)
    seating = seat_team(seed, entrants, sorted(fields), shape)
    picks, failed = _team(seed, entrants, sorted(fields), shape)
    assert list(seating.picks) == picks
    assert bool(seating.failure) == bool(failed)


@settings(max_examples=200, deadline=None)
@given(
    entrants=_entrants,
    seed=st.binary(min_size=32, max_size=32),
    visit=st.integers(0, 30),
    size=st.integers(1, 4),
    leader=st.booleans(),
    fields=st.lists(st.sampled_from(FIELDS), max_size=2, unique=True),
    loads=_loads,
    people=st.lists(st.integers(0, 3), min_size=60, max_size=60),
)
def test_an_inspection_team_is_seated_by_the_published_rule(
    entrants: list[Entrant],
    seed: bytes,
    visit: int,
    size: int,
    leader: bool,
    fields: list[str],
    loads: dict[str, Load],
    people: list[int],
) -> None:
    person_loads = {e.assessor_id: people[i] for i, e in enumerate(entrants)}
    label = f"visit:{visit}:"
    seating = seat_inspectors(
        seed,
        entrants,
        visit=visit,
        size=size,
        leader=leader,
        loads=loads,
        person_loads=person_loads,
        fields=fields,
    )
    free = list(entrants)
    expected: list[Entrant] = []

    def take(seat: str, field: str = "") -> bool:
        label_k = f"{label}{len(expected)}"
        e = _seat(seed, label.encode(), free, label_k, seat, field, loads, person_loads, False)
        if e is not None:
            free.remove(e)
            expected.append(e)
        return e is not None

    if not leader or take("leader"):
        for f in sorted(fields):
            if all(f not in e.fields for e in expected) and not take("cover", f):
                break
        else:
            while len(expected) < size and take("any"):
                pass
    assert [p.assessor_id for p in seating.picks] == [e.assessor_id for e in expected]
