"""Enforcement officers (执法检查人员) on random inspections, from plan format 5.

Inspections are carried out by officers who hold a law-enforcement
certificate valid on the day, at least two per visit (the inspection policy's
officers_per_visit), led by an officer of the authority that supervises the
laboratory: the province that qualifies it. Assessors join only as technical
support, as many per visit as the plan asks (InspectionSpec.technical_support).

Officers are matched as pool members (core.assessors.PoolMember, their
officer_id as the id, no employer and no fields), so the recusal rules and
one_person apply to them as to assessors: a suspension by any province that
registers an officer bars them everywhere, and declared ties, the
laboratory's group and rotation recuse them.

In the snapshot each officer is a line [id, [provinces registering them],
certificate valid from, until, exclusion or null]; the seating, per visit:
the lead is the officer of the laboratory's province, then every other seat
the officer of that province before those of other provinces, each time the
one with the fewest assignments (recent ones and this plan's visits so far),
then the smallest SHA-256(seed || "visit:<n>:officer:" || id); an officer
takes part only on days their certificate is valid, not busy, under the
plan's cap of visits per person and not in conflict with the laboratory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from services.core.assessors import Exclusion, PoolMember, one_person, standing
from services.core.draws import Pick, Role, Seating, rank


@dataclass(frozen=True, slots=True)
class Officer:
    """An officer as plans match them: the person (one across provinces) and
    the span their certificates cover."""

    member: PoolMember
    certificate_from: dt.date
    certificate_until: dt.date

    @property
    def officer_id(self) -> str:
        return self.member.assessor_id

    @property
    def provinces(self) -> tuple[str, ...]:
        registered = self.member.registered_by or (self.member.province,)
        return tuple(sorted(p.value for p in registered))


def one_officer(registrations: Sequence[Officer]) -> Officer:
    """One officer registered by several provinces: a bar in one bars them in
    all (core.assessors.one_person), and their certificates' span is the
    widest any registration gives."""
    if len(registrations) == 1:
        return registrations[0]
    member = one_person([r.member for r in registrations])
    return Officer(
        member,
        min(r.certificate_from for r in registrations),
        max(r.certificate_until for r in registrations),
    )


def officer_standing(officer: Officer, start: dt.date, end: dt.date) -> Exclusion | None:
    """Why the officer takes no part in a campaign from start to end, if so:
    their status, or a certificate not valid on any of its days."""
    barred = standing(officer.member)
    if barred is not None:
        return barred
    if officer.certificate_until < start or officer.certificate_from > end:
        return Exclusion(
            "certificate",
            f"law-enforcement certificate valid {officer.certificate_from.isoformat()} to "
            f"{officer.certificate_until.isoformat()}, not during the campaign",
        )
    return None


def officer_line(officer: Officer, excluded: Exclusion | None) -> list[Any]:
    return [
        officer.officer_id,
        list(officer.provinces),
        officer.certificate_from.isoformat(),
        officer.certificate_until.isoformat(),
        None if excluded is None else [excluded.reason, excluded.detail],
    ]


def serving_for(provinces: Iterable[str], visit_province: str) -> str:
    """The province an officer serves a visit for: the visit's, when it is one
    of those registering them, else the first of those."""
    held = sorted(provinces)
    return visit_province if visit_province in held else held[0]


@dataclass(frozen=True, slots=True)
class OfficerCandidate:
    """An officer line of the snapshot, not excluded."""

    officer_id: str
    provinces: frozenset[str]
    valid_from: str  # ISO dates compare as strings
    valid_until: str


def officer_candidates(snapshot: Mapping[str, Any]) -> list[OfficerCandidate]:
    return [
        OfficerCandidate(ident, frozenset(provinces), first, last)
        for ident, provinces, first, last, excluded in snapshot.get("officers", ())
        if excluded is None
    ]


def seat_officers(
    seed: bytes,
    *,
    visit: int,
    province: str,
    day: str,
    candidates: Sequence[OfficerCandidate],
    unavailable: Set[str],
    prior: Mapping[str, int],
    visits: Mapping[str, int],
    cap: int,
    size: int,
) -> Seating:
    """A visit's officers: the lead of the laboratory's province, then `size` - 1
    more. `unavailable`: ids busy that day or in conflict with the
    laboratory; `prior`: each id's recent assignments before the plan,
    `visits`: its visits in the plan so far, at most `cap`."""
    label = f"visit:{visit}:officer:"
    fit = [
        c
        for c in candidates
        if c.officer_id not in unavailable
        and visits.get(c.officer_id, 0) < cap
        and c.valid_from <= day <= c.valid_until
    ]

    def key(c: OfficerCandidate) -> tuple[bool, int, bytes]:
        return (
            province not in c.provinces,
            prior.get(c.officer_id, 0) + visits.get(c.officer_id, 0),
            rank(seed, label, c.officer_id),
        )

    ordered = sorted(fit, key=key)
    if not ordered or province not in ordered[0].provinces:
        return Seating((), f"no eligible officer of {province}'s authority to lead")
    picks = [Pick(ordered[0].officer_id, province, Role.LEAD_OFFICER)]
    picks += [
        Pick(c.officer_id, serving_for(c.provinces, province), Role.OFFICER)
        for c in ordered[1:size]
    ]
    if len(picks) < size:
        return Seating(tuple(picks), f"only {len(picks)} eligible officers for a team of {size}")
    return Seating(tuple(picks))
