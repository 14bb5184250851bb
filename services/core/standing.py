"""Where a certificate is recognised: the one rule behind every answer that says so.

A certificate's standing is the outcome of decide_certificate for each of the
four provinces as target. DecideRecognition states one of them with its
reasons; label answers state all four (recognised, conditionally recognised).
Both come from here, so they cannot disagree.

Checks answer thousands of labels a second, and most certificates have no
credit event and no open conflict about them; for those, the decision reads
nothing of the certificate but its plain_key, so one standing serves every
certificate with the same key (a test holds decide_certificate to that).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from services.core.policy import Outcome
from services.core.provinces import Province
from services.core.recognition import Certificate
from services.core.recognition_decisions import CertificateReasons
from services.core.records import GreenCertification
from services.core.status import CertificateStatus, effective_status

_PROVINCES = tuple(Province)


@dataclass(frozen=True, slots=True)
class Standing:
    """Each target province's outcome for one certificate on one day, in
    Province order (a tuple: standings are compared and cached by value)."""

    outcomes: tuple[Outcome, ...]
    # The holder's serious-violation listings in force on the day (joint
    # punishment: the label verdict says so); empty for most certificates.
    restricted_by: tuple[str, ...] = ()
    # Why it is recognised only conditionally, in DecideRecognition's words:
    # the holder's credit listings and the open conflicts that make it so
    # (what a status makes conditional, the verdict says already); empty
    # for most certificates.
    conditions: tuple[str, ...] = ()

    def outcome(self, target: Province) -> Outcome:
        return self.outcomes[_PROVINCES.index(target)]

    @property
    def recognized_in(self) -> tuple[Province, ...]:
        return self._where(Outcome.RECOGNIZED)

    @property
    def conditionally_recognized_in(self) -> tuple[Province, ...]:
        return self._where(Outcome.CONDITIONAL)

    def _where(self, outcome: Outcome) -> tuple[Province, ...]:
        return tuple(p for p, o in zip(_PROVINCES, self.outcomes, strict=True) if o is outcome)


class StandingOf(NamedTuple):
    """A certificate's standing, and whether its plain key alone decided it
    (a green certificate with no credit event and no open conflict): then it
    holds for every certificate with the same plain key."""

    standing: Standing
    plain: bool


NOWHERE = Standing((Outcome.NOT_RECOGNIZED,) * len(_PROVINCES))


def standing(reasons: CertificateReasons) -> Standing:
    """decide_certificate's outcome in every province, from its reasons
    (computed once: only source.accepted depends on the target)."""
    return Standing(
        tuple(
            max((r.effect for r in reasons.for_target(target)), key=lambda o: o.severity)
            for target in _PROVINCES
        )
    )


# The reasons a condition may rest on beyond the plain key: the holder's
# credit listings and open conflicts (core.recognition).
_CONDITION_RULES = frozenset({"credit.listings", "conflicts.open"})


def conditions_of(reasons: CertificateReasons) -> tuple[str, ...]:
    """What makes a certificate conditionally recognised beyond its plain key,
    as DecideRecognition words it (nothing for a plain certificate)."""
    return tuple(
        r.message
        for r in reasons.rest
        if r.rule_id in _CONDITION_RULES and r.effect is Outcome.CONDITIONAL
    )


def least_of(standings: Iterable[Standing]) -> Standing:
    """Per province, the least favourable outcome: a label on several
    certificates is recognised where every one of them is."""
    found = list(standings)
    if not found:
        return NOWHERE
    return Standing(
        tuple(
            max(outcomes, key=lambda o: o.severity)
            for outcomes in zip(*(s.outcomes for s in found), strict=True)
        ),
        tuple(sorted({r for s in found for r in s.restricted_by})),
        tuple(dict.fromkeys(c for s in found for c in s.conditions)),
    )


PlainKey = tuple[Province, bool, CertificateStatus]
"""What decide_certificate reads of a green certificate with no credit event
and no open conflict: who published it, whether its validity had started, and
its status on the day."""


def plain_key(province: Province, started: bool, status_on_day: CertificateStatus) -> PlainKey:
    return (province, started, status_on_day)


def plain_key_of(certificate: Certificate, on: dt.date) -> PlainKey | None:
    """The plain key of a green certificate (None for a qualification, whose
    scope standards the policy may judge too)."""
    record = certificate.record
    if not isinstance(record, GreenCertification):
        return None
    return plain_key(
        certificate.source.province,
        record.valid_from <= on,
        effective_status(
            record.status, record.valid_until, on, record.valid_from, record.status_effective_date
        ),
    )
