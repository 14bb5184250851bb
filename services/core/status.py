"""Certificate statuses: canonical values, and expiry derived from dates."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class CertificateStatus(StrEnum):
    VALID = "VALID"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    CANCELLED = "CANCELLED"
    # Never published: derived at query time from valid_until.
    EXPIRED = "EXPIRED"


PUBLISHABLE_STATUSES = frozenset(
    {
        CertificateStatus.VALID,
        CertificateStatus.SUSPENDED,
        CertificateStatus.REVOKED,
        CertificateStatus.CANCELLED,
    }
)


def effective_status(
    status: CertificateStatus, valid_until: dt.date | None, on: dt.date
) -> CertificateStatus:
    """The status a reader should see on a given day.

    A valid or suspended certificate past its validity is expired; revoked and
    cancelled stay as they are, since they say more than expiry does.
    """
    if (
        valid_until is not None
        and on > valid_until
        and status in (CertificateStatus.VALID, CertificateStatus.SUSPENDED)
    ):
        return CertificateStatus.EXPIRED
    return status
