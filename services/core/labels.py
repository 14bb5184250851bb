"""The label verdict: what a person checking a green-product label is told, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.core.provinces import Province
from services.core.status import CertificateStatus

MAX_BATCH = 1000


@dataclass(frozen=True, slots=True)
class LabelFinding:
    """One province's view of a certificate that carries the checked code."""

    province: Province
    certificate: str  # body code / certificate number
    status: CertificateStatus  # effective on the day of the check


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the person checking a label should be told, and why."""

    # A CertificateStatus value, "NOT_FOUND", "CONFLICT" or "SERIOUS_VIOLATION".
    status: str
    conflicts: tuple[str, ...]


# What joint punishment overrides: a certificate that still holds.
_HOLDING = frozenset({CertificateStatus.VALID, CertificateStatus.SUSPENDED})


def label_verdict(findings: Sequence[LabelFinding], restricted_by: Sequence[str] = ()) -> Verdict:
    """The status to show; a label on two certificates, or provinces disagreeing
    on one certificate's status, is a conflict to show, not hide. A certificate
    that holds, of an enterprise on the serious-violation list (`restricted_by`,
    its listings), is SERIOUS_VIOLATION: joint punishment. Where the
    certificate is recognised is its standing (core.standing), beside this."""
    if not findings:
        return Verdict("NOT_FOUND", ())
    conflicts: list[str] = []
    certificates = sorted({f.certificate for f in findings})
    if len(certificates) > 1:
        conflicts.append(
            f"one label code on {len(certificates)} certificates: {', '.join(certificates)}"
        )
    for cert in certificates:
        statuses = {f.province: f.status for f in findings if f.certificate == cert}
        if len(set(statuses.values())) > 1:
            said = ", ".join(f"{p.value} {s.value}" for p, s in sorted(statuses.items()))
            conflicts.append(f"provinces disagree on {cert}: {said}")
    if conflicts:
        return Verdict("CONFLICT", tuple(conflicts))
    if restricted_by and findings[0].status in _HOLDING:
        return Verdict("SERIOUS_VIOLATION", ())
    return Verdict(findings[0].status.value, ())
