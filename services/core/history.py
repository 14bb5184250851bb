"""Versions over time: what the hub knew at an instant, and what held on a day.

Two clocks, kept apart:

- record time: when the registry applied a version. "As of T" means the
  versions applied at or before T, i.e. what the hub could have answered then.
- valid time: a calendar day in China. Records carry validity dates but no
  date for a change of status, so a version is taken to hold from the day its
  province accepted it; the earliest version also stands for the days before
  the hub first heard of the certificate, since it states the validity dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from services.core.provenance import Source
from services.core.records import GreenCertification, Qualification
from services.core.status import CertificateStatus, effective_status

V = TypeVar("V")


def known_at(
    versions: Iterable[V], at: dt.datetime, applied_at: Callable[[V], dt.datetime]
) -> list[V]:
    """The versions the hub had applied at or before `at`."""
    return [v for v in versions if applied_at(v) <= at]


def latest(versions: Iterable[V], revision: Callable[[V], int]) -> V | None:
    return max(versions, key=revision, default=None)


def in_force_on(versions: Sequence[V], on: dt.date, source: Callable[[V], Source]) -> V | None:
    """One province's version that held on day `on`: the highest revision accepted
    on or before it, or else the earliest known version."""
    if not versions:
        return None
    accepted = [v for v in versions if source(v).accepted_on <= on]
    if accepted:
        return max(accepted, key=lambda v: source(v).revision)
    return min(versions, key=lambda v: source(v).revision)


Certificate = Qualification | GreenCertification


@dataclass(frozen=True, slots=True)
class ValidityOnDay:
    status: CertificateStatus  # EXPIRED derived from valid_until
    valid: bool
    reason: str


def validity_on(record: Certificate, on: dt.date) -> ValidityOnDay:
    """Whether a certificate version was valid on `on`, and why not."""
    if on < record.valid_from:
        return ValidityOnDay(
            record.status, False, f"not yet valid on {on} (valid from {record.valid_from})"
        )
    status = effective_status(record.status, record.valid_until, on)
    if status is CertificateStatus.VALID:
        return ValidityOnDay(
            status, True, f"valid on {on} ({record.valid_from} to {record.valid_until})"
        )
    if status is CertificateStatus.EXPIRED:
        return ValidityOnDay(status, False, f"expired on {record.valid_until}")
    return ValidityOnDay(status, False, f"{status.value} as published")
