"""A team request may leave out the institution's province: the registry's
qualification of the institution names it, and anything else is refused."""

from __future__ import annotations

import pytest

from services.core.errors import InvalidRequest
from services.core.provinces import Province
from services.core.team_requests import TeamRequest, parse_team_spec
from tests.unit.pool_helpers import INSTITUTION, POLICY


def request(province: str = "") -> TeamRequest:
    return TeamRequest(
        institution_uscc=INSTITUTION,
        institution_province=province,
        fields=["00"],
        start_date="2026-06-01",
        end_date="2026-06-02",
    )


def test_the_province_comes_from_the_one_qualification_the_registry_holds() -> None:
    asked: list[str] = []

    def qualified_by(uscc: str) -> list[Province]:
        asked.append(uscc)
        return [Province.ZJ, Province.ZJ]

    spec = parse_team_spec(request(), POLICY, qualified_by)
    assert spec.institution_province is Province.ZJ and asked == [INSTITUTION]


def test_a_named_province_is_taken_as_asked() -> None:
    spec = parse_team_spec(request("AH"), POLICY, lambda uscc: [Province.ZJ])
    assert spec.institution_province is Province.AH


@pytest.mark.parametrize(
    ("held", "reason"),
    [
        ([], "the registry holds no qualification in force of"),
        ([Province.SH, Province.JS], "is qualified by JS, SH; name the province"),
    ],
)
def test_no_or_several_qualifications_are_refused_with_the_reason(
    held: list[Province], reason: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_team_spec(request("UNSPECIFIED"), POLICY, lambda uscc: held)
    [violation] = refused.value.violations
    assert violation.field == "spec.institution_province"
    assert reason in violation.description


def test_the_registry_is_asked_with_the_canonical_uscc() -> None:
    asked: list[str] = []

    def qualified_by(uscc: str) -> list[Province]:
        asked.append(uscc)
        return [Province.JS]

    typed = " ".join(INSTITUTION.lower()[i : i + 6] for i in range(0, 18, 6))
    spec = parse_team_spec(
        TeamRequest(
            institution_uscc=typed,
            institution_province="",
            fields=["00"],
            start_date="2026-06-01",
            end_date="2026-06-02",
        ),
        POLICY,
        qualified_by,
    )
    assert asked == [INSTITUTION] and spec.institution_province is Province.JS


def test_without_fields_the_team_covers_the_laboratory_s_own_fields() -> None:
    """Matching by capability: a laboratory working in two fields (its CMA's
    and one its scope items name) gets a team asked to cover both."""
    asked: list[tuple[str, Province]] = []

    def fields_of(uscc: str, province: Province) -> frozenset[str]:
        asked.append((uscc, province))
        return frozenset({"04", "00"})

    bare = TeamRequest(
        institution_uscc=INSTITUTION,
        institution_province="JS",
        fields=[],
        start_date="2026-06-01",
        end_date="2026-06-02",
    )
    spec = parse_team_spec(bare, POLICY, lambda uscc: [], fields_of)
    assert spec.fields == ("00", "04") and asked == [(INSTITUTION, Province.JS)]
    # Fields named are taken as asked.
    assert parse_team_spec(request("JS"), POLICY, lambda uscc: [], fields_of).fields == ("00",)
    with pytest.raises(InvalidRequest) as none:
        parse_team_spec(bare, POLICY, lambda uscc: [], lambda uscc, p: frozenset())
    [violation] = none.value.violations
    assert violation.field == "spec.fields" and "qualification in force" in violation.description
