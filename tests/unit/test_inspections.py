"""Random inspection plans: credit classes, ratios per class, recusal, reproducibility."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from services.core import workdays
from services.core.credit_grades import CreditFact, credit_class
from services.core.draws import PROVINCE_ORDER, Load, canonical_json, commitment, digest
from services.core.inspections import (
    PLAN_FORMAT,
    InspectionPolicy,
    InspectionSpec,
    PoolEntity,
    cooled_down,
    graded,
    plan_conflicts,
    plan_outcome,
    plan_snapshot,
    quota,
)
from services.core.provinces import Province
from services.core.records import AffiliationRelation, CreditAction, CreditListType
from services.core.risk import CreditClass
from services.core.verify import verify_draw
from services.registry.pool.policies import load_inspection, load_recusal
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
    return CreditFact(
        province,
        list_type,
        action,
        dt.date.fromisoformat(since),
        dt.date.fromisoformat(until) if until else None,
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
SPEC = InspectionSpec(start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 12))


def plan(
    pool: list[Any],
    ents: list[PoolEntity],
    busy: dict[str, list[dt.date]] | None = None,
    policy: InspectionPolicy = POLICY_IN,
) -> dict[str, Any]:
    loads = {p: Load(0, 50) for p in PROVINCE_ORDER}
    conflicts = plan_conflicts(pool, ents, SPEC, POLICY, {})
    return plan_snapshot(
        SPEC, POLICY, policy, loads, ents, [(m, None) for m in pool], busy or {}, conflicts
    )


def test_each_class_is_sampled_at_its_ratio() -> None:
    pool = [m for m in random_pool(300) if "00" in m.fields]
    outcome = plan_outcome(SEED, plan(pool, entities(40)))
    assert outcome["quotas"] == {"A": [40, 2], "B": [40, 4], "C": [40, 10], "D": [40, 40]}
    drawn = Counter(v[2] for v in outcome["visits"])
    assert drawn == {"A": 2, "B": 4, "C": 10, "D": 40}
    assert all(v[5] == "" and len(v[4]) == 2 for v in outcome["visits"])


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
