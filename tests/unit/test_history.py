"""Versions over time: what the hub knew at an instant, and what held on a day."""

from __future__ import annotations

import datetime as dt

import pytest

from services.core.errors import InvalidRequest
from services.core.history import as_of, in_force_on, known_at, validity_on
from services.core.provenance import Source, china_date
from services.core.provinces import Province
from services.core.status import CertificateStatus
from tests.factories import qualification

KEY = "qualification/09/230901000001"


def version(revision: int, accepted: dt.datetime) -> Source:
    return Source(Province.SH, KEY, revision, f"e{revision}", revision, accepted, accepted)


def test_the_calendar_day_is_chinas() -> None:
    # 17:00 UTC is 01:00 the next day in Shanghai.
    assert china_date(dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 2)


def test_the_version_in_force_on_a_day_is_the_latest_accepted_by_then() -> None:
    v1 = version(1, dt.datetime(2026, 1, 1, 2, tzinfo=dt.UTC))
    v2 = version(2, dt.datetime(2026, 2, 1, 2, tzinfo=dt.UTC))
    v3 = version(3, dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC))
    versions = [v3, v1, v2]
    assert in_force_on(versions, dt.date(2026, 2, 15), lambda v: v) is v2
    assert in_force_on(versions, dt.date(2026, 3, 1), lambda v: v) is v3
    # Before the hub heard of it, the first version (with its validity dates) stands.
    assert in_force_on(versions, dt.date(2020, 1, 1), lambda v: v) is v1
    assert in_force_on([], dt.date(2020, 1, 1), lambda v: v) is None


def test_known_at_keeps_what_was_applied_by_then() -> None:
    v1 = version(1, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    v2 = version(2, dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    at = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
    assert known_at([v1, v2], at, lambda v: v.applied_at) == [v1]


def test_validity_on_a_day_derives_expiry_and_refuses_days_before_the_start() -> None:
    q = qualification(valid_from=dt.date(2023, 3, 1), valid_until=dt.date(2029, 2, 28))
    assert validity_on(q, dt.date(2024, 1, 1)).valid
    before = validity_on(q, dt.date(2023, 2, 28))
    assert not before.valid and "not yet valid" in before.reason
    after = validity_on(q, dt.date(2029, 3, 1))
    assert (after.status, after.valid) == (CertificateStatus.EXPIRED, False)
    revoked = validity_on(qualification(status=CertificateStatus.REVOKED), dt.date(2024, 1, 1))
    assert (revoked.status, revoked.valid) == (CertificateStatus.REVOKED, False)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_as_of_day_at_the_ends_of_the_calendar_is_refused_before_anything_runs(
    day: str,
) -> None:
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with pytest.raises(InvalidRequest) as refused:
        as_of(day, None, now)
    assert [v.field for v in refused.value.violations] == ["as_of.valid_on"]


@pytest.mark.parametrize("day", ["20261201", "2026-W48-2", "2026/12/01", " ", "\t\n"])
def test_an_as_of_day_not_written_yyyy_mm_dd_is_refused(day: str) -> None:
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    with pytest.raises(InvalidRequest) as refused:
        as_of(day, None, now)
    [violation] = refused.value.violations
    assert violation.field == "as_of.valid_on" and "YYYY-MM-DD" in violation.description


def test_an_empty_as_of_day_is_today_in_china_and_one_with_spaces_around_is_that_day() -> None:
    now = dt.datetime(2026, 12, 7, 17, tzinfo=dt.UTC)  # 8 December in China
    assert as_of("", None, now).valid_on == dt.date(2026, 12, 8)
    assert as_of(" 2026-12-01 ", None, now).valid_on == dt.date(2026, 12, 1)


def test_knowledge_from_before_1900_is_refused_and_from_1950_answered() -> None:
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    for early in (dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(1899, 12, 31, tzinfo=dt.UTC)):
        with pytest.raises(InvalidRequest) as refused:
            as_of("", early, now)
        assert [v.field for v in refused.value.violations] == ["as_of.known_at"]
    then = dt.datetime(1950, 6, 1, tzinfo=dt.UTC)
    assert as_of("", then, now).valid_on == dt.date(1950, 6, 1)
