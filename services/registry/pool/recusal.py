"""What recusal needs around the institution of a team request, as the policy
asks for it: its group of companies and competitors (from the registry's
qualifications), who sat on its last review, and whom it asked to spare."""

from __future__ import annotations

from services.core.assessors import RecusalPolicy, Surroundings
from services.core.team_requests import TeamSpec
from services.registry.pool.history import BookingHistory
from services.registry.pool.institutions import InstitutionIndex


def surroundings(
    spec: TeamSpec, policy: RecusalPolicy, index: InstitutionIndex, history: BookingHistory
) -> Surroundings:
    uscc = spec.institution_uscc
    group = index.group_of(uscc) if policy.same_group else frozenset()
    return Surroundings(
        group=group,
        rivals=(
            index.rivals_of(uscc, spec.fields, spec.start_date, group)
            if policy.competitors
            else frozenset()
        ),
        previous_team=(
            history.previous_team(uscc, spec.start_date) if policy.rotation else frozenset()
        ),
        requested={r.assessor_id: r.reason for r in spec.recusals},
    )
