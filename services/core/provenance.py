"""Where a fact came from, and which calendar day an instant falls on."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import overload

from services.core.provinces import Province

CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")
"""Validity and effective dates are calendar days in China (UTC+8, no daylight saving)."""


# A partial, not a def: no Python frame, and the hottest calls read the clock.
utcnow: Callable[[], dt.datetime] = functools.partial(dt.datetime.now, dt.UTC)


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """An instant read back from SQL: SQLite hands back naive datetimes, and
    everything the hub stores is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


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
