"""Certificate statuses: which are publishable, and expiry derived from dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.core.status import PUBLISHABLE_STATUSES, CertificateStatus, effective_status

VALID_UNTIL = dt.date(2029, 2, 28)
DAY = dt.timedelta(days=1)
EXPIRING = [CertificateStatus.VALID, CertificateStatus.SUSPENDED]
FINAL = [CertificateStatus.REVOKED, CertificateStatus.CANCELLED]


def test_expired_is_the_only_status_not_published() -> None:
    assert set(CertificateStatus) - PUBLISHABLE_STATUSES == {CertificateStatus.EXPIRED}


@pytest.mark.parametrize("status", EXPIRING)
def test_past_valid_until_is_expired(status: CertificateStatus) -> None:
    assert effective_status(status, VALID_UNTIL, VALID_UNTIL + DAY) is CertificateStatus.EXPIRED


@pytest.mark.parametrize("status", EXPIRING)
def test_last_valid_day_keeps_the_status(status: CertificateStatus) -> None:
    assert effective_status(status, VALID_UNTIL, VALID_UNTIL) is status


@pytest.mark.parametrize("status", EXPIRING)
def test_before_valid_until_keeps_the_status(status: CertificateStatus) -> None:
    assert effective_status(status, VALID_UNTIL, VALID_UNTIL - 365 * DAY) is status


@pytest.mark.parametrize("status", FINAL)
def test_revoked_and_cancelled_do_not_turn_expired(status: CertificateStatus) -> None:
    assert effective_status(status, VALID_UNTIL, VALID_UNTIL + 1000 * DAY) is status


@pytest.mark.parametrize("status", list(CertificateStatus))
def test_no_valid_until_never_expires(status: CertificateStatus) -> None:
    assert effective_status(status, None, dt.date(2100, 1, 1)) is status


def test_leap_day_validity_expires_the_day_after() -> None:
    until = dt.date(2028, 2, 29)
    assert effective_status(CertificateStatus.VALID, until, until) is CertificateStatus.VALID
    assert (
        effective_status(CertificateStatus.VALID, until, dt.date(2028, 3, 1))
        is CertificateStatus.EXPIRED
    )


@given(
    st.sampled_from(list(CertificateStatus)),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
)
def test_expired_exactly_when_valid_or_suspended_and_past_until(
    status: CertificateStatus, until: dt.date, on: dt.date
) -> None:
    expect_expired = status in EXPIRING and on > until
    result = effective_status(status, until, on)
    assert result is (CertificateStatus.EXPIRED if expect_expired else status)


@pytest.mark.parametrize("status", [CertificateStatus.SUSPENDED, *FINAL])
def test_a_status_reads_from_the_day_it_took_effect_not_before(status: CertificateStatus) -> None:
    """A version read for a day before its status_effective_date (the earliest
    the hub knows) held as issued then: VALID within its dates, EXPIRED past them."""
    since = dt.date(2026, 11, 1)
    assert (
        effective_status(status, VALID_UNTIL, since - DAY, None, since) is CertificateStatus.VALID
    )
    assert effective_status(status, VALID_UNTIL, since, None, since) is status
    assert effective_status(status, since - 2 * DAY, since - DAY, None, since) is (
        CertificateStatus.EXPIRED
    )
