"""The assessor pool: who may sit on a review, and why someone may not.

A candidate is an assessor qualified in at least one requested field. A
candidate is eligible when active (or reinstated), available, free on the
review's dates and free of every conflict of interest the recusal policy
names. Every exclusion carries a stable reason code and a human-readable
detail, so officials can see why each candidate was left out.

The types here are plain slotted dataclasses, not pydantic models: the draw
screens thousands of candidates per request and must stay within a few
milliseconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.core.provinces import Province
from services.core.records import AffiliationRelation, AssessorLevel, AssessorStatus

ELIGIBLE_STATUSES = frozenset({AssessorStatus.ACTIVE, AssessorStatus.REINSTATED})

LEVEL_CODES = {
    AssessorLevel.TEAM_LEADER: "L",
    AssessorLevel.ASSESSOR: "A",
    AssessorLevel.TECHNICAL_EXPERT: "E",
}
"""One-letter level codes used in snapshots (they repeat thousands of times)."""


class RecusalPolicy(BaseModel):
    """Conflict-of-interest rules; local policy, so configuration, not code.

    Loaded from a TOML file (services/registry/policy/recusal-v1.toml by
    default). A window of N years reaches back N years before the review's
    first day; 0 means ties that overlap the review itself.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Annotated[str, Field(min_length=1, max_length=64)]
    employment_years: int = Field(default=3, ge=0, le=50)
    consulting_years: int = Field(default=3, ge=0, le=50)
    # The candidate's current employer is the institution under review.
    same_employer: bool = True
    # Avoid assessors whose home province is the institution's province.
    same_province: bool = False
    # Avoid assessors who reviewed or inspected the institution within N years
    # (0: no such rule).
    reviewed_within_years: int = Field(default=0, ge=0, le=50)
    # Ties the person declares: a close relative at the institution, shares in it.
    kinship_years: int = Field(default=3, ge=0, le=50)
    shareholding_years: int = Field(default=3, ge=0, le=50)
    # Ties to another company of the institution's group (parent, branches)
    # count as ties to the institution.
    same_group: bool = True
    # Avoid assessors employed by a competitor: a laboratory registered in the
    # same city (USCC characters 3-6) working in a field of the institution's.
    competitors: bool = True
    # Rotation: nobody sits on two reviews of one institution in a row.
    rotation: bool = True
    # Province load is counted over assignments starting this many days back.
    load_lookback_days: int = Field(default=365, ge=1, le=3650)
    # Among a province's candidates who fit a seat, the one with the fewest
    # assignments starting this many days back sits first.
    person_load_days: int = Field(default=365, ge=1, le=3650)
    # Longest review a team can be booked for.
    max_assignment_days: int = Field(default=31, ge=1, le=366)
    default_team_size: int = Field(default=2, ge=1, le=20)

    def tie_years(self, relation: AffiliationRelation) -> int:
        """How many years back a tie of this kind still recuses."""
        return {
            AffiliationRelation.EMPLOYED: self.employment_years,
            AffiliationRelation.CONSULTED: self.consulting_years,
            AffiliationRelation.KINSHIP: self.kinship_years,
            AffiliationRelation.SHAREHOLDING: self.shareholding_years,
        }[relation]


@dataclass(frozen=True, slots=True)
class Tie:
    """A dated tie to an organization; until None while it lasts."""

    relation: AffiliationRelation
    since: dt.date
    until: dt.date | None


@dataclass(frozen=True, slots=True)
class PoolMember:
    """An assessor as the pool matches them (built from the pseudonymous record)."""

    assessor_id: str
    province: Province
    employer_uscc: str
    level: AssessorLevel
    fields: frozenset[str]
    status: AssessorStatus
    status_reason: str = ""
    available: bool = True
    # Ties by organization USCC, for a lookup per candidate instead of a scan.
    ties: Mapping[str, tuple[Tie, ...]] = field(default_factory=dict)
    unavailable: tuple[tuple[dt.date, dt.date], ...] = ()
    # Reviews made outside the hub, by institution USCC.
    reviewed: Mapping[str, tuple[dt.date, ...]] = field(default_factory=dict)
    # The province whose registration gave the status, when the person is
    # registered by several (one_person); None: their only one.
    status_source: Province | None = None
    # Every province that registers the person.
    registered_by: tuple[Province, ...] = ()


@dataclass(frozen=True, slots=True)
class Exclusion:
    reason: str
    detail: str


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True, slots=True)
class Surroundings:
    """What the registry knows around an institution under review, for recusal."""

    # The other companies of its group: its parent, the parent's other
    # branches, its own branches.
    group: frozenset[str] = frozenset()
    # Competitors: laboratories registered in its city working in one of its fields.
    rivals: frozenset[str] = frozenset()
    # Who sat on its last review before this one (rotation).
    previous_team: frozenset[str] = frozenset()
    # Assessors the institution asked to be spared, with its reason.
    requested: Mapping[str, str] = field(default_factory=dict)


NOTHING_AROUND = Surroundings()


@dataclass(frozen=True, slots=True)
class Review:
    """One review (or visit) to screen candidates for, with the policy's windows
    worked out once instead of per candidate."""

    institution_uscc: str
    institution_province: Province
    start: dt.date
    end: dt.date
    policy: RecusalPolicy
    reviewed_from: dt.date | None
    # What the registry knows around the institution (see Surroundings).
    around: Surroundings
    # Each tie relation's window start.
    windows: Mapping[AffiliationRelation, dt.date]

    @classmethod
    def of(
        cls,
        institution_uscc: str,
        institution_province: Province,
        start: dt.date,
        end: dt.date,
        policy: RecusalPolicy,
        around: Surroundings | None = None,
    ) -> Review:
        windows = {r: years_before(start, policy.tie_years(r)) for r in AffiliationRelation}
        return cls(
            institution_uscc,
            institution_province,
            start,
            end,
            policy,
            years_before(start, policy.reviewed_within_years)
            if policy.reviewed_within_years
            else None,
            around or NOTHING_AROUND,
            windows,
        )

    @property
    def related(self) -> frozenset[str]:
        """Every organization a tie to which may conflict: the institution, its
        group's companies and (by employment) its competitors."""
        return frozenset({self.institution_uscc, *self.around.group, *self.around.rivals})


def standing(member: PoolMember) -> Exclusion | None:
    """Exclusions that hold whatever the review: status and the availability flag."""
    if member.status not in ELIGIBLE_STATUSES:
        reason = f": {member.status_reason}" if member.status_reason else ""
        source = member.status_source or member.province
        return Exclusion("status", f"{member.status.value.lower()} by {source.value}{reason}")
    if not member.available:
        source = member.status_source or member.province
        return Exclusion("not_available", f"marked unavailable by {source.value}")
    return None


# Which registration's status the person has, when several provinces register
# them: a bar anywhere bars them everywhere, the harshest first.
_BAR_ORDER = {
    AssessorStatus.REVOKED: 0,
    AssessorStatus.SUSPENDED: 1,
    AssessorStatus.REINSTATED: 2,
    AssessorStatus.ACTIVE: 3,
}


def one_person(registrations: Sequence[PoolMember]) -> PoolMember:
    """One person registered by several provinces (one pseudonymous id), as the
    pool matches them: a suspension or revocation by any province bars them
    everywhere (status_source names it), unavailability anywhere makes them
    unavailable, and every registration's fields, periods, ties and reviews
    count (another province's employer is an employment tie, for recusal).
    The first province in code order gives the rest (home province, level)."""
    if len(registrations) == 1:
        return registrations[0]
    ordered = sorted(registrations, key=lambda m: m.province.value)
    first = ordered[0]
    barred = min(ordered, key=lambda m: (_BAR_ORDER[m.status], m.province.value))
    unavailable = next((m for m in ordered if not m.available), None)
    source = barred if barred.status not in ELIGIBLE_STATUSES else unavailable
    ties: dict[str, list[Tie]] = {}
    reviewed: dict[str, set[dt.date]] = {}
    for m in ordered:
        for org, held in m.ties.items():
            ties.setdefault(org, []).extend(held)
        for org, days in m.reviewed.items():
            reviewed.setdefault(org, set()).update(days)
        if m.employer_uscc != first.employer_uscc:
            ties.setdefault(m.employer_uscc, []).append(
                Tie(AffiliationRelation.EMPLOYED, dt.date.min, None)
            )
    return PoolMember(
        first.assessor_id,
        first.province,
        first.employer_uscc,
        first.level,
        frozenset().union(*(m.fields for m in ordered)),
        barred.status,
        barred.status_reason,
        unavailable is None,
        {org: tuple(held) for org, held in ties.items()},
        tuple(sorted({p for m in ordered for p in m.unavailable})),
        {org: tuple(sorted(days)) for org, days in reviewed.items()},
        None if source is None else source.province,
        tuple(m.province for m in ordered),
    )


def unavailable_during(
    member: PoolMember, start: dt.date, end: dt.date
) -> tuple[dt.date, dt.date] | None:
    for first, last in member.unavailable:
        if first <= end and last >= start:
            return first, last
    return None


_TIE_REASON = {
    AffiliationRelation.EMPLOYED: ("recusal.employed", "employed by"),
    AffiliationRelation.CONSULTED: ("recusal.consulted", "consulted for"),
    AffiliationRelation.KINSHIP: ("recusal.kinship", "declared a close relative at"),
    AffiliationRelation.SHAREHOLDING: ("recusal.shareholding", "declared shares in"),
}


def _tie(member: PoolMember, org: str, review: Review) -> tuple[Tie, str] | None:
    """A tie of the member to `org` within its relation's window, and the
    window's length in years."""
    for tie in member.ties.get(org, ()):
        if tie.since > review.end:
            continue
        if tie.until is None or tie.until >= review.windows[tie.relation]:
            return tie, f"within {review.policy.tie_years(tie.relation)} years"
    return None


def _tie_exclusion(tie: Tie, org: str, within: str, of_group: str = "") -> Exclusion:
    code, words = _TIE_REASON[tie.relation]
    if of_group:
        code = "recusal.same_group"
    if tie.since == dt.date.min:
        return Exclusion(code, f"{words} {org}{of_group} (another province's registration)")
    until = tie.until.isoformat() if tie.until else "now"
    return Exclusion(
        code, f"{words} {org}{of_group} from {tie.since.isoformat()} to {until} ({within})"
    )


def conflict(
    member: PoolMember,
    review: Review,
    hub_reviews: Mapping[str, Sequence[dt.date]] | None = None,
) -> Exclusion | None:
    """The first conflict of interest between the member and the institution, if any.

    hub_reviews: start dates of assignments the hub itself made for this
    institution, by assessor id (the record's own history covers the rest).
    """
    policy = review.policy
    uscc = review.institution_uscc
    around = review.around
    if policy.same_employer and member.employer_uscc == uscc:
        return Exclusion("recusal.same_employer", f"currently employed by {uscc}")
    found = _tie(member, uscc, review)
    if found is not None:
        return _tie_exclusion(found[0], uscc, found[1])
    if policy.same_group:
        for org in sorted(around.group):
            if member.employer_uscc == org:
                return Exclusion(
                    "recusal.same_group", f"currently employed by {org}, of {uscc}'s group"
                )
            found = _tie(member, org, review)
            if found is not None:
                return _tie_exclusion(found[0], org, found[1], f", of {uscc}'s group")
    if policy.competitors and member.employer_uscc in around.rivals:
        return Exclusion(
            "recusal.competitor",
            f"employed by {member.employer_uscc}, a laboratory in {uscc}'s city and field",
        )
    reason = around.requested.get(member.assessor_id)
    if reason is not None:
        return Exclusion("recusal.requested", f"{uscc} asked for recusal: {reason}")
    if policy.rotation and member.assessor_id in around.previous_team:
        return Exclusion("recusal.rotation", f"sat on {uscc}'s last review")
    if policy.same_province and member.province is review.institution_province:
        return Exclusion(
            "recusal.same_province",
            f"home province {member.province.value} is the institution's province",
        )
    if review.reviewed_from is not None:
        since = review.reviewed_from
        dates = list(member.reviewed.get(uscc, ()))
        if hub_reviews is not None:
            dates.extend(hub_reviews.get(member.assessor_id, ()))
        recent = [d for d in dates if since <= d <= review.end]
        if recent:
            return Exclusion(
                "recusal.reviewed_recently",
                f"reviewed {uscc} on {max(recent).isoformat()} "
                f"(within {policy.reviewed_within_years} years)",
            )
    return None


def screen(
    member: PoolMember,
    review: Review,
    booked: Set[str],
    hub_reviews: Mapping[str, Sequence[dt.date]] | None = None,
) -> Exclusion | None:
    """Why the member cannot sit on this review, or None if they can.

    booked: ids of assessors already assigned on dates overlapping the review.
    The most basic reason wins: standing, then dates, then conflicts.
    """
    excluded = standing(member)
    if excluded is not None:
        return excluded
    period = unavailable_during(member, review.start, review.end)
    if period is not None:
        return Exclusion(
            "unavailable_period",
            f"unavailable from {period[0].isoformat()} to {period[1].isoformat()}",
        )
    if member.assessor_id in booked:
        return Exclusion("booked", "already assigned on overlapping dates")
    return conflict(member, review, hub_reviews)
