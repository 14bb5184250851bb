"""The label verdict: what a person checking a green-product label is told, and why.

A label (绿色产品标识) stands for a product, an enterprise's model: the
national platform merges every certifying body's certificate for it under one
label code. Each province relays each body's word on its certificate, so a
check finds, per certificate, one copy per province that holds it. Copies can
differ while a body's update travels: the newest word is the copy whose status
took effect last (then: accepted last), and a copy that says less is lagging
while it is older than that word and the word is younger than the allowed
lag; otherwise the copies conflict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.core.provinces import Province
from services.core.status import CertificateStatus

MAX_BATCH = 1000
DEFAULT_LAG_GRACE = dt.timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class LabelFinding:
    """One province's copy of a certificate that carries the checked code."""

    province: Province
    certificate: str  # body approval number / certificate number
    status: CertificateStatus  # effective on the day of the check
    # The product the certificate is for (label_format.product_of); empty: unknown.
    product: str = ""
    # The day its published status took effect (ISO; empty: from its
    # validity): its status_effective_date, or status_since's day.
    status_since: str = ""
    accepted_at: dt.datetime | None = None


class CopyStanding(StrEnum):
    CURRENT = "CURRENT"
    LAGGING = "LAGGING"
    CONFLICTING = "CONFLICTING"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the person checking a label should be told, and why."""

    # A CertificateStatus value, "NOT_FOUND", "CONFLICT" or "SERIOUS_VIOLATION".
    status: str
    conflicts: tuple[str, ...]
    # Lagging copies and certificates of the product that no longer hold.
    notes: tuple[str, ...] = ()
    # Per finding, in the order given: how its copy stands.
    copies: tuple[CopyStanding, ...] = ()
    # The certificates the verdict rests on (where the label is recognised is theirs).
    relied_on: tuple[str, ...] = ()


# What joint punishment overrides: a certificate that still holds.
_HOLDING = frozenset({CertificateStatus.VALID, CertificateStatus.SUSPENDED})
# Which status a label on several certificates of one product shows: the best.
PREFERENCE = (
    CertificateStatus.VALID,
    CertificateStatus.SUSPENDED,
    CertificateStatus.EXPIRED,
    CertificateStatus.CANCELLED,
    CertificateStatus.REVOKED,
)
_RANK = {s: i for i, s in enumerate(PREFERENCE)}


def label_verdict(
    findings: Sequence[LabelFinding],
    restricted_by: Sequence[str] = (),
    *,
    now: dt.datetime | None = None,
    lag_grace: dt.timedelta = DEFAULT_LAG_GRACE,
    fresh: Mapping[Province, dt.datetime] | None = None,
) -> Verdict:
    """The status to show. A code on certificates of different products, or
    provinces' copies of a certificate that disagree beyond lag, are a conflict
    to show, not hide. Several bodies' certificates for one product are one
    label: it shows the best of their statuses, the others in notes. A label
    that holds, of an enterprise on the serious-violation list (`restricted_by`,
    its listings), is SERIOUS_VIOLATION: joint punishment. Where the label is
    recognised is its certificates' standing (core.standing), beside this.
    `fresh`: each province's newest event accepted, told beside a lag."""
    if not findings:
        return Verdict("NOT_FOUND", ())
    if len(findings) == 1:
        only = findings[0]
        status = only.status.value
        if restricted_by and only.status in _HOLDING:
            status = "SERIOUS_VIOLATION"
        return Verdict(status, (), (), (CopyStanding.CURRENT,), (only.certificate,))
    conflicts: list[str] = []
    notes: list[str] = []
    copies = [CopyStanding.CURRENT] * len(findings)
    products = sorted({f.product for f in findings if f.product})
    if len(products) > 1:
        certificates = sorted({f.certificate for f in findings})
        conflicts.append(
            f"one label code on {len(certificates)} certificates of {len(products)} products "
            f"(enterprise/model): {', '.join(products)}"
        )
    said: dict[str, CertificateStatus] = {}
    disputed: set[str] = set()  # certificates in a conflict
    for cert in sorted({f.certificate for f in findings}):
        mine = [i for i, f in enumerate(findings) if f.certificate == cert]
        before = len(conflicts)
        said[cert] = _copies(findings, mine, copies, conflicts, notes, now, lag_grace, fresh or {})
        if len(conflicts) > before or len(products) > 1:
            disputed.add(cert)
    best = min(said.values(), key=_RANK.__getitem__)
    relied_on = tuple(c for c, s in said.items() if s is best)
    if len(said) > 1:
        for cert, status in said.items():
            if status is not best:
                notes.append(
                    f"{cert} is {status.value}: the label holds on "
                    f"{', '.join(relied_on)} ({best.value})"
                )
    if conflicts:
        # A conflict is part of what the verdict rests on: the label is
        # recognised only where the certificates in it are too.
        rests_on = tuple(c for c in said if c in disputed or c in relied_on)
        return Verdict("CONFLICT", tuple(conflicts), tuple(notes), tuple(copies), rests_on)
    status = best.value
    if restricted_by and best in _HOLDING:
        status = "SERIOUS_VIOLATION"
    return Verdict(status, (), tuple(notes), tuple(copies), relied_on)


def _copies(
    findings: Sequence[LabelFinding],
    mine: list[int],
    copies: list[CopyStanding],
    conflicts: list[str],
    notes: list[str],
    now: dt.datetime | None,
    lag_grace: dt.timedelta,
    fresh: Mapping[Province, dt.datetime],
) -> CertificateStatus:
    """The newest word on one certificate among its copies (`mine`, indexes
    into findings); marks each copy in `copies` and says why in words."""
    if len(mine) == 1:
        return findings[mine[0]].status
    newest = max(mine, key=lambda i: _order(findings[i]))
    word = findings[newest]
    for i in mine:
        copy = findings[i]
        if copy.status is word.status:
            continue
        behind = _order(copy)[1] < _order(word)[1]
        within = now is None or word.accepted_at is None or now - word.accepted_at <= lag_grace
        what = (
            f"{copy.province.value}'s copy of {word.certificate} says {copy.status.value}, "
            f"{word.province.value}'s newer one {word.status.value}"
            f"{f' since {word.status_since}' if word.status_since else ''}"
        )
        if behind and within:
            copies[i] = CopyStanding.LAGGING
            seen = fresh.get(copy.province)
            feed = f" (its feed current to {seen:%Y-%m-%d %H:%M}Z)" if seen else ""
            notes.append(f"{what}: {copy.province.value} lags{feed}")
        else:
            copies[i] = CopyStanding.CONFLICTING
            why = "accepted after it" if not behind else f"for longer than {_hours(lag_grace)}"
            conflicts.append(f"{what}; provinces disagree ({why})")
    return word.status


@dataclass(frozen=True, slots=True)
class CopyVersion:
    """One revision of a province's copy of a certificate, as status_since reads it."""

    status: CertificateStatus
    status_effective_date: str  # ISO; empty: not dated
    accepted_on: str  # ISO: the day in China it was accepted


def status_since(versions: Sequence[CopyVersion], on: str = "") -> str:
    """The day the status of a copy's newest version (the last of `versions`,
    in revision order) took effect, as copies are ordered by (LabelFinding.
    status_since): the date it states; if it states none, the newest date an
    earlier version with the same status stated, else the day the copy's
    status last changed (the version that changed it was accepted then);
    empty when the copy has said that status since its first version (it
    holds from its validity). So a reinstatement relayed undated is dated by
    its arrival, and an undated correction of a name, which changes no status,
    moves nothing. `on` (ISO): the day the copy is read for; a status dated
    after it was not in effect yet (core.status.effective_status), and the
    copy holds from its validity: empty."""
    since = _status_since(versions)
    return "" if on and since > on else since


def _status_since(versions: Sequence[CopyVersion]) -> str:
    # Back from the newest version, through those with its status.
    for i in range(len(versions) - 1, -1, -1):
        version = versions[i]
        if version.status_effective_date:
            return version.status_effective_date
        if i > 0 and versions[i - 1].status is not version.status:
            return version.accepted_on
    return ""


def _order(f: LabelFinding) -> tuple[str, dt.datetime]:
    return (f.status_since, f.accepted_at or _NEVER)


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def _hours(span: dt.timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} h"
