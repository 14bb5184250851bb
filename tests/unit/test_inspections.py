"""Random inspection plans: credit classes, ratios per class, recusal, reproducibility."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from services.core.draws import PROVINCE_ORDER, Load, canonical_json, commitment, digest
from services.core.inspections import (
    PLAN_FORMAT,
    CreditClass,
    CreditFact,
    InspectionPolicy,
    InspectionSpec,
    PoolEntity,
    credit_class,
    plan_conflicts,
    plan_outcome,
    plan_snapshot,
    quota,
)
from services.core.provinces import Province
from services.core.records import AffiliationRelation, CreditAction, CreditListType
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
