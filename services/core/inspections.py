"""Random inspection plans (双随机): draw institutions, then inspectors, both at random.

Institutions are graded A-D by credit risk from the credit events the
provinces publish; each grade is sampled at its own ratio from configuration
(ratios are local policy). Each drawn institution gets a visit day spread over
the campaign and a team drawn from the assessor pool with the same recusal
rules and the same commit-snapshot-reveal discipline as review teams.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from services.core import workdays
from services.core.assessors import (
    LEVEL_CODES,
    Exclusion,
    PoolMember,
    RecusalPolicy,
    Review,
    Surroundings,
    conflict,
)
from services.core.draws import (
    NO_PERSON_LOADS,
    PROVINCE_ORDER,
    Load,
)
from services.core.errors import InvalidRequest, Violation, violations_of
from services.core.fields import TODAY, FieldCode, OptionalText, RequiredDate, not_before, not_past
from services.core.officers import Officer, officer_line
from services.core.provinces import Province
from services.core.records import DomainModel
from services.core.risk import CreditClass
from services.core.workdays import working_days

# Version 2 added person_loads; a version 1 snapshot has none. Version 3 added
# rules.cover_fields (teams cover each of the institution's fields), version 4
# rules.high_risk_fields, each entity's standing and the institutions the
# cooldown left out; version 5 enforcement officers (core.officers), with
# assessors only as technical support. Older snapshots re-run without them, as
# they were drawn.
PLAN_FORMAT = "yrdhub/inspection-plan/5"
PLAN_FORMATS = frozenset({f"yrdhub/inspection-plan/{n}" for n in range(1, 6)})
MAX_PLAN_DAYS = 366


def _ratio(value: Any) -> Any:
    # Through str: the TOML float 0.03 must mean exactly 3/100, not its binary neighbour.
    return Decimal(str(value)) if isinstance(value, int | float) else value


Ratio = Annotated[Decimal, BeforeValidator(_ratio), Field(ge=0, le=1)]


class InspectionPolicy(BaseModel):
    """Sampling ratios per credit class and the shape of inspection teams.

    Loaded from a TOML file (services/registry/policy/inspection-v1.toml by default).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Annotated[str, Field(min_length=1, max_length=64)]
    ratios: dict[CreditClass, Ratio]
    # Officers per visit (at least two, the first leading); team_size and
    # leader shaped assessor teams in plans before format 5.
    officers_per_visit: int = Field(default=2, ge=2, le=10)
    team_size: int = Field(default=2, ge=1, le=10)
    leader: bool = False
    max_visits_per_inspector: int = Field(default=3, ge=1, le=100)
    # Inspectors must share a CMA field with the institution.
    match_fields: bool = True
    # Visits on working days only: statutory holidays off and adjusted working
    # days (调休) on, from a maintained calendar (core.workdays).
    weekdays_only: bool = True
    # A listing closed within this many years keeps an institution in class B.
    credit_recent_years: int = Field(default=2, ge=0, le=20)
    # Per class, the days after a visit before the institution may be drawn
    # again: the per-institution cooldown, and so the most often each class
    # is inspected (a class left out: no cooldown).
    cooldown_days: dict[CreditClass, int] = Field(default_factory=dict)
    # Institutions whose qualification lapsed (suspended, expired or
    # cancelled) within this many days are in the population too, the ones most
    # at risk of reporting without a qualification (0: only those in force),
    # graded at least lapsed_class.
    lapsed_days: int = Field(default=365, ge=0, le=3650)
    lapsed_class: CreditClass = CreditClass.C
    # Extra sampling for high-risk fields: of the institutions working in the
    # field and not drawn by their class, this share more.
    high_risk_fields: dict[FieldCode, Ratio] = Field(default_factory=dict)
    # A visit's result is due (一公开) within this many working days of the
    # visit (core.inspection_results.result_due_date). Not part of a plan's
    # snapshot: answers judge every plan by the policy in force.
    results_within_working_days: int = Field(default=20, ge=1, le=250)

    @field_validator("ratios")
    @classmethod
    def _every_class(cls, ratios: dict[CreditClass, Decimal]) -> dict[CreditClass, Decimal]:
        missing = [c.value for c in CreditClass if c not in ratios]
        if missing:
            raise ValueError(f"a ratio is needed for every credit class; missing {missing}")
        return ratios


def _provinces(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(sorted(set(value)))
    return value


@dataclass(frozen=True, slots=True)
class InspectionRequest:
    """A random-inspection campaign as asked for, before validation (parse_inspection_spec)."""

    provinces: Sequence[str]
    fields: Sequence[str]
    start_date: str
    end_date: str
    reference: str = ""
    technical_support: int = 0


class InspectionSpec(DomainModel):
    provinces: Annotated[tuple[Province, ...], BeforeValidator(_provinces)] = ()
    fields: Annotated[tuple[FieldCode, ...], BeforeValidator(_provinces)] = ()
    start_date: RequiredDate
    end_date: RequiredDate
    reference: OptionalText = ""
    # Assessors added to each visit as technical support, beside the officers.
    technical_support: int = Field(default=0, ge=0, le=5)

    # A new plan only: parse_inspection_spec passes today in (fields.TODAY).
    _not_past = field_validator("start_date")(classmethod(not_past))
    _end_after_start = field_validator("end_date")(not_before("start_date"))

    def days(self, weekdays_only: bool) -> list[dt.date]:
        """The campaign's visit days: its working days (statutory holidays off,
        adjusted working days on, core.workdays), or every day."""
        if weekdays_only:
            return working_days(self.start_date, self.end_date)
        span = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=n) for n in range(span)]


def parse_inspection_spec(
    request: InspectionRequest, today: dt.date | None = None
) -> InspectionSpec:
    """A validated campaign, or InvalidRequest naming every bad field. With
    `today` (the day in China the plan is asked for), a campaign starting
    before it is refused on spec.start_date: no visit is planned on days gone."""
    try:
        spec = InspectionSpec.model_validate(asdict(request), context={TODAY: today})
    except ValidationError as exc:
        raise InvalidRequest("invalid inspection plan", violations_of(exc, "spec")) from None
    if (spec.end_date - spec.start_date).days + 1 > MAX_PLAN_DAYS:
        raise InvalidRequest(
            "invalid inspection plan",
            [Violation("spec.end_date", f"a campaign lasts at most {MAX_PLAN_DAYS} days")],
        )
    return spec


DERIVED = "derived from the credit lists"


@dataclass(frozen=True, slots=True)
class PoolEntity:
    """An institution that may be inspected: qualified in `province`, graded."""

    province: Province
    uscc: str
    fields: frozenset[str]
    credit_class: CreditClass
    # Its qualification's status on the campaign's first day (VALID, or how it lapsed).
    standing: str = "VALID"
    # Where its class comes from: published by its province, or DERIVED.
    class_source: str = DERIVED


def graded(entity: PoolEntity, policy: InspectionPolicy) -> PoolEntity:
    """A lapsed institution is graded at least the policy's lapsed_class."""
    if entity.standing == "VALID":
        return entity
    worst = max(entity.credit_class, policy.lapsed_class, key=_CLASS_ORDER.index)
    return replace(entity, credit_class=worst)


_CLASS_ORDER = list(CreditClass)


def cooled_down(
    entities: Sequence[PoolEntity],
    last_visits: Mapping[str, dt.date],
    policy: InspectionPolicy,
    start: dt.date,
) -> tuple[list[PoolEntity], list[list[str]]]:
    """The institutions that may be drawn, and those left out by the cooldown
    of their class: [province, uscc, class, "cooldown: visited on D"]; a
    visit already planned on or after `start` (another plan of the same
    weeks) leaves it out too."""
    kept: list[PoolEntity] = []
    left_out: list[list[str]] = []
    for e in entities:
        days = policy.cooldown_days.get(e.credit_class, 0)
        last = last_visits.get(e.uscc)
        if last is not None and last >= start:
            why = f"a visit is already planned on {last.isoformat()}"
            left_out.append([e.province.value, e.uscc, e.credit_class.value, why])
        elif days and last is not None and (start - last).days < days:
            why = f"cooldown: visited on {last.isoformat()} (class {e.credit_class.value}: {days} days)"
            left_out.append([e.province.value, e.uscc, e.credit_class.value, why])
        else:
            kept.append(e)
    return kept, left_out


@dataclass(frozen=True, slots=True)
class Conflict:
    assessor_id: str
    uscc: str
    exclusion: Exclusion


def plan_conflicts(
    inspectors: Sequence[PoolMember],
    entities: Sequence[PoolEntity],
    spec: InspectionSpec,
    recusal: RecusalPolicy,
    hub_reviews: Mapping[str, Mapping[str, Sequence[dt.date]]],
    around: Mapping[str, Surroundings] | None = None,
) -> list[Conflict]:
    """Every inspector-institution pair in conflict, found from the inspectors' ties
    (sparse) rather than by trying every pair. The same-province rule is left
    to the plan itself, which sees both provinces.

    hub_reviews: by institution USCC, the hub's own assignment start dates per
    assessor; around: by institution USCC, its group, competitors and last
    team (core.assessors.Surroundings), whose ties and people conflict too.
    """
    province_blind = recusal.model_copy(update={"same_province": False})
    province_of = {e.uscc: e.province for e in entities}
    around = around or {}
    # Which institutions a tie to an organization, or a person, may conflict with.
    touches: dict[str, set[str]] = {uscc: {uscc} for uscc in province_of}
    for uscc, near in around.items():
        for org in (*near.group, *near.rivals, *near.previous_team):
            touches.setdefault(org, set()).add(uscc)
    found: dict[tuple[str, str], Exclusion] = {}
    for member in inspectors:
        linked = {member.employer_uscc, *member.ties, *member.reviewed, member.assessor_id}
        linked.update(u for u, per in hub_reviews.items() if member.assessor_id in per)
        suspects = set().union(*(touches.get(org, ()) for org in linked))
        for uscc in sorted(suspects & province_of.keys()):
            review = Review.of(
                uscc,
                province_of[uscc],
                spec.start_date,
                spec.end_date,
                province_blind,
                around.get(uscc),
            )
            excluded = conflict(member, review, hub_reviews.get(uscc))
            if excluded is not None:
                found[(member.assessor_id, uscc)] = excluded
    return [Conflict(a, u, e) for (a, u), e in sorted(found.items())]


def plan_snapshot(
    spec: InspectionSpec,
    recusal: RecusalPolicy,
    policy: InspectionPolicy,
    loads: Mapping[str, Load],
    entities: Sequence[PoolEntity],
    inspectors: Sequence[tuple[PoolMember, Exclusion | None]],
    busy: Mapping[str, Sequence[dt.date]],
    conflicts: Sequence[Conflict],
    person_loads: Mapping[str, int] = NO_PERSON_LOADS,
    left_out: Sequence[Sequence[str]] = (),
    officers: Sequence[tuple[Officer, Exclusion | None]] = (),
    officer_conflicts: Sequence[Conflict] = (),
) -> dict[str, Any]:
    """Everything the plan depends on, as a JSON-ready value.

    busy: the days within the campaign each inspector or officer is
    unavailable or booked; person_loads: each one's assignments over
    recusal.person_load_days. `inspectors` are the assessors (technical
    support), `officers` the enforcement officers who carry visits out.
    """
    ids = {m.assessor_id for m, _ in inspectors} | {o.officer_id for o, _ in officers}
    return {
        "format": PLAN_FORMAT,
        "policy": f"{recusal.version}+{policy.version}",
        "spec": {
            "provinces": [p.value for p in spec.provinces],
            "fields": list(spec.fields),
            "start_date": spec.start_date.isoformat(),
            "end_date": spec.end_date.isoformat(),
            "technical_support": spec.technical_support,
        },
        "rules": {
            "officers_per_visit": policy.officers_per_visit,
            "ratios": {c.value: str(policy.ratios[c]) for c in CreditClass},
            "team_size": policy.team_size,
            "leader": policy.leader,
            "max_visits_per_inspector": policy.max_visits_per_inspector,
            "match_fields": policy.match_fields,
            "cover_fields": policy.match_fields,
            "high_risk_fields": {f: str(r) for f, r in sorted(policy.high_risk_fields.items())},
            "same_province": recusal.same_province,
            "days": [d.isoformat() for d in spec.days(policy.weekdays_only)],
            "calendar": (
                workdays.source(spec.start_date, spec.end_date)
                if policy.weekdays_only
                else "every day"
            ),
        },
        "loads": {p: [loads[p].assigned, loads[p].pool] for p in PROVINCE_ORDER if p in loads},
        "person_loads": {i: n for i, n in sorted(person_loads.items()) if n and i in ids},
        "entities": sorted(
            [
                e.province.value,
                e.uscc,
                e.credit_class.value,
                sorted(e.fields),
                e.standing,
                e.class_source,
            ]
            for e in entities
        ),
        "left_out": sorted(list(x) for x in left_out),
        "inspectors": [
            [
                m.assessor_id,
                m.province.value,
                LEVEL_CODES[m.level],
                sorted(m.fields),
                None if excluded is None else [excluded.reason, excluded.detail],
            ]
            for m, excluded in sorted(inspectors, key=lambda item: item[0].assessor_id)
        ],
        "busy": {
            ident: sorted(d.isoformat() for d in days) for ident, days in busy.items() if days
        },
        "conflicts": [
            [c.assessor_id, c.uscc, c.exclusion.reason, c.exclusion.detail] for c in conflicts
        ],
        "officers": [
            officer_line(o, excluded)
            for o, excluded in sorted(officers, key=lambda item: item[0].officer_id)
        ],
        "officer_conflicts": [
            [c.assessor_id, c.uscc, c.exclusion.reason, c.exclusion.detail]
            for c in officer_conflicts
        ],
    }
