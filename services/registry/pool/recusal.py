"""What recusal needs around the institutions of a team request or an
inspection plan, as the policy asks for it: their groups of companies and
competitors (from the registry's qualifications) and who sat on their last
review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

from services.core.assessors import RecusalPolicy, Surroundings
from services.core.team_requests import TeamSpec
from services.registry.pool.history import BookingHistory
from services.registry.pool.institutions import InstitutionIndex


def surroundings(
    institutions: Iterable[tuple[str, frozenset[str]]],
    start: dt.date,
    policy: RecusalPolicy,
    index: InstitutionIndex,
    history: BookingHistory,
) -> dict[str, Surroundings]:
    """By USCC, each institution's (USCC, fields) surroundings for a review or
    visit starting on `start`."""
    wanted = list(institutions)
    near = index.neighbourhoods(wanted, start) if policy.same_group or policy.competitors else {}
    last = history.previous_teams({u for u, _ in wanted}, start) if policy.rotation else {}
    nobody: frozenset[str] = frozenset()
    around = {}
    for uscc, _fields in wanted:
        group, rivals = near.get(uscc, (nobody, nobody))
        around[uscc] = Surroundings(
            group=group if policy.same_group else nobody,
            rivals=rivals if policy.competitors else nobody,
            previous_team=last.get(uscc, nobody),
        )
    return around


def for_team(
    spec: TeamSpec, policy: RecusalPolicy, index: InstitutionIndex, history: BookingHistory
) -> Surroundings:
    """A team request's institution's surroundings, with whom it asked to spare."""
    uscc = spec.institution_uscc
    near = surroundings([(uscc, frozenset(spec.fields))], spec.start_date, policy, index, history)
    return replace(near[uscc], requested={r.assessor_id: r.reason for r in spec.recusals})
