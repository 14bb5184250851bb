"""A team request may leave out the institution's province: the registry's
qualification of the institution names it, and anything else is refused. A
province the request names is held to the same records."""

from __future__ import annotations

import pytest

from services.core.errors import InvalidRequest, PermissionDenied
from services.core.provinces import Province
from services.core.team_requests import TeamRequest, parse_team_spec, supervising_province
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


def test_a_named_province_is_taken_when_the_records_hold_it() -> None:
    """One of several supervising provinces, named: that one."""
    spec = parse_team_spec(request("AH"), POLICY, lambda uscc: [Province.ZJ, Province.AH])
    assert spec.institution_province is Province.AH


def test_a_named_province_the_records_do_not_hold_is_refused_with_what_they_hold() -> None:
    """The province decides who may ask and who leads: a request cannot name
    another than the registry's qualifications say (no caller: INVALID_ARGUMENT)."""
    for acting_for in (None, Province.ZJ):
        with pytest.raises(InvalidRequest) as refused:
            parse_team_spec(
                request("AH"), POLICY, lambda uscc: [Province.ZJ], acting_for=acting_for
            )
        [violation] = refused.value.violations
        assert violation.field == "spec.institution_province"
        assert violation.description == (
            f"{INSTITUTION} is supervised by ZJ, not AH: "
            f"the registry holds {INSTITUTION}'s qualification by ZJ"
        )


def test_a_regulator_naming_its_province_for_another_s_institution_is_denied() -> None:
    """The outside client's request: Jiangsu's regulator names Jiangsu for a
    laboratory only Shanghai qualifies. Refused as trust.md promises, naming both."""
    fields_asked: list[Province] = []

    def fields_of(uscc: str, province: Province) -> frozenset[str]:
        fields_asked.append(province)
        return frozenset({"04"})

    js = TeamRequest(
        institution_uscc=INSTITUTION,
        institution_province="JS",
        fields=["04"],
        start_date="2027-07-01",
        end_date="2027-07-01",
    )
    with pytest.raises(PermissionDenied) as denied:
        parse_team_spec(js, POLICY, lambda uscc: [Province.SH], fields_of, Province.JS)
    assert str(denied.value) == (
        "regulators of JS may not request a team for an institution of SH "
        f"(the registry holds {INSTITUTION}'s qualification by SH, not by JS)"
    )
    assert not fields_asked


def test_an_institution_with_no_qualification_yet_is_reviewed_for_the_province_named() -> None:
    """A laboratory's first review: the registry holds nothing of it to go by."""
    spec = parse_team_spec(request("JS"), POLICY, lambda uscc: [], acting_for=Province.JS)
    assert spec.institution_province is Province.JS


def test_the_supervising_province_is_the_cma_s_issuer_s() -> None:
    """A copy Jiangsu holds of Shanghai's qualification leaves Shanghai its
    supervisor; a national (CNCA) one is the holding province's."""
    assert supervising_province("09", Province.JS) is Province.SH
    assert supervising_province("10", Province.JS) is Province.JS
    assert supervising_province("00", Province.ZJ) is Province.ZJ


@pytest.mark.parametrize(
    ("held", "reason"),
    [
        ([], "the registry holds no qualification of"),
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


@pytest.mark.parametrize(
    ("uscc", "province", "held", "field"),
    [
        (INSTITUTION, "JS", [Province.SH], "spec.institution_province"),
        (INSTITUTION, "9", [Province.SH], "spec.institution_province"),
        (INSTITUTION, "", [Province.SH, Province.JS], "spec.institution_province"),
        ("91310000NOTAUSCC0", "SH", [], "spec.institution_uscc"),
    ],
)
def test_fields_left_empty_are_not_refused_beside_a_refused_province_or_uscc(
    uscc: str, province: str, held: list[Province], field: str
) -> None:
    """The outside client's request: Shanghai's laboratory asked for naming
    Jiangsu (or an undefined province 9), fields left empty as the contract
    allows. The province is the one problem; "at least one field is
    required" beside it was not."""
    bare = TeamRequest(
        institution_uscc=uscc,
        institution_province=province,
        fields=[],
        start_date="2026-06-01",
        end_date="2026-06-02",
    )
    with pytest.raises(InvalidRequest) as refused:
        parse_team_spec(bare, POLICY, lambda uscc: held, lambda uscc, p: frozenset({"04"}))
    assert [v.field for v in refused.value.violations] == [field]
