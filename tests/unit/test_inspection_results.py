"""When a random inspection's result is due (working days from the visit) and
how its publication stands (core.inspection_results), and the public page
that shows it (checks/inspection_page.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from services.core.inspection_results import (
    InspectionOutcome,
    InspectionResult,
    ResultStanding,
    ResultVersion,
    result_due_date,
    visit_result,
)
from services.core.inspections import InspectionPolicy
from services.core.provinces import Province
from services.core.records import RecordKind
from services.core.validation import Refused, Validated, validate_record
from services.registry.checks.inspection_page import render_institution_page, render_plan_page
from services.registry.pool.policies import load_inspection
from tests.factories import LAB_B as LAB

D = dt.date


def _result(closed: D | None = None) -> InspectionResult:
    return InspectionResult.model_validate(
        {
            "plan_draw_id": "plan-1",
            "institution_uscc": LAB,
            "inspection_date": "2026-09-29",
            "outcome": InspectionOutcome.CORRECTION_ORDERED,
            "findings": [
                {
                    "description": "原始记录不完整",
                    "corrective_action": "补充原始记录",
                    "corrected_date": closed,
                }
            ],
            "closed_date": closed,
        }
    )


def test_the_due_date_skips_national_day_and_counts_the_adjusted_working_saturday() -> None:
    # 2026: 1-7 October off, Saturday 10 October worked. Twenty working days
    # after Tuesday 29 September end on Monday 2 November; by weekdays alone
    # they would end on 27 October.
    assert result_due_date(D(2026, 9, 29), 20) == D(2026, 11, 2)
    # 2025: 1-8 October off, Saturday 11 October worked.
    assert result_due_date(D(2025, 9, 29), 20) == D(2025, 11, 3)
    # An ordinary stretch: four weeks of weekdays.
    assert result_due_date(D(2026, 3, 2), 20) == D(2026, 3, 30)


VISIT = D(2026, 9, 29)
DUE = D(2026, 11, 2)


def test_a_result_published_by_the_due_date_is_on_time_and_keeps_its_day_when_revised() -> None:
    versions = [
        ResultVersion(1, DUE, _result()),
        ResultVersion(2, DUE + dt.timedelta(days=9), _result(closed=D(2026, 11, 10))),
    ]
    found = visit_result(VISIT, 20, versions, D(2026, 12, 1))
    assert (found.due_date, found.standing) == (DUE, ResultStanding.PUBLISHED)
    assert found.published_on == DUE
    assert found.result is not None and found.result.closed_date == D(2026, 11, 10)
    # As of the due date, only the first revision was out: the case still open.
    then = visit_result(VISIT, 20, versions, DUE)
    assert then.result is not None and then.result.closed_date is None
    assert then.result.open_findings


def test_a_result_published_after_the_due_date_is_late() -> None:
    late = [ResultVersion(1, DUE + dt.timedelta(days=3), _result())]
    found = visit_result(VISIT, 20, late, D(2026, 12, 1))
    assert found.standing is ResultStanding.PUBLISHED_LATE
    assert found.published_on == DUE + dt.timedelta(days=3)
    # Until it came out it was pending, then overdue.
    assert visit_result(VISIT, 20, late, DUE).standing is ResultStanding.PENDING
    before = visit_result(VISIT, 20, late, DUE + dt.timedelta(days=2))
    assert before.standing is ResultStanding.OVERDUE and before.result is None


def test_an_unpublished_result_is_pending_until_its_due_date_and_overdue_after() -> None:
    assert visit_result(VISIT, 20, [], VISIT - dt.timedelta(days=3)).standing is (
        ResultStanding.PENDING
    )  # the visit is still ahead
    assert visit_result(VISIT, 20, [], DUE).standing is ResultStanding.PENDING
    overdue = visit_result(VISIT, 20, [], DUE + dt.timedelta(days=1))
    assert overdue.standing is ResultStanding.OVERDUE and overdue.published_on is None


def test_the_policy_states_the_deadline_in_working_days() -> None:
    assert load_inspection().results_within_working_days == 20
    base: dict[str, Any] = {"version": "t", "ratios": {c: "0.1" for c in "ABCD"}}
    assert InspectionPolicy.model_validate(base).results_within_working_days == 20
    with pytest.raises(ValidationError):
        InspectionPolicy.model_validate({**base, "results_within_working_days": 0})


def _visit(**changes: Any) -> dict[str, Any]:
    visit: dict[str, Any] = {
        "institution_uscc": LAB,
        "province": "PROVINCE_JS",
        "date": "2026-09-29",
        "result_due_date": "2026-11-02",
        "result_standing": "RESULT_STANDING_OVERDUE",
    }
    visit.update(changes)
    return visit


def test_the_plan_page_escapes_what_provinces_wrote_and_names_each_state() -> None:
    result = {
        "inspection_date": "2026-09-29",
        "outcome": "INSPECTION_OUTCOME_CORRECTION_ORDERED",
        "findings": [
            {
                "description": "<script>alert(1)</script>",
                "corrective_action": '补充"原始"记录',
                "due_date": "2026-10-30",
            }
        ],
    }
    doc = {
        "draw_id": "plan-1",
        "state": "DRAW_STATE_DRAWN",
        "inspection_spec": {"provinces": ["PROVINCE_JS"], "start_date": "2026-09-28"},
        "plan": {
            "inspections": [
                _visit(),
                _visit(
                    result=result,
                    result_standing="RESULT_STANDING_PUBLISHED",
                    result_published_on="2026-10-15",
                ),
            ]
        },
        "results_within_working_days": 20,
        "as_of": "2026-11-10",
    }
    page = render_plan_page(doc, "plan-1")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "补充&quot;原始&quot;记录" in page
    assert "逾期未公示 Overdue" in page and "按时公示 Published on time" in page
    assert "发现问题已责令改正 Problems found, correction ordered" in page
    assert "整改中 Open" in page and "未结案 Open" in page
    assert "江苏 Jiangsu" in page and f"/inspections?uscc={LAB}" in page
    assert "已公示 1 / 2" in page


def test_unknown_plans_and_institutions_get_a_not_found_page() -> None:
    page = render_plan_page(None, "<plan>")
    assert "NOT FOUND" in page and "No inspection plan &lt;plan&gt;" in page
    assert "No random inspection of" in render_institution_page(None, LAB)


@pytest.mark.parametrize(
    ("finding", "field", "why"),
    [
        ({"corrected_date": "2027-01-05"}, "findings[0].corrected_date", "after today"),
        ({"corrected_date": "2026-09-01"}, "findings[0].corrected_date", "before inspection_date"),
        ({"due_date": "2026-09-01"}, "findings[0].due_date", "before inspection_date"),
    ],
)
def test_a_finding_is_corrected_after_the_inspection_and_no_later_than_today(
    finding: dict[str, Any], field: str, why: str
) -> None:
    values = {
        "plan_draw_id": "plan-1",
        "institution_uscc": LAB,
        "inspection_date": "2026-09-29",
        "outcome": "CORRECTION_ORDERED",
        "findings": [{"description": "原始记录不完整", **finding}],
    }
    today = D(2026, 12, 7)
    verdict = validate_record(RecordKind.INSPECTION_RESULT, values, Province.AH, today)
    assert isinstance(verdict, Refused)
    [violation] = verdict.violations
    assert violation.field == f"inspection_result.{field}" and why in violation.description
    on_time = {**values, "findings": [{"description": "x", "corrected_date": "2026-10-08"}]}
    assert isinstance(
        validate_record(RecordKind.INSPECTION_RESULT, on_time, Province.AH, today), Validated
    )
