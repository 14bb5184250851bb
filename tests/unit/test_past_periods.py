"""A team request or an inspection plan books people: its period may not
start before today (the day in China the request is made, passed in by the
use case from its clock). Today itself is fine, and a spec read back without
a today (a stored draw) is not judged against any day."""

from __future__ import annotations

import datetime as dt

import pytest

from services.core.errors import InvalidRequest
from services.core.inspections import InspectionRequest, InspectionSpec, parse_inspection_spec
from services.core.team_requests import TeamRequest, TeamSpec, parse_team_spec
from tests.unit.pool_helpers import INSTITUTION, POLICY

TODAY = dt.date(2026, 12, 7)


def team(start: str, end: str) -> TeamRequest:
    return TeamRequest(
        institution_uscc=INSTITUTION,
        institution_province="ZJ",
        fields=["00"],
        start_date=start,
        end_date=end,
    )


def plan(start: str, end: str) -> InspectionRequest:
    return InspectionRequest(provinces=["JS"], fields=[], start_date=start, end_date=end)


def test_a_team_request_starting_before_today_is_refused_on_its_start_date() -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_team_spec(team("2026-09-07", "2026-09-08"), POLICY, today=TODAY)
    assert [(v.field, v.description) for v in refused.value.violations] == [
        ("spec.start_date", "2026-09-07 is before today (2026-12-07)")
    ]
    with pytest.raises(InvalidRequest) as yesterday:
        parse_team_spec(team("2026-12-06", "2026-12-09"), POLICY, today=TODAY)
    assert [v.field for v in yesterday.value.violations] == ["spec.start_date"]


def test_a_team_request_may_start_today_or_later() -> None:
    assert parse_team_spec(team("2026-12-07", "2026-12-07"), POLICY, today=TODAY).days == 1
    assert parse_team_spec(team("2027-03-01", "2027-03-02"), POLICY, today=TODAY).days == 2


def test_a_past_start_is_named_beside_the_other_bad_fields() -> None:
    bad = TeamRequest(
        institution_uscc=INSTITUTION,
        institution_province="ZJ",
        fields=["0x"],
        start_date="2026-01-05",
        end_date="2026-01-04",
    )
    with pytest.raises(InvalidRequest) as refused:
        parse_team_spec(bad, POLICY, today=TODAY)
    assert {v.field for v in refused.value.violations} == {"spec.fields[0]", "spec.start_date"}


def test_an_inspection_plan_starting_before_today_is_refused_on_its_start_date() -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_inspection_spec(plan("2026-11-30", "2026-12-18"), today=TODAY)
    assert [(v.field, v.description) for v in refused.value.violations] == [
        ("spec.start_date", "2026-11-30 is before today (2026-12-07)")
    ]
    spec = parse_inspection_spec(plan("2026-12-07", "2026-12-18"), today=TODAY)
    assert spec.start_date == TODAY


def test_specs_read_back_without_a_today_keep_their_past_periods() -> None:
    # A stored draw's spec and the plans verify-draw re-runs are not new bookings.
    stored = {"institution_uscc": INSTITUTION, "institution_province": "ZJ", "fields": ["00"]}
    past = {"start_date": "2026-06-01", "end_date": "2026-06-03"}
    assert TeamSpec.model_validate({**stored, **past}).days == 3
    assert InspectionSpec.model_validate(past).start_date == dt.date(2026, 6, 1)
    assert parse_team_spec(team("2026-06-01", "2026-06-02"), POLICY).days == 2
    assert parse_inspection_spec(plan("2026-06-01", "2026-06-12")).end_date.day == 12
