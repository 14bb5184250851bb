"""Re-running a random inspection plan from its seed and snapshot: which
institutions each credit class (and each high-risk field) yields, the visit
days, and each visit's team (services.core.inspections has the snapshot,
services.core.officers the officers' seating)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Any

from services.core.draws import Entrant, Pick, Role, Seating, loads_of, person_loads_of, rank
from services.core.officers import officer_candidates, seat_officers
from services.core.risk import CreditClass
from services.core.seating import seat_inspectors


def quota(pool: int, ratio: Decimal) -> int:
    """ceil(pool x ratio): a class with any institution and a non-zero ratio gets a visit."""
    return min(pool, int((ratio * pool).to_integral_value(rounding=ROUND_CEILING)))


def plan_outcome(seed: bytes, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Re-runs a plan from its seed and snapshot.

    {"quotas": {class: [pool, drawn]}, "visits": [[province, uscc, class, day,
    [[id, role], ...], failure], ...]}, visits in draw order.
    """
    rules = snapshot["rules"]
    days: list[str] = rules["days"]
    loads = loads_of(snapshot)
    by_class: dict[str, list[tuple[bytes, list[Any]]]] = {c.value: [] for c in CreditClass}
    for entity in snapshot["entities"]:
        province, uscc, grade = entity[:3]
        by_class[grade].append((rank(seed, "entity:", f"{province}:{uscc}"), entity[:4]))
    quotas: dict[str, list[int]] = {}
    chosen: list[tuple[bytes, list[Any]]] = []
    rest: list[tuple[bytes, list[Any]]] = []
    for grade, ranked in by_class.items():
        n = quota(len(ranked), Decimal(rules["ratios"][grade]))
        quotas[grade] = [len(ranked), n]
        ordered = sorted(ranked, key=lambda item: item[0])
        chosen.extend(ordered[:n])
        rest.extend(ordered[n:])
    # Extra sampling for high-risk fields, among those their class left.
    field_quotas: dict[str, list[int]] = {}
    for field, ratio in sorted(rules.get("high_risk_fields", {}).items()):
        working = sorted((item for item in rest if field in item[1][3]), key=lambda i: i[0])
        n = quota(len(working), Decimal(ratio))
        field_quotas[field] = [len(working), n]
        taken = {id(item) for item in working[:n]}
        chosen.extend(working[:n])
        rest = [item for item in rest if id(item) not in taken]
    extra = {"field_quotas": field_quotas} if field_quotas else {}
    chosen.sort(key=lambda item: item[0])
    if chosen and not days:
        return {
            "quotas": quotas,
            **extra,
            "visits": [],
            "failure": "the campaign has no working day",
        }

    inspectors = [
        (ident, province, level, frozenset(fields))
        for ident, province, level, fields, excluded in snapshot["inspectors"]
        if excluded is None
    ]
    busy: dict[str, set[str]] = {}
    for ident, taken in snapshot["busy"].items():
        for day in taken:
            busy.setdefault(day, set()).add(ident)
    conflicts = {(ident, uscc) for ident, uscc, _reason, _detail in snapshot["conflicts"]}
    # From format 5: officers carry visits out, assessors are technical support.
    with_officers = "officers" in snapshot
    officers = officer_candidates(snapshot)
    recused: dict[str, set[str]] = {}
    for ident, uscc, _reason, _detail in snapshot.get("officer_conflicts", ()):
        recused.setdefault(uscc, set()).add(ident)
    # Recent assignments and this plan's visits so far: the fewest sit first.
    visits_of: dict[str, int] = {}
    prior = person_loads_of(snapshot)
    cap = int(rules["max_visits_per_inspector"])
    visits: list[list[Any]] = []
    for index, (_key, (province, uscc, grade, fields)) in enumerate(chosen):
        day = days[index % len(days)]
        taken_today = busy.setdefault(day, set())
        wanted = set(fields)
        entrants = [
            Entrant.of(ident, home, level, have)
            for ident, home, level, have in inspectors
            if ident not in taken_today
            and visits_of.get(ident, 0) < cap
            and (ident, uscc) not in conflicts
            and not (rules["same_province"] and home == province)
            and not (rules["match_fields"] and wanted and not (have & wanted))
        ]
        seated: tuple[Pick, ...] = ()
        support = int(snapshot["spec"].get("technical_support", 0))
        if with_officers:
            led = seat_officers(
                seed,
                visit=index,
                province=province,
                day=day,
                candidates=officers,
                unavailable=taken_today | recused.get(uscc, set()),
                prior=prior,
                visits=visits_of,
                cap=cap,
                size=int(rules["officers_per_visit"]),
            )
            seated = led.picks
            picked = {p.assessor_id for p in seated}
            entrants = [e for e in entrants if e.assessor_id not in picked]
        seating = (
            seat_inspectors(
                seed,
                entrants,
                visit=index,
                size=support if with_officers else int(rules["team_size"]),
                leader=bool(rules["leader"]) and not with_officers,
                loads=loads,
                person_loads={
                    e.assessor_id: prior.get(e.assessor_id, 0) + visits_of.get(e.assessor_id, 0)
                    for e in entrants
                },
                fields=sorted(wanted) if rules.get("cover_fields") else (),
            )
            if not with_officers or (support and not led.failure)
            else Seating(())
        )
        if with_officers:
            role = Role.TECHNICAL_SUPPORT
            support_picks = tuple(Pick(p.assessor_id, p.province, role) for p in seating.picks)
            seating = Seating(seated + support_picks, led.failure or seating.failure)
        team: list[list[str]] = []
        if not seating.failure:
            for pick in seating.picks:
                team.append([pick.assessor_id, pick.role.value])
                taken_today.add(pick.assessor_id)
                visits_of[pick.assessor_id] = visits_of.get(pick.assessor_id, 0) + 1
        visits.append([province, uscc, grade, day, team, seating.failure])
    return {"quotas": quotas, **extra, "visits": visits, "failure": ""}
