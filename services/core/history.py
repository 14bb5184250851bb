"""Versions over time: what the hub knew at an instant, and what held on a day.

Two clocks, kept apart, and every question states both (AsOf):

- record time: when the registry applied a version. "As of T" means the
  versions applied at or before T, i.e. what the hub could have answered then.
- valid time: a calendar day in China. A version holds from the day its
  status took effect when it states one (status_effective_date, possibly
  before it was published), else from the day its province accepted it; the
  earliest version also stands for the days before the hub first heard of the
  certificate, since it states the validity dates, its status only from its
  status_effective_date (before it, the certificate held as issued).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from services.core.errors import InvalidRequest, Violation
from services.core.fields import iso_day
from services.core.provenance import Source, china_date
from services.core.records import GreenCertification, Qualification
from services.core.status import CertificateStatus, effective_status

V = TypeVar("V")

# A client's clock may run a little ahead of the registry's.
CLOCK_SKEW = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class AsOf:
    """The point of view of a question: the day it is judged on (valid time)
    and the instant whose knowledge answers it (record time)."""

    valid_on: dt.date
    known_at: dt.datetime
    # Whether known_at is the hub's present knowledge (none was asked): the
    # current rows answer then, unless valid_on lies before today.
    latest: bool

    @property
    def current(self) -> bool:
        """Whether each province's current version is the one in force on
        valid_on, as the hub knows it now: a day on or after today's."""
        return self.latest and self.valid_on >= china_date(self.known_at)


# The days a valid_on may name: beyond any record's (core/records.py), and
# clear of the calendar's ends, where the day after would overflow.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
# The first instant an as_of may ask about (no record was known before).
EARLIEST_KNOWN_AT = dt.datetime.combine(FIRST_DAY, dt.time(), dt.UTC)


def as_of(
    valid_on: str, known_at: dt.datetime | None, now: dt.datetime, field: str = "as_of"
) -> AsOf:
    """The AsOf of a request: `valid_on` as YYYY-MM-DD (empty: the China day of
    known_at), `known_at` an instant (None: now; at most CLOCK_SKEW ahead)."""
    latest = known_at is None or known_at >= now
    if known_at is not None and known_at < EARLIEST_KNOWN_AT:
        raise InvalidRequest(
            "knowledge from before the records",
            [
                Violation(
                    f"{field}.known_at",
                    f"{known_at.isoformat()} is before {EARLIEST_KNOWN_AT.isoformat()}",
                )
            ],
        )
    if known_at is not None and known_at > now + CLOCK_SKEW:
        raise InvalidRequest(
            "knowledge from the future",
            [Violation(f"{field}.known_at", f"{known_at.isoformat()} is after now")],
        )
    at = now if latest or known_at is None else known_at
    if not valid_on:
        return AsOf(china_date(at), at, latest)
    text = valid_on.strip()
    if not text:  # a filled-in field gone blank is not "today"
        raise InvalidRequest(
            "blank date",
            [Violation(f"{field}.valid_on", "white space alone: a day YYYY-MM-DD, or empty")],
        )
    try:
        day = iso_day(text)
    except ValueError as error:
        raise InvalidRequest(
            "malformed date", [Violation(f"{field}.valid_on", str(error))]
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidRequest(
            "implausible date",
            [Violation(f"{field}.valid_on", f"{day} is outside {FIRST_DAY}..{LAST_DAY}")],
        )
    return AsOf(day, at, latest)


def known_at(
    versions: Iterable[V], at: dt.datetime, applied_at: Callable[[V], dt.datetime]
) -> list[V]:
    """The versions the hub had applied at or before `at`."""
    return [v for v in versions if applied_at(v) <= at]


def latest(versions: Iterable[V], revision: Callable[[V], int]) -> V | None:
    return max(versions, key=revision, default=None)


def in_force_on(
    versions: Sequence[V],
    on: dt.date,
    source: Callable[[V], Source],
    effective: Callable[[V], dt.date | None] = lambda _: None,
) -> V | None:
    """One province's version that held on day `on`: the highest revision in
    effect on or before it, or else the earliest known version. A version takes
    effect on the day its status took effect (`effective`, which may lie before
    it was published: a revocation decided last month), else on the day its
    province accepted it."""
    if not versions:
        return None

    def since(v: V) -> dt.date:
        return effective(v) or source(v).accepted_on

    in_effect = [v for v in versions if since(v) <= on]
    if in_effect:
        return max(in_effect, key=lambda v: source(v).revision)
    return min(versions, key=lambda v: source(v).revision)


Certificate = Qualification | GreenCertification


@dataclass(frozen=True, slots=True)
class ValidityOnDay:
    status: CertificateStatus  # EXPIRED derived from the validity dates
    valid: bool
    reason: str


def validity_on(record: Certificate, on: dt.date) -> ValidityOnDay:
    """Whether a certificate version was valid on `on`, and why not."""
    since = record.status_effective_date
    status = effective_status(record.status, record.valid_until, on, record.valid_from, since)
    if on < record.valid_from:
        return ValidityOnDay(
            status, False, f"not yet valid on {on} (valid from {record.valid_from})"
        )
    if status is CertificateStatus.VALID:
        later = (
            f"; {record.status.value} from {since}"
            if since is not None and on < since and record.status is not status
            else ""
        )
        return ValidityOnDay(
            status, True, f"valid on {on} ({record.valid_from} to {record.valid_until}){later}"
        )
    if status is CertificateStatus.EXPIRED:
        return ValidityOnDay(status, False, f"expired on {record.valid_until}")
    return ValidityOnDay(status, False, f"{status.value} as published")
