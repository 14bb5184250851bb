"""Where a fact came from, and which calendar day an instant falls on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.core.provinces import Province

CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")
"""Validity and effective dates are calendar days in China (UTC+8, no daylight saving)."""


def china_date(instant: dt.datetime) -> dt.date:
    """The calendar day in China of an instant (naive instants are taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(CHINA_TIME).date()


@dataclass(frozen=True, slots=True)
class Source:
    """One revision of one record, as a province published it and the hub applied it."""

    province: Province
    record_key: str
    revision: int
    event_id: str
    sequence: int
    accepted_at: dt.datetime
    applied_at: dt.datetime

    @property
    def accepted_on(self) -> dt.date:
        return china_date(self.accepted_at)
