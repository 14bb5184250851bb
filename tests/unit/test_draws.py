"""Seeded team draws: deterministic, verifiable, tamper-evident, load-balancing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from typing import Any

import pytest

from services.core.assessors import Review, screen
from services.core.draws import (
    PROVINCE_ORDER,
    Load,
    canonical_json,
    commitment,
    digest,
    outcome_of_seating,
)
from services.core.errors import InvalidRequest
from services.core.provinces import Province
from services.core.records import AffiliationRelation, AssessorLevel, AssessorStatus
from services.core.seating import seat_team
from services.core.team_requests import TeamRequest, TeamSpec, parse_team_spec
from services.core.team_seating import seat_screened
from services.core.teams import (
    candidates_loads,
    field_pool,
    pool_entry,
    screen_request,
    snapshot_text,
    team_outcome,
    team_snapshot,
    team_snapshot_pieces,
)
from services.core.verify import verify_draw
from services.registry.pool.snapshots import SnapshotParts, expand, is_recipe
from tests.unit.pool_helpers import INSTITUTION, POLICY, member, random_pool, tie

SEED = bytes(range(32))
LEADER = AssessorLevel.TEAM_LEADER
EXPERT = AssessorLevel.TECHNICAL_EXPERT


def spec(**changes: Any) -> TeamSpec:
    values: dict[str, Any] = {
        "institution_uscc": INSTITUTION,
        "institution_province": "JS",
        "fields": ["00"],
        "start_date": "2026-06-01",
        "end_date": "2026-06-02",
    }
    values.update(changes)
    return parse_team_spec(TeamRequest(**values), POLICY)


def snapshot_of(
    members: list[Any],
    s: TeamSpec | None = None,
    loads: dict[str, Load] | None = None,
    person_loads: dict[str, int] | None = None,
) -> dict[str, Any]:
    s = s or spec()
    r = Review.of(s.institution_uscc, s.institution_province, s.start_date, s.end_date, POLICY)
    candidates = [(m, screen(m, r, set())) for m in sorted(members, key=lambda m: m.assessor_id)]
    loads = loads or {p: Load(0, 100) for p in PROVINCE_ORDER}
    return team_snapshot(s, POLICY, loads, candidates, person_loads or {})


def test_the_default_team_is_two_with_a_leader() -> None:
    s = spec()
    assert s.size == 2 and s.leader
    outcome = team_outcome(SEED, snapshot_of(random_pool(200), s))
    roles = [role for _, role in outcome["team"]]
    assert outcome["failure"] == "" and roles == ["LEADER", "ASSESSOR"]


def test_same_seed_and_snapshot_give_the_same_team_and_other_seeds_differ() -> None:
    snap = snapshot_of(random_pool(300))
    first = team_outcome(SEED, snap)
    assert team_outcome(SEED, json.loads(canonical_json(snap))) == first
    teams = {tuple(map(tuple, team_outcome(bytes([n]) * 32, snap)["team"])) for n in range(20)}
    assert len(teams) > 15


def test_the_team_covers_every_field_and_grows_if_it_must() -> None:
    leader = member("L1", level=LEADER, fields=["00"])
    a12 = member("A12", fields=["12"])
    a13 = member("A13", fields=["13"])
    s = spec(fields=["00", "12", "13"])
    outcome = team_outcome(SEED, snapshot_of([leader, a12, a13], s))
    assert outcome == {
        "team": [["L1", "LEADER"], ["A12", "ASSESSOR"], ["A13", "ASSESSOR"]],
        "failure": "",
    }


def test_experts_sit_only_in_expert_seats() -> None:
    pool = [
        member("L1", level=LEADER),
        member("E1", level=EXPERT),
        member("E2", level=EXPERT),
        member("A1"),
    ]
    outcome = team_outcome(SEED, snapshot_of(pool, spec(technical_experts=1)))
    roles = dict((i, r) for i, r in outcome["team"])
    assert roles["L1"] == "LEADER" and roles["A1"] == "ASSESSOR"
    assert sorted(r for r in roles.values()) == ["ASSESSOR", "LEADER", "TECHNICAL_EXPERT"]


@pytest.mark.parametrize(
    ("pool", "changes", "failure"),
    [
        ([member("A1"), member("A2")], {}, "no eligible team leader"),
        ([member("L1", level=LEADER)], {}, "only 1 eligible assessors for a team of 2"),
        (
            [member("L1", level=LEADER), member("A1")],
            {"fields": ["00", "12"]},
            "no eligible assessor covers field 12",
        ),
        (
            [member("L1", level=LEADER), member("A1")],
            {"technical_experts": 1},
            "only 0 eligible technical experts of 1 asked",
        ),
    ],
)
def test_an_impossible_request_fails_with_its_reason(
    pool: list[Any], changes: dict[str, Any], failure: str
) -> None:
    outcome = team_outcome(SEED, snapshot_of(pool, spec(**changes)))
    assert outcome == {"team": [], "failure": failure}


def test_no_leader_when_none_is_needed() -> None:
    outcome = team_outcome(SEED, snapshot_of([member("A1"), member("A2")], spec(leader=False)))
    assert sorted(i for i, _ in outcome["team"]) == ["A1", "A2"]


def test_excluded_candidates_are_never_drawn() -> None:
    pool = [member("L1", level=LEADER), member("A1", employer=INSTITUTION), member("A2")]
    snap = snapshot_of(pool)
    assert ["recusal.same_employer", f"currently employed by {INSTITUTION}"] in [
        c[3] for c in snap["candidates"]["00"]
    ]
    for n in range(10):
        assert "A1" not in {i for i, _ in team_outcome(bytes([n]) * 32, snap)["team"]}


def test_spec_validation_names_every_bad_field() -> None:
    with pytest.raises(InvalidRequest) as bad:
        parse_team_spec(
            TeamRequest(
                institution_uscc="913100",
                institution_province="UNSPECIFIED",
                fields=["x"],
                start_date="2026-06-05",
                end_date="2026-06-01",
            ),
            POLICY,
        )
    fields = {v.field for v in bad.value.violations}
    # (Fields left empty are no bad field: test_team_requests.)
    assert {"spec.institution_uscc", "spec.institution_province", "spec.fields[0]"} <= fields
    assert "spec.end_date" in fields
    with pytest.raises(InvalidRequest) as long:
        spec(end_date="2026-08-01")
    assert long.value.violations[0].field == "spec.end_date"


def _published(snap: dict[str, Any]) -> dict[str, Any]:
    body = canonical_json(snap)
    return {
        "seed": SEED,
        "seed_commitment": commitment(SEED),
        "snapshot": body,
        "snapshot_sha256": digest(body),
        "claimed": team_outcome(SEED, snap),
    }


def test_verify_accepts_the_published_draw() -> None:
    published = _published(snapshot_of(random_pool(100)))
    assert published["seed_commitment"] == hashlib.sha256(SEED).digest()
    assert verify_draw(**published).ok


def test_verify_catches_a_changed_seed_snapshot_or_team() -> None:
    snap = snapshot_of(random_pool(100))
    published = _published(snap)
    other_seed = verify_draw(**{**published, "seed": b"\x01" * 32})
    assert any("commitment" in p for p in other_seed.problems)

    tampered = json.loads(published["snapshot"])
    drawn = {i for i, _ in published["claimed"]["team"]}
    for c in tampered["candidates"]["00"]:
        if c[0] not in drawn and c[3] is None:
            c[3] = ["booked", "made up"]
    body = canonical_json(tampered)
    changed = verify_draw(**{**published, "snapshot": body})
    assert any("SHA-256" in p for p in changed.problems)

    claimed = {"team": [["Asomeone", "LEADER"]], "failure": ""}
    assert verify_draw(**{**published, "claimed": claimed}).problems == [
        "re-running the draw gives a different outcome"
    ]


def test_load_balancing_draws_less_from_a_province_that_carried_more() -> None:
    pool = random_pool(400, seed=7)
    busy = {p: Load(0, 100) for p in PROVINCE_ORDER} | {"SH": Load(300, 100)}
    counts: Counter[str] = Counter()
    for n in range(300):
        seed = hashlib.sha256(n.to_bytes(4, "big")).digest()
        snap = snapshot_of(pool, loads=busy)
        province = {c[0]: c[1] for c in snap["candidates"]["00"]}
        counts.update(province[i] for i, _ in team_outcome(seed, snap)["team"])
    others = [counts[p] for p in PROVINCE_ORDER if p != "SH"]
    assert counts["SH"] < min(others) / 2


def test_over_time_per_capita_load_evens_out_across_provinces() -> None:
    """Draws that feed their assignments back into the loads keep every province's
    load per active assessor close, even with pools of very different sizes."""
    sizes = {Province.SH: 40, Province.JS: 120, Province.ZJ: 80, Province.AH: 20}
    pool = []
    for p, n in sizes.items():
        for i in range(n):
            level = LEADER if i % 4 == 0 else AssessorLevel.ASSESSOR
            pool.append(member(f"{p.value}{i:04d}x", p, level=level))
    assigned: Counter[str] = Counter()
    for n in range(400):
        loads = {p.value: Load(assigned[p.value], sizes[p]) for p in Province}
        seed = hashlib.sha256(b"t" + n.to_bytes(4, "big")).digest()
        snap = snapshot_of(pool, spec(start_date="2026-01-01", end_date="2026-01-01"), loads)
        province = {c[0]: c[1] for c in snap["candidates"]["00"]}
        assigned.update(province[i] for i, _ in team_outcome(seed, snap)["team"])
    per_capita = [assigned[p.value] / sizes[p] for p in Province]
    assert max(per_capita) - min(per_capita) < 0.25 * (sum(per_capita) / len(per_capita))


def test_equally_eligible_people_take_turns() -> None:
    """Eight draws over five eligible assessors (two leaders), each draw's team
    counted in the next one's loads: nobody sits on every team, the leaders
    alternate, and the assessors share the other seats evenly."""
    pool = [
        member("Alead0001", level=LEADER),
        member("Alead0002", level=LEADER),
        *(member(f"Amemb000{i}") for i in range(3)),
    ]
    sat: Counter[str] = Counter()
    led: Counter[str] = Counter()
    for n in range(8):
        snap = snapshot_of(pool, person_loads=dict(sat))
        assert snap["person_loads"] == {i: k for i, k in sorted(sat.items())}
        team = team_outcome(hashlib.sha256(bytes([n])).digest(), snap)["team"]
        sat.update(i for i, _ in team)
        led.update(i for i, role in team if role == "LEADER")
    assert led == {"Alead0001": 4, "Alead0002": 4}
    members = [sat[f"Amemb000{i}"] for i in range(3)]
    assert max(members) - min(members) <= 1 and sum(members) == 8


def test_leaders_sit_as_members_only_when_no_assessor_is_left() -> None:
    """With rotation, whoever sat on an institution's last review is recused from
    the next; a team that seated both leaders would leave the next review none.
    So members' seats go to assessors before leaders with as few assignments,
    through a rotation of eight reviews; format 2 snapshots re-run as drawn."""
    leaders = [member("Alead0001", level=LEADER), member("Alead0002", level=LEADER)]
    pool = [*leaders, *(member(f"Amemb000{i}") for i in range(3))]
    sat: Counter[str] = Counter()
    last: set[str] = set()
    for n in range(8):
        seed = hashlib.sha256(b"rotation" + bytes([n])).digest()
        snap = snapshot_of([m for m in pool if m.assessor_id not in last], person_loads=dict(sat))
        assert snap["format"] == "yrdhub/team-draw/3"
        outcome = team_outcome(seed, snap)
        assert outcome["failure"] == "", n
        assert [role for i, role in outcome["team"] if i.startswith("Alead")] == ["LEADER"]
        sat.update(i for i, _ in outcome["team"])
        last = {i for i, _ in outcome["team"]}
    # Drawn as format 2 did, a leader takes a member's seat for some seeds.
    old_rule = [
        team_outcome(bytes([n]) * 32, {**snapshot_of(pool), "format": "yrdhub/team-draw/2"})
        for n in range(40)
    ]
    assert any(sum(i.startswith("Alead") for i, _ in o["team"]) == 2 for o in old_rule)


def test_without_loads_the_rank_alone_decides_and_old_snapshots_still_verify() -> None:
    pool = random_pool(60, seed=3)
    snap = snapshot_of(pool)
    assert snap["person_loads"] == {}
    legacy = {k: v for k, v in snap.items() if k != "person_loads"}
    seed = bytes(range(32))
    assert team_outcome(seed, legacy) == team_outcome(seed, snap)


def test_draws_are_reproducible_across_dates_and_json_round_trips() -> None:
    day = dt.date(2026, 3, 2).isoformat()
    snap = snapshot_of(random_pool(50), spec(start_date=day, end_date=day))
    again = json.loads(canonical_json(snap).decode())
    assert canonical_json(again) == canonical_json(snap)


def _varied_pool() -> list[Any]:
    """Members with every kind of exclusion, ties and quotes or CJK in details."""
    pool = random_pool(300, seed=3)
    pool += [
        member("Asusp0001", status=AssessorStatus.SUSPENDED, reason='未主动回避 "咨询"'),
        member("Aoff00001", available=False),
        member("Aleave001", unavailable=((dt.date(2026, 5, 30), dt.date(2026, 6, 1)),)),
        member("Aleave002", unavailable=((dt.date(2026, 7, 1), dt.date(2026, 7, 9)),)),
        member("Awork0001", employer=INSTITUTION, fields=["00", "12"]),
        member(
            "Acons0001",
            ties={INSTITUTION: (tie(AffiliationRelation.CONSULTED, "2024-01-01", None),)},
        ),
        member("Ajs000001", Province.JS, level=LEADER, fields=["12", "13"]),
        member("Arev00001", reviewed={INSTITUTION: (dt.date(2025, 1, 1),)}),
        member("Abusy0001", level=LEADER),
    ]
    return pool


@pytest.mark.parametrize(
    "policy_changes", [{}, {"same_province": True, "reviewed_within_years": 3}]
)
@pytest.mark.parametrize("fields", [["00"], ["12"], ["00", "12"], ["12", "13", "00"]])
def test_the_prepared_path_gives_the_reference_snapshot_and_team(
    fields: list[str], policy_changes: dict[str, Any]
) -> None:
    policy = POLICY.model_copy(update=policy_changes)
    s = parse_team_spec(
        TeamRequest(
            institution_uscc=INSTITUTION,
            institution_province="JS",
            fields=fields,
            start_date="2026-06-01",
            end_date="2026-06-02",
            technical_experts=1,
        ),
        policy,
    )
    r = Review.of(s.institution_uscc, s.institution_province, s.start_date, s.end_date, policy)
    booked = {"Abusy0001", "Anobody00"}
    hub = {"Ajs000001": [dt.date(2025, 12, 1)]}
    members = sorted(_varied_pool(), key=lambda m: m.assessor_id)
    loads = {p: Load(i * 3, 50 + i) for i, p in enumerate(PROVINCE_ORDER)}
    reference = team_snapshot(s, policy, loads, [(m, screen(m, r, booked, hub)) for m in members])

    entries = [pool_entry(m) for m in members]
    pools = {
        f: field_pool(f, [e for e in entries if f in e.member.fields])
        for f in ("00", "01", "12", "13")
    }
    screening = screen_request(pools, s, r, booked, hub)
    people = {m.assessor_id: (i * 7) % 4 for i, m in enumerate(members)} | {"Anobody00": 3}
    reference = team_snapshot(
        s, policy, loads, [(m, screen(m, r, booked, hub)) for m in members], people
    )
    mine = candidates_loads(screening, people)
    pieces = team_snapshot_pieces(s, policy, loads, screening, mine)
    fast = snapshot_text(pieces)
    assert fast == canonical_json(reference)
    # Kept as a recipe and parts (the registry's store), it reads back the same.
    kept = SnapshotParts().stored(pieces)
    assert kept.body == fast and kept.parts and is_recipe(kept.stored)
    assert expand(kept.stored, kept.parts) == fast
    assert "Anobody00" not in json.loads(fast)["person_loads"]  # candidates only
    shape = s.shape(loads, mine)
    for n in range(25):
        seed = bytes([n]) * 32
        seating = seat_screened(seed, s, screening, shape)
        assert outcome_of_seating(seating) == team_outcome(seed, json.loads(fast))
        assert seating == seat_team(seed, screening.eligible(), s.fields, shape)
    everyone = {m.assessor_id for m in members if m.fields & set(fields)}
    assert screening.counts() == (len(everyone), len(screening.eligible()))
    assert set(screening.candidates()) == everyone
