"""Random inspection plans: credit classes, ratios per class, recusal, reproducibility."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from services.core import workdays
from services.core.assessors import Tie
from services.core.credit import CreditFact
from services.core.credit_grades import credit_class
from services.core.draws import PROVINCE_ORDER, Load, canonical_json, commitment, digest
from services.core.inspections import (
    PLAN_FORMAT,
    InspectionPolicy,
    InspectionSpec,
    PoolEntity,
    cooled_down,
    graded,
    plan_conflicts,
    plan_snapshot,
)
from services.core.officers import Officer, officer_standing, one_officer
from services.core.plan_outcome import plan_outcome, quota
from services.core.provinces import Province
from services.core.records import (
    AffiliationRelation,
    AssessorStatus,
    CreditAction,
    CreditListType,
)
from services.core.risk import CreditClass
from services.core.verify import verify_draw
from services.registry.pool.policies import load_inspection, load_recusal
from tests.factories import credit, credit_fact
from tests.unit.pool_helpers import POLICY, member, random_pool, tie, uscc

ON = dt.date(2026, 6, 1)
SERIOUS = CreditListType.SERIOUS_VIOLATION
ABNORMAL = CreditListType.ABNORMAL_OPERATIONS
SEED = b"\x07" * 32


def fact(
    list_type: CreditListType,
    action: CreditAction,
    since: str,
    until: str | None = None,
    province: str = "SH",
) -> CreditFact:
    """A credit event of the default holder; a removal or repair lifts the
    listing of its list (reference L-<list>)."""
    listing = f"L-{list_type.value}"
    return credit_fact(
        credit(
            listing if action is CreditAction.LISTED else f"{listing}-{action.value}",
            province=Province(province),
            list_type=list_type,
            action=action,
            effective_from=dt.date.fromisoformat(since),
            effective_until=dt.date.fromisoformat(until) if until else None,
            lifts="" if action is CreditAction.LISTED else listing,
        )
    )


@pytest.mark.parametrize(
    ("facts", "grade"),
    [
        ([], CreditClass.A),
        ([fact(SERIOUS, CreditAction.LISTED, "2025-01-01")], CreditClass.D),
        ([fact(ABNORMAL, CreditAction.LISTED, "2025-01-01")], CreditClass.C),
        (
            [
                fact(ABNORMAL, CreditAction.LISTED, "2025-01-01"),
                fact(ABNORMAL, CreditAction.REMOVED, "2025-06-01"),
            ],
            CreditClass.B,
        ),
        ([fact(ABNORMAL, CreditAction.REPAIRED, "2021-01-01")], CreditClass.A),
        ([fact(SERIOUS, CreditAction.LISTED, "2020-01-01", "2025-12-31")], CreditClass.B),
        ([fact(SERIOUS, CreditAction.LISTED, "2026-07-01")], CreditClass.A),  # not yet
        (
            # A serious-violation listing repaired before its earliest repair
            # day (a year) is still in force, as every credit answer says: D.
            [
                fact(SERIOUS, CreditAction.LISTED, "2026-03-01"),
                fact(SERIOUS, CreditAction.REPAIRED, "2026-05-01"),
            ],
            CreditClass.D,
        ),
        (
            # Listed with no end: published for three years, then ended.
            [fact(SERIOUS, CreditAction.LISTED, "2022-01-01")],
            CreditClass.B,
        ),
        (
            # Only the listing authority lifts its own listing.
            [
                fact(SERIOUS, CreditAction.LISTED, "2025-01-01", province="JS"),
                fact(SERIOUS, CreditAction.REMOVED, "2025-06-01", province="ZJ"),
            ],
            CreditClass.D,
        ),
    ],
)
def test_credit_class_from_credit_events(facts: list[CreditFact], grade: CreditClass) -> None:
    assert credit_class(facts, ON, recent_years=2) is grade


def test_quota_is_the_ratio_rounded_up() -> None:
    assert quota(100, Decimal("0.03")) == 3
    assert quota(101, Decimal("0.03")) == 4
    assert quota(1, Decimal("0.03")) == 1
    assert quota(0, Decimal("0.5")) == 0
    assert quota(7, Decimal("0")) == 0
    assert quota(7, Decimal("1.0")) == 7


def test_the_shipped_policies_load() -> None:
    inspection = load_inspection()
    assert inspection.ratios[CreditClass.A] == Decimal("0.03")
    assert inspection.ratios[CreditClass.D] == Decimal("1.0")
    recusal = load_recusal()
    assert recusal.employment_years == 3 and recusal.same_employer
    assert not recusal.same_province


def test_a_policy_needs_every_class() -> None:
    with pytest.raises(ValueError, match="every credit class"):
        InspectionPolicy(version="x", ratios={CreditClass.A: Decimal("0.1")})


def entities(n_per_class: int) -> list[PoolEntity]:
    found = []
    for c_index, grade in enumerate(CreditClass):
        for i in range(n_per_class):
            body = f"9132010{c_index}MA{i:07d}"[:17]
            found.append(PoolEntity(Province.JS, uscc(body), frozenset({"00"}), grade))
    return found


POLICY_IN = InspectionPolicy(
    version="inspection-test",
    ratios={
        CreditClass.A: Decimal("0.05"),
        CreditClass.B: Decimal("0.1"),
        CreditClass.C: Decimal("0.25"),
        CreditClass.D: Decimal("1"),
    },
    team_size=2,
    max_visits_per_inspector=2,
)
SPEC = InspectionSpec(
    start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 12), technical_support=2
)


def officer(
    ident: str,
    province: Province = Province.JS,
    *,
    status: AssessorStatus = AssessorStatus.ACTIVE,
    ties: dict[str, tuple[Tie, ...]] | None = None,
    valid: tuple[str, str] = ("2020-01-01", "2030-12-31"),
) -> Officer:
    person = member(ident, province, fields=(), status=status, employer="", ties=ties)
    return Officer(person, dt.date.fromisoformat(valid[0]), dt.date.fromisoformat(valid[1]))


OFFICERS = [officer(f"Ojs{i:05d}") for i in range(60)] + [
    officer(f"Osh{i:05d}", Province.SH) for i in range(10)
]


def plan(
    pool: list[Any],
    ents: list[PoolEntity],
    busy: dict[str, list[dt.date]] | None = None,
    policy: InspectionPolicy = POLICY_IN,
    officers: list[Officer] = OFFICERS,
    spec: InspectionSpec = SPEC,
) -> dict[str, Any]:
    loads = {p: Load(0, 50) for p in PROVINCE_ORDER}
    conflicts = plan_conflicts(pool, ents, spec, POLICY, {})
    return plan_snapshot(
        spec,
        POLICY,
        policy,
        loads,
        ents,
        [(m, None) for m in pool],
        busy or {},
        conflicts,
        officers=[(o, officer_standing(o, spec.start_date, spec.end_date)) for o in officers],
        officer_conflicts=plan_conflicts([o.member for o in officers], ents, spec, POLICY, {}),
    )


ROLES = ["LEAD_OFFICER", "OFFICER", "TECHNICAL_SUPPORT", "TECHNICAL_SUPPORT"]


def test_each_class_is_sampled_at_its_ratio() -> None:
    pool = [m for m in random_pool(300) if "00" in m.fields]
    outcome = plan_outcome(SEED, plan(pool, entities(40)))
    assert outcome["quotas"] == {"A": [40, 2], "B": [40, 4], "C": [40, 10], "D": [40, 40]}
    drawn = Counter(v[2] for v in outcome["visits"])
    assert drawn == {"A": 2, "B": 4, "C": 10, "D": 40}
    assert all(v[5] == "" and [r for _, r in v[4]] == ROLES for v in outcome["visits"])


def test_visits_spread_over_weekdays_and_nobody_is_double_booked() -> None:
    pool = [m for m in random_pool(300) if "00" in m.fields]
    outcome = plan_outcome(SEED, plan(pool, entities(40)))
    days = {v[3] for v in outcome["visits"]}
    assert all(dt.date.fromisoformat(d).weekday() < 5 for d in days) and len(days) == 10
    per_day: Counter[tuple[str, str]] = Counter()
    per_inspector: Counter[str] = Counter()
    for v in outcome["visits"]:
        for ident, _role in v[4]:
            per_day[(ident, v[3])] += 1
            per_inspector[ident] += 1
    assert max(per_day.values()) == 1
    assert max(per_inspector.values()) <= POLICY_IN.max_visits_per_inspector


def test_conflicted_and_busy_inspectors_are_kept_out() -> None:
    ents = entities(3)
    target = next(e for e in ents if e.credit_class is CreditClass.D)
    consultant = member(
        "Acons000",
        fields=["00"],
        ties={target.uscc: (tie(AffiliationRelation.CONSULTED, "2025-01-01", None),)},
    )
    pool = [consultant, *(member(f"Aok{i:05d}", fields=["00"]) for i in range(6))]
    snap = plan(pool, ents)
    assert snap["conflicts"][0][:3] == ["Acons000", target.uscc, "recusal.consulted"]
    for n in range(15):
        outcome = plan_outcome(bytes([n]) * 32, snap)
        for v in outcome["visits"]:
            if v[1] == target.uscc:
                assert "Acons000" not in {i for i, _ in v[4]}
    every_day = {"Aok00000": [SPEC.start_date + dt.timedelta(days=d) for d in range(12)]}
    outcome = plan_outcome(SEED, plan(pool, ents, every_day))
    assert all("Aok00000" not in {i for i, _ in v[4]} for v in outcome["visits"])


def test_a_plan_is_reproducible_and_verifiable() -> None:
    pool = [m for m in random_pool(200) if "00" in m.fields]
    snap = plan(pool, entities(20))
    body = canonical_json(snap)
    claimed = plan_outcome(SEED, snap)
    assert plan_outcome(SEED, snap) == claimed
    check = verify_draw(
        seed=SEED,
        seed_commitment=commitment(SEED),
        snapshot=body,
        snapshot_sha256=digest(body),
        claimed=claimed,
    )
    assert check.ok, check.problems
    other = plan_outcome(b"\x08" * 32, snap)
    assert other != claimed


def test_too_few_inspectors_leaves_visits_without_a_team_and_says_why() -> None:
    pool = [member("Aonly0001", fields=["00"])]
    outcome = plan_outcome(SEED, plan(pool, entities(1)))
    assert outcome["visits"]
    assert all(v[4] == [] for v in outcome["visits"])
    assert outcome["visits"][0][5] == "only 1 eligible inspectors for a team of 2"


def test_a_laboratory_in_several_fields_is_inspected_by_people_covering_them_all() -> None:
    """The team covers each of the institution's fields (its CMA's and its
    scope items'), even where no single inspector has both."""
    pool = [m for m in random_pool(300) if m.fields in ({"00"}, {"01"})]
    lab = PoolEntity(Province.JS, uscc("91320100MA0000001"), frozenset({"00", "01"}), CreditClass.D)
    snapshot = plan(pool, [lab])
    assert snapshot["format"] == PLAN_FORMAT and snapshot["rules"]["cover_fields"]
    [visit] = plan_outcome(SEED, snapshot)["visits"]
    fields = {
        f for ident, _role in visit[4] for m in pool if m.assessor_id == ident for f in m.fields
    }
    assert visit[5] == "" and fields == {"00", "01"}
    # A plan drawn before teams covered fields re-runs as it was drawn.
    old = {**snapshot, "rules": {k: v for k, v in snapshot["rules"].items() if k != "cover_fields"}}
    assert plan_outcome(SEED, old)["visits"][0][5] == ""


# --- the whole cycle: population, cooldown, high-risk fields, calendar --------------


def test_a_lapsed_institution_is_in_the_population_graded_at_least_c() -> None:
    lapsed = PoolEntity(Province.JS, uscc("91320100MA0000002"), frozenset({"00"}), CreditClass.A)
    policy = POLICY_IN.model_copy(update={"lapsed_class": CreditClass.C})
    suspended = graded(replace(lapsed, standing="SUSPENDED"), policy)
    assert suspended.credit_class is CreditClass.C
    listed = replace(lapsed, standing="EXPIRED", credit_class=CreditClass.D)
    assert graded(listed, policy).credit_class is CreditClass.D
    assert graded(lapsed, policy) is lapsed  # in force: its credit grade


def test_the_cooldown_of_its_class_keeps_a_recently_visited_institution_out() -> None:
    ents = entities(2)
    policy = POLICY_IN.model_copy(update={"cooldown_days": {CreditClass.A: 365, CreditClass.D: 30}})
    a, d = ents[0], ents[-1]
    visited = {a.uscc: dt.date(2026, 3, 1), d.uscc: dt.date(2026, 3, 1)}
    kept, left_out = cooled_down(ents, visited, policy, SPEC.start_date)
    assert a not in kept and d in kept  # D's cooldown (30 days) is over
    assert left_out == [["JS", a.uscc, "A", "cooldown: visited on 2026-03-01 (class A: 365 days)"]]


def test_a_visit_already_planned_in_the_campaign_keeps_the_institution_out() -> None:
    """Whatever its class's cooldown (none for D here): another plan of the
    same weeks already visits it."""
    ents = entities(2)
    policy = POLICY_IN.model_copy(update={"cooldown_days": {}})
    d = ents[-1]
    kept, left_out = cooled_down(ents, {d.uscc: SPEC.start_date}, policy, SPEC.start_date)
    assert d not in kept
    assert left_out == [
        ["JS", d.uscc, d.credit_class.value, f"a visit is already planned on {SPEC.start_date}"]
    ]


def test_high_risk_fields_get_extra_visits_among_those_their_class_left() -> None:
    pool = [m for m in random_pool(300) if "00" in m.fields]
    ents = entities(40)
    policy = POLICY_IN.model_copy(update={"high_risk_fields": {"00": Decimal("0.1")}})
    outcome = plan_outcome(SEED, plan(pool, ents, policy=policy))
    left = 160 - (2 + 4 + 10 + 40)
    assert outcome["field_quotas"] == {"00": [left, quota(left, Decimal("0.1"))]}
    assert len(outcome["visits"]) == 56 + quota(left, Decimal("0.1"))
    assert len({v[1] for v in outcome["visits"]}) == len(outcome["visits"])
    # Without the rule the outcome has no such key (older plans re-run as drawn).
    assert "field_quotas" not in plan_outcome(SEED, plan(pool, ents))


def test_visits_skip_statutory_holidays_and_fall_on_adjusted_working_days() -> None:
    """National Day 2026: 1-7 October off; Sunday 20 September and Saturday
    10 October are adjusted working days (调休)."""
    spec = InspectionSpec(start_date=dt.date(2026, 9, 19), end_date=dt.date(2026, 10, 11))
    days = spec.days(weekdays_only=True)
    assert dt.date(2026, 9, 20) in days and dt.date(2026, 10, 10) in days
    assert not any(dt.date(2026, 10, d) in days for d in range(1, 8))
    assert dt.date(2026, 9, 25) not in days  # Mid-Autumn Festival
    assert dt.date(2026, 9, 19) not in days and dt.date(2026, 10, 11) not in days
    assert "adjusted working days" in workdays.source(spec.start_date, spec.end_date)
    # A year whose schedule is not published yet says so.
    assert "2027 not yet published" in workdays.source(dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    assert workdays.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


# --- enforcement officers (plan format 5) ---------------------------------------------


def _visits(snapshot: dict[str, Any], seed: bytes = SEED) -> list[list[Any]]:
    return list(plan_outcome(seed, snapshot)["visits"])


def test_officers_carry_out_each_visit_led_by_the_laboratorys_authority() -> None:
    """Two officers per visit, the first of the province that qualifies the
    laboratory; assessors join only as technical support, as many as asked."""
    pool = [m for m in random_pool(300) if "00" in m.fields]
    officers = {o.officer_id: o for o in OFFICERS}
    for v in _visits(plan(pool, entities(10))):
        (lead, r0), (second, r1), *support = v[4]
        assert (r0, r1) == ("LEAD_OFFICER", "OFFICER") and "JS" in officers[lead].provinces
        assert second in officers and all(i not in officers for i, _ in support)
    # No technical support asked: officers only.
    alone = plan(pool, entities(10), spec=SPEC.model_copy(update={"technical_support": 0}))
    assert {tuple(r for _, r in v[4]) for v in _visits(alone)} == {("LEAD_OFFICER", "OFFICER")}


def test_officers_of_other_provinces_fill_seats_only_when_the_authoritys_run_out() -> None:
    one_js = [officer("Ojs00000"), *(officer(f"Osh{i:05d}", Province.SH) for i in range(4))]
    [visit] = _visits(plan([], [entities(1)[0]], officers=one_js, spec=_no_support()))
    assert visit[4] == [["Ojs00000", "LEAD_OFFICER"], [visit[4][1][0], "OFFICER"]]
    assert visit[4][1][0].startswith("Osh")
    only_sh = [o for o in one_js if o.officer_id.startswith("Osh")]
    [visit] = _visits(plan([], [entities(1)[0]], officers=only_sh, spec=_no_support()))
    assert visit[4] == [] and visit[5] == "no eligible officer of JS's authority to lead"
    [visit] = _visits(plan([], [entities(1)[0]], officers=one_js[:1], spec=_no_support()))
    assert visit[5] == "only 1 eligible officers for a team of 2"


def _no_support() -> InspectionSpec:
    return SPEC.model_copy(update={"technical_support": 0})


def test_an_officer_takes_part_only_in_good_standing_and_with_a_valid_certificate() -> None:
    suspended = officer("Ojssusp0", status=AssessorStatus.SUSPENDED)
    lapsed = officer("Ojsold00", valid=("2015-01-01", "2020-12-31"))
    ending = officer("Ojsend00", valid=("2020-01-01", "2026-06-03"))
    snap = plan([], entities(6), officers=[suspended, lapsed, ending, *OFFICERS[:4]])
    lines = {line[0]: line for line in snap["officers"]}
    assert lines["Ojssusp0"][4][0] == "status"
    assert lines["Ojsold00"][4][0] == "certificate" and "2020-12-31" in lines["Ojsold00"][4][1]
    assert lines["Ojsend00"][4] is None and lines["Ojsend00"][2:4] == ["2020-01-01", "2026-06-03"]
    for v in _visits(snap):
        seated = {i for i, _ in v[4]}
        assert not seated & {"Ojssusp0", "Ojsold00"}
        if v[3] > "2026-06-03":
            assert "Ojsend00" not in seated


def test_officers_are_recused_like_assessors() -> None:
    lab = entities(1)[0]
    kin = officer(
        "Ojskin00", ties={lab.uscc: (tie(AffiliationRelation.KINSHIP, "2024-01-01", None),)}
    )
    snap = plan([], [lab], officers=[kin, *OFFICERS[:3]], spec=_no_support())
    assert snap["officer_conflicts"][0][:3] == ["Ojskin00", lab.uscc, "recusal.kinship"]
    for n in range(12):
        assert all("Ojskin00" not in {i for i, _ in v[4]} for v in _visits(snap, bytes([n]) * 32))


def test_an_officer_barred_by_one_province_is_barred_in_all() -> None:
    in_js = officer("Oboth000")
    in_sh = officer("Oboth000", Province.SH, status=AssessorStatus.SUSPENDED)
    merged = one_officer([in_js, in_sh])
    assert merged.provinces == ("JS", "SH")
    excluded = officer_standing(merged, SPEC.start_date, SPEC.end_date)
    assert excluded is not None and excluded.detail.startswith("suspended by SH")


def test_plans_drawn_before_officers_re_run_as_drawn() -> None:
    pool = [m for m in random_pool(300) if "00" in m.fields]
    snap = plan(pool, entities(10))
    old = {
        **{k: v for k, v in snap.items() if k not in ("officers", "officer_conflicts")},
        "format": "yrdhub/inspection-plan/4",
    }
    assert all(
        v[5] == "" and [r for _, r in v[4]] == ["INSPECTOR", "INSPECTOR"] for v in _visits(old)
    )
