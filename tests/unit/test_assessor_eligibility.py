"""Who may sit on a review: standing, dates, and each recusal rule with its reason."""

from __future__ import annotations

import datetime as dt

import pytest

from services.core.assessors import RecusalPolicy, Review, Surroundings, one_person, screen
from services.core.provinces import Province
from services.core.records import AffiliationRelation, AssessorStatus
from tests.unit.pool_helpers import INSTITUTION, OTHER, POLICY, member, tie, uscc

START = dt.date(2026, 6, 1)
END = dt.date(2026, 6, 3)
EMPLOYED = AffiliationRelation.EMPLOYED
CONSULTED = AffiliationRelation.CONSULTED


def review(policy: RecusalPolicy = POLICY, province: Province = Province.JS) -> Review:
    return Review.of(INSTITUTION, province, START, END, policy)


def reason(m: object, r: Review | None = None, booked: set[str] | None = None) -> str | None:
    excluded = screen(m, r or review(), booked or set())  # type: ignore[arg-type]
    return None if excluded is None else excluded.reason


def test_an_active_available_unconflicted_member_is_eligible() -> None:
    assert reason(member("a1")) is None
    assert reason(member("a1", status=AssessorStatus.REINSTATED)) is None


@pytest.mark.parametrize("status", [AssessorStatus.SUSPENDED, AssessorStatus.REVOKED])
def test_suspended_and_revoked_are_excluded_with_the_reason_given(
    status: AssessorStatus,
) -> None:
    excluded = screen(member("a1", status=status, reason="未主动回避"), review(), set())
    assert excluded is not None
    assert excluded.reason == "status"
    assert status.value.lower() in excluded.detail and "未主动回避" in excluded.detail


def test_marked_unavailable_is_excluded() -> None:
    assert reason(member("a1", available=False)) == "not_available"


def test_an_unavailable_period_overlapping_the_review_excludes() -> None:
    leave = ((dt.date(2026, 5, 20), dt.date(2026, 6, 1)),)
    excluded = screen(member("a1", unavailable=leave), review(), set())
    assert excluded is not None and excluded.reason == "unavailable_period"
    assert "2026-05-20" in excluded.detail
    before = ((dt.date(2026, 5, 1), dt.date(2026, 5, 31)),)
    assert reason(member("a1", unavailable=before)) is None


def test_booked_on_overlapping_dates_is_excluded() -> None:
    assert reason(member("a1"), booked={"a1"}) == "booked"


def test_current_employer_is_the_institution() -> None:
    excluded = screen(member("a1", employer=INSTITUTION), review(), set())
    assert excluded is not None and excluded.reason == "recusal.same_employer"
    off = POLICY.model_copy(update={"same_employer": False})
    assert reason(member("a1", employer=INSTITUTION), review(off)) is None


@pytest.mark.parametrize(
    ("relation", "code"), [(EMPLOYED, "recusal.employed"), (CONSULTED, "recusal.consulted")]
)
def test_ties_within_the_window_exclude_and_older_ones_do_not(
    relation: AffiliationRelation, code: str
) -> None:
    # Three years before 2026-06-01 is 2023-06-01.
    inside = member("a1", ties={INSTITUTION: (tie(relation, "2019-01-01", "2023-06-01"),)})
    excluded = screen(inside, review(), set())
    assert excluded is not None and excluded.reason == code
    assert "2019-01-01 to 2023-06-01 (within 3 years)" in excluded.detail
    outside = member("a1", ties={INSTITUTION: (tie(relation, "2019-01-01", "2023-05-31"),)})
    assert reason(outside) is None
    ongoing = member("a1", ties={INSTITUTION: (tie(relation, "2025-01-01", None),)})
    assert reason(ongoing) == code
    elsewhere = member("a1", ties={OTHER: (tie(relation, "2025-01-01", None),)})
    assert reason(elsewhere) is None


def test_a_tie_starting_after_the_review_is_no_conflict() -> None:
    later = member("a1", ties={INSTITUTION: (tie(CONSULTED, "2026-07-01", None),)})
    assert reason(later) is None


def test_windows_come_from_the_policy() -> None:
    m = member("a1", ties={INSTITUTION: (tie(CONSULTED, "2020-01-01", "2024-01-01"),)})
    assert reason(m, review(POLICY.model_copy(update={"consulting_years": 1}))) is None
    assert reason(m, review(POLICY.model_copy(update={"consulting_years": 5}))) == (
        "recusal.consulted"
    )


def test_same_province_only_when_the_policy_asks() -> None:
    m = member("a1", Province.JS)
    assert reason(m) is None
    on = POLICY.model_copy(update={"same_province": True})
    assert reason(m, review(on)) == "recusal.same_province"
    assert reason(member("a2", Province.SH), review(on)) is None


def test_reviewed_recently_from_the_record_and_from_the_hub() -> None:
    on = POLICY.model_copy(update={"reviewed_within_years": 2})
    past = member("a1", reviewed={INSTITUTION: (dt.date(2025, 3, 1),)})
    assert reason(past, review(on)) == "recusal.reviewed_recently"
    assert reason(past) is None  # off by default
    old = member("a1", reviewed={INSTITUTION: (dt.date(2023, 3, 1),)})
    assert reason(old, review(on)) is None
    hub = screen(member("a2"), review(on), set(), {"a2": [dt.date(2026, 1, 5)]})
    assert hub is not None and hub.reason == "recusal.reviewed_recently"


def test_the_most_basic_reason_wins() -> None:
    m = member("a1", status=AssessorStatus.SUSPENDED, employer=INSTITUTION)
    assert reason(m, booked={"a1"}) == "status"


# --- one person across the region ---------------------------------------------


def test_a_bar_in_one_province_bars_the_person_everywhere_naming_the_source() -> None:
    sh = member("a1", Province.SH)
    js = member("a1", Province.JS, status=AssessorStatus.SUSPENDED, reason="未主动回避")
    person = one_person([sh, js])
    excluded = screen(person, review(), set())
    assert excluded is not None and excluded.reason == "status"
    assert excluded.detail == "suspended by JS: 未主动回避"
    assert person.registered_by == (Province.JS, Province.SH)
    # A revocation anywhere outranks a suspension elsewhere.
    ah = member("a1", Province.AH, status=AssessorStatus.REVOKED, reason="出具不实评审结论")
    revoked = screen(one_person([sh, js, ah]), review(), set())
    assert revoked is not None and revoked.detail.startswith("revoked by AH")


def test_every_registration_counts_for_fields_dates_and_recusal() -> None:
    leave = ((dt.date(2026, 6, 2), dt.date(2026, 6, 2)),)
    sh = member("a1", Province.SH, fields=("00",))
    zj = member("a1", Province.ZJ, fields=("04",), employer=INSTITUTION, unavailable=leave)
    person = one_person([zj, sh])
    assert person.province is Province.SH  # the first in code order gives the home
    assert person.fields == {"00", "04"}
    assert reason(person) == "unavailable_period"
    later = Review.of(INSTITUTION, Province.JS, END + dt.timedelta(days=30), END, POLICY)
    excluded = screen(person, later, set())
    assert excluded is not None and excluded.reason == "recusal.employed"
    assert "another province's registration" in excluded.detail
    # Unavailable anywhere: unavailable, saying where.
    off = one_person([sh, member("a1", Province.ZJ, available=False)])
    gone = screen(off, review(), set())
    assert gone is not None and gone.detail == "marked unavailable by ZJ"
    assert one_person([sh]) is sh


# --- richer recusal --------------------------------------------------------------

PARENT = uscc("91320100MA1PAR000")
SISTER = uscc("91320500MA1BRA000")
RIVAL = uscc("91320100MA1CMP000")


def around_review(around: Surroundings, policy: RecusalPolicy = POLICY) -> Review:
    return Review.of(INSTITUTION, Province.JS, START, END, policy, around)


@pytest.mark.parametrize(
    ("relation", "code"),
    [
        (AffiliationRelation.KINSHIP, "recusal.kinship"),
        (AffiliationRelation.SHAREHOLDING, "recusal.shareholding"),
    ],
)
def test_declared_kinship_and_shareholding_recuse(relation: AffiliationRelation, code: str) -> None:
    held = member("a1", ties={INSTITUTION: (tie(relation, "2020-01-01", None),)})
    excluded = screen(held, review(), set())
    assert excluded is not None and excluded.reason == code
    # Ended before the window (3 years by default): no longer a reason.
    old = member("a1", ties={INSTITUTION: (tie(relation, "2015-01-01", "2021-12-31"),)})
    assert reason(old) is None


def test_the_institution_s_group_of_companies_counts_as_the_institution() -> None:
    group = Surroundings(group=frozenset({PARENT, SISTER}))
    at_parent = screen(member("a1", employer=PARENT), around_review(group), set())
    assert at_parent is not None and at_parent.reason == "recusal.same_group"
    assert PARENT in at_parent.detail and "group" in at_parent.detail
    consulted = member("a1", ties={SISTER: (tie(CONSULTED, "2025-01-01", None),)})
    sister = screen(consulted, around_review(group), set())
    assert sister is not None and sister.reason == "recusal.same_group"
    off = POLICY.model_copy(update={"same_group": False})
    assert screen(member("a1", employer=PARENT), around_review(group, off), set()) is None


def test_a_competitor_s_employee_is_recused() -> None:
    rivals = Surroundings(rivals=frozenset({RIVAL}))
    excluded = screen(member("a1", employer=RIVAL), around_review(rivals), set())
    assert excluded is not None and excluded.reason == "recusal.competitor"
    # Consulting for a competitor is not competing.
    tied = member("a1", ties={RIVAL: (tie(CONSULTED, "2025-01-01", None),)})
    assert screen(tied, around_review(rivals), set()) is None


def test_the_institution_may_ask_for_recusal_with_a_reason() -> None:
    asked = Surroundings(requested={"a1": "曾与本机构有业务纠纷"})
    excluded = screen(member("a1"), around_review(asked), set())
    assert excluded is not None and excluded.reason == "recusal.requested"
    assert "曾与本机构有业务纠纷" in excluded.detail
    assert screen(member("a2"), around_review(asked), set()) is None


def test_rotation_keeps_the_last_team_off_the_next_review_by_default() -> None:
    last = Surroundings(previous_team=frozenset({"a1"}))
    excluded = screen(member("a1"), around_review(last), set())
    assert POLICY.rotation and excluded is not None and excluded.reason == "recusal.rotation"
    off = POLICY.model_copy(update={"rotation": False})
    assert screen(member("a1"), around_review(last, off), set()) is None
