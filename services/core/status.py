"""Certificate statuses: canonical values, and expiry derived from dates."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class CertificateStatus(StrEnum):
    VALID = "VALID"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    CANCELLED = "CANCELLED"
    # Never published: derived at query time from the validity dates (past
    # valid_until, or before valid_from).
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
    status: CertificateStatus,
    valid_until: dt.date | None,
    on: dt.date,
    valid_from: dt.date | None = None,
    status_since: dt.date | None = None,
) -> CertificateStatus:
    """The status a reader should see on a given day.

    A status that took effect after `on` (`status_since`, its
    status_effective_date) was not the certificate's yet: the version read
    for a day before it (the earliest the hub knows, standing for the days
    before it) held as issued, VALID within its dates. A valid or suspended
    certificate outside its validity is expired: past valid_until, and before
    valid_from too, where the contract has no status of its own and a
    certificate must not read VALID on a day it did not hold (answers say
    "not yet valid" beside it). Revoked and cancelled stay as they are, since
    they say more than the dates do.
    """
    if status_since is not None and on < status_since:
        status = CertificateStatus.VALID
    if status not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        return status
    if (valid_until is not None and on > valid_until) or (
        valid_from is not None and on < valid_from
    ):
        return CertificateStatus.EXPIRED
    return status
