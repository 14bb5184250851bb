"""Inspection plans: what a plan is drawn from, and the assignments a drawn plan books."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from services.core.assessors import (
    Exclusion,
    PoolMember,
    RecusalPolicy,
    unavailable_during,
)
from services.core.draws import DrawKind, Load, Role
from services.core.inspections import (
    InspectionPolicy,
    InspectionSpec,
    cooled_down,
    graded,
    plan_conflicts,
    plan_snapshot,
)
from services.core.officers import officer_standing, serving_for
from services.registry.pool.recusal import surroundings
from services.registry.pool.rows import booking
from services.registry.pool.store import PoolStore
from services.registry.pool.tables import AssignmentRow
from services.registry.pool.view import Pool, PoolView


def plan_snapshot_of(
    spec: InspectionSpec,
    pool: Pool,
    view: PoolView,
    store: PoolStore,
    recusal: RecusalPolicy,
    inspection: InspectionPolicy,
    loads: Mapping[str, Load],
) -> dict[str, Any]:
    """What a plan is drawn from: the institutions to inspect, every inspector
    with its standing, their busy days and conflicts, the rules and the loads."""
    lapsed_since = (
        spec.start_date - dt.timedelta(days=inspection.lapsed_days)
        if inspection.lapsed_days
        else None
    )
    population = [
        graded(e, inspection)
        for e in view.institutions(
            spec.provinces,
            spec.fields,
            spec.start_date,
            inspection.credit_recent_years,
            lapsed_since,
        )
    ]
    # Visits already planned within the campaign count too: two plans over
    # the same weeks would otherwise visit one laboratory twice in days.
    visited = store.last_visits({e.uscc for e in population}, spec.end_date + dt.timedelta(days=1))
    entities, left_out = cooled_down(population, visited, inspection, spec.start_date)
    inspectors: list[tuple[PoolMember, Exclusion | None]] = [
        (e.member, e.standing) for e in pool.entries
    ]
    busy: dict[str, set[dt.date]] = {
        ident: set(days)
        for ident, days in store.booked_days(spec.start_date, spec.end_date).items()
    }
    for m, excluded in inspectors:
        if excluded is None:
            _mark_unavailable(m, spec, busy)
    officers = [
        (o, officer_standing(o, spec.start_date, spec.end_date)) for o in view.officers.current()
    ]
    for o, excluded in officers:
        if excluded is None:
            _mark_unavailable(o.member, spec, busy)
    hub_reviews = (
        store.hub_reviews({e.uscc for e in entities}) if recusal.reviewed_within_years else {}
    )
    around = surroundings(
        ((e.uscc, e.fields) for e in entities),
        spec.start_date,
        recusal,
        view.institution_index,
        store,
    )
    conflicts = plan_conflicts(
        [m for m, excluded in inspectors if excluded is None],
        entities,
        spec,
        recusal,
        hub_reviews,
        around,
    )
    officer_conflicts = plan_conflicts(
        [o.member for o, excluded in officers if excluded is None],
        entities,
        spec,
        recusal,
        hub_reviews,
        around,
    )
    return plan_snapshot(
        spec,
        recusal,
        inspection,
        loads,
        entities,
        inspectors,
        {k: sorted(v) for k, v in busy.items()},
        conflicts,
        store.person_loads_since(spec.start_date - dt.timedelta(days=recusal.person_load_days)),
        left_out,
        officers,
        officer_conflicts,
    )


def _mark_unavailable(m: PoolMember, spec: InspectionSpec, busy: dict[str, set[dt.date]]) -> None:
    """The campaign's days the person declared unavailable, as busy days."""
    if unavailable_during(m, spec.start_date, spec.end_date):
        for first, last in m.unavailable:
            day = max(first, spec.start_date)
            while day <= min(last, spec.end_date):
                busy.setdefault(m.assessor_id, set()).add(day)
                day += dt.timedelta(days=1)


def plan_assignments(
    draw_id: str,
    spec: InspectionSpec,
    outcome: Mapping[str, Any],
    snapshot: Mapping[str, Any],
    now: dt.datetime,
) -> list[AssignmentRow]:
    """One assignment per inspector and visit day of a drawn plan."""
    home = {i[0]: i[1] for i in snapshot["inspectors"]}
    officers = {o[0]: o[1] for o in snapshot.get("officers", ())}
    rows = []
    for province, uscc, _grade, day, team, _failure in outcome["visits"]:
        date = dt.date.fromisoformat(day)
        for ident, role in team:
            home_province = (
                serving_for(officers[ident], province) if ident in officers else home[ident]
            )
            rows.append(
                booking(
                    draw_id,
                    DrawKind.INSPECTION_PLAN,
                    (ident, home_province, Role(role)),
                    (uscc, province),
                    (date, date),
                    spec.reference,
                    now,
                )
            )
    return rows
