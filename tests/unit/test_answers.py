"""Stored check answers read with the domain's status rule and exact timestamps."""

from __future__ import annotations

import datetime as dt

from services.common.convert import CERTIFICATE_STATUS_TO_PB
from services.core.history import AsOf
from services.core.status import CertificateStatus, effective_status
from services.registry.checks.answers import StoredAnswer, as_of_field
from yrdhub.v1 import common_pb2, registry_pb2

TODAY = dt.date(2026, 11, 29)


def test_effective_status_follows_the_domain_rule_on_every_day_around_its_validity() -> None:
    around = (TODAY - dt.timedelta(days=1), TODAY, TODAY + dt.timedelta(days=1))
    for status in CertificateStatus:
        for until in (None, TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=1), TODAY):
            for since in (None, *around):
                for day in around:
                    stored = StoredAnswer(b"", status.value, until.isoformat() if until else None)
                    started = since is None or since <= day
                    expected = CERTIFICATE_STATUS_TO_PB[effective_status(status, until, day, since)]
                    assert stored.effective_status(day, started) == expected, (status, until, day)


def test_before_valid_from_a_holding_certificate_reads_expired_and_a_lapsed_one_as_it_is() -> None:
    for status in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        assert effective_status(status, None, TODAY, TODAY + dt.timedelta(days=1)) is (
            CertificateStatus.EXPIRED
        )
        assert effective_status(status, None, TODAY, TODAY) is status
    for status in (CertificateStatus.REVOKED, CertificateStatus.CANCELLED):
        assert effective_status(status, None, TODAY, TODAY + dt.timedelta(days=1)) is status


def test_a_certificate_without_status_reads_as_valid() -> None:
    assert (
        StoredAnswer(b"", None, None).effective_status(TODAY, True)
        == CERTIFICATE_STATUS_TO_PB[CertificateStatus.VALID]
    )


def test_as_of_encodes_the_day_and_the_instant_exactly() -> None:
    for when in (
        dt.datetime(2026, 11, 29, 6, 45, 14, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 6, 45, 14, tzinfo=dt.UTC),
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=dt.UTC),  # negative seconds
        dt.datetime(1900, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    ):
        for day in (dt.date(2026, 11, 29), dt.date(1999, 1, 1)):
            expected = common_pb2.AsOf(valid_on=day.isoformat())
            expected.known_at.FromDatetime(when)
            parsed = registry_pb2.CheckCertificateResponse.FromString(
                as_of_field(
                    registry_pb2.CheckCertificateResponse.AS_OF_FIELD_NUMBER,
                    AsOf(day, when, latest=True),
                )
            )
            assert parsed.as_of == expected, when
