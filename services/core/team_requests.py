"""Review team requests: what a provincial system asks for, and its validation.

The snapshot of a team draw and drawing it are in services.core.teams.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, field_validator

from services.core.assessors import RecusalPolicy
from services.core.draws import NO_PERSON_LOADS, Load, TeamShape
from services.core.errors import InvalidRequest, PermissionDenied, Violation, violations_of
from services.core.fields import (
    TODAY,
    FieldCode,
    OptionalText,
    RequiredDate,
    Uscc,
    not_before,
    not_past,
)
from services.core.identifiers import check_uscc
from services.core.provinces import CMA_ISSUERS, Province
from services.core.records import DomainModel
from services.core.text import single_line


def _unique_fields(value: Any) -> Any:
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError(
                "at least one field is required: name them, or leave them empty for the "
                "laboratory's own fields where it holds a qualification in force"
            )
        return tuple(sorted(set(value)))
    return value


def _province_required(value: Any) -> Any:
    if value in ("", "UNSPECIFIED", None):
        raise ValueError("required")
    if isinstance(value, _Unresolved):
        raise ValueError(value.reason)
    return value


@dataclass(frozen=True, slots=True)
class _Unresolved:
    reason: str


def _fields_of(
    uscc: str, province: Province, fields_of: Callable[[str, Province], frozenset[str]]
) -> tuple[str, ...] | None:
    """The laboratory's fields in `province`; None when the USCC is refused
    (there is no laboratory to take them from)."""
    try:
        canonical = check_uscc(uscc.strip())
    except ValueError:
        return None
    return tuple(sorted(fields_of(canonical, province)))


def supervising_province(issuer: str, published_by: Province) -> Province:
    """The province supervising the laboratory a qualification is of: the one
    whose authority issued its CMA (the issuer digits), whichever province
    holds the copy; for a national (CNCA) number, the province that holds it."""
    return CMA_ISSUERS.get(issuer) or published_by


def _held(held: Sequence[Province]) -> str:
    return ", ".join(p.value for p in sorted(set(held)))


def _province_of(uscc: str, provinces_of: Callable[[str], Sequence[Province]]) -> Any:
    try:
        canonical = check_uscc(uscc.strip())
    except ValueError:
        return _Unresolved("required: no valid institution_uscc to take the province from")
    found = sorted(set(provinces_of(canonical)))
    if len(found) == 1:
        return found[0]
    if not found:
        return _Unresolved(
            f"required: the registry holds no qualification of {canonical}"
            " to take the province from"
        )
    return _Unresolved(
        f"required: {canonical} is qualified by {_held(found)}; name the province of the review"
    )


def _named_province(
    uscc: str,
    named: str,
    provinces_of: Callable[[str], Sequence[Province]],
    acting_for: Province | None,
) -> Any:
    """A province the request names, held to the registry's records: one of
    the provinces supervising the institution, or any (the regulator's own,
    see AssessorPool) for an institution the registry holds no qualification
    of yet (a laboratory's first review). Named otherwise, it is refused: by
    PermissionDenied when the regulator asking supervises none of it, else as
    an invalid field."""
    try:
        canonical = check_uscc(uscc.strip())
        province = Province(named)
    except ValueError:
        return named  # refused by validation, as it stands
    held = sorted(set(provinces_of(canonical)))
    if not held or province in held:
        return province
    records = f"the registry holds {canonical}'s qualification by {_held(held)}"
    if acting_for is not None and acting_for not in held:
        raise PermissionDenied(
            f"regulators of {acting_for.value} may not request a team for an institution"
            f" of {_held(held)} ({records}, not by {province.value})"
        )
    return _Unresolved(
        f"{canonical} is supervised by {_held(held)}, not {province.value}: {records}"
    )


MAX_RECUSALS = 100


class RecusalRequest(DomainModel):
    assessor_id: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(single_line)]
    reason: Annotated[str, Field(min_length=1, max_length=500), AfterValidator(single_line)]


class TeamSpec(DomainModel):
    """What a review team is asked for."""

    institution_uscc: Uscc
    institution_province: Annotated[Province, BeforeValidator(_province_required)]
    fields: Annotated[tuple[FieldCode, ...], BeforeValidator(_unique_fields)]
    start_date: RequiredDate
    end_date: RequiredDate
    size: int = Field(default=0, ge=0, le=20)
    leader: bool = True
    technical_experts: int = Field(default=0, ge=0, le=10)
    reference: OptionalText = ""
    # Assessors the institution asked to be spared (申请回避), with its reasons.
    recusals: Annotated[tuple[RecusalRequest, ...], Field(max_length=MAX_RECUSALS)] = ()

    # A new booking only: parse_team_spec passes today in (fields.TODAY).
    _not_past = field_validator("start_date")(classmethod(not_past))
    _end_after_start = field_validator("end_date")(not_before("start_date"))

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def shape(
        self, loads: Mapping[str, Load], person_loads: Mapping[str, int] = NO_PERSON_LOADS
    ) -> TeamShape:
        return TeamShape(
            self.size, self.leader, self.technical_experts, loads, person_loads, spare_leaders=True
        )


@dataclass(frozen=True, slots=True)
class TeamRequest:
    """A team as a provincial system asks for it, before validation (parse_team_spec)."""

    institution_uscc: str
    # Empty: the province whose qualification of the institution the registry holds.
    institution_province: str
    fields: Sequence[str]
    start_date: str
    end_date: str
    size: int = 0  # 0: the policy's default team size
    leader: bool = True
    technical_experts: int = 0
    reference: str = ""
    # (assessor id, reason) pairs: assessors the institution asked to be spared.
    recusals: Sequence[tuple[str, str]] = ()


def parse_team_spec(
    request: TeamRequest,
    policy: RecusalPolicy,
    provinces_of: Callable[[str], Sequence[Province]] = lambda uscc: (),
    fields_of: Callable[[str, Province], frozenset[str]] = lambda uscc, province: frozenset(),
    acting_for: Province | None = None,
    today: dt.date | None = None,
) -> TeamSpec:
    """A validated spec with defaults applied, or InvalidRequest naming every bad field.

    The institution's province is the one supervising it as the registry's
    qualifications of it say (`provinces_of`: their CMAs' issuing provinces,
    supervising_province; those in force, else those it held), since the
    province decides who leads, who must recuse and which regulators may ask.
    Without an institution province, it is the one the registry holds; none or
    several are refused with the reason. A province named must be one of them
    (any, for an institution the registry holds no qualification of): else
    refused, PermissionDenied when `acting_for`, the regulator asking, is of
    none of them (_named_province). Without fields, the fields are the
    laboratory's capability there (`fields_of`: its CMA fields and those its
    scope items name), so a team covers every field the laboratory works in.
    With `today` (the day in China the request is made), a review starting
    before it is refused on spec.start_date: nobody is booked on days gone.
    """
    values = asdict(request)
    values["recusals"] = [{"assessor_id": a, "reason": r} for a, r in request.recusals]
    if values["institution_province"] in ("", "UNSPECIFIED"):
        values["institution_province"] = _province_of(request.institution_uscc, provinces_of)
    else:
        values["institution_province"] = _named_province(
            request.institution_uscc, values["institution_province"], provinces_of, acting_for
        )
    named = values["institution_province"]
    home = named if isinstance(named, Province) else None
    derived = None
    if not request.fields and home is not None:
        derived = _fields_of(request.institution_uscc, home, fields_of)
        values["fields"] = derived or ()
    try:
        spec = TeamSpec.model_validate(values, context={TODAY: today})
    except ValidationError as exc:
        found = violations_of(exc, "spec")
        if not request.fields and derived is None:
            # Fields left empty are the laboratory's, which cannot be known
            # while its USCC or province is refused: that refusal is the
            # problem, not fields the contract lets the request leave empty.
            found = [v for v in found if not v.field.startswith("spec.fields")] or found
        raise InvalidRequest("invalid team request", found) from None
    if spec.days > policy.max_assignment_days:
        raise InvalidRequest(
            "invalid team request",
            [
                Violation(
                    "spec.end_date",
                    f"a review lasts at most {policy.max_assignment_days} days ({spec.days} asked)",
                )
            ],
        )
    if spec.size == 0:
        spec = spec.model_copy(update={"size": policy.default_team_size})
    return spec
