"""Recognition decisions: is a certificate, or an institution's scope, recognised in a
target province on a day, and exactly why.

Each rule returns a Reason: a stable rule id, the effect it has (RECOGNIZED when
it passes), a message, and the inputs it used with their provenance (the
province's record and revision, the policy, the request, or a conflict). The
decision is the most severe effect; every rule evaluated is reported, passed
ones too, so a RECOGNIZED answer is as explainable as a refusal.

Rule ids: record.known, institution.known, source.accepted, validity.started,
status.on_date, credit.listings, conflicts.open, scope.standards_in_force,
scope.covered.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.core.conflicts import ConflictType
from services.core.credit import CreditFact, in_force_on
from services.core.history import validity_on
from services.core.policy import Outcome, RecognitionPolicy
from services.core.provenance import Source
from services.core.provinces import Province
from services.core.records import GreenCertification, Qualification, ScopeItem


class InputOrigin(StrEnum):
    RECORD = "RECORD"  # a field of a province's record (see its source)
    POLICY = "POLICY"  # a setting of the recognition policy
    REQUEST = "REQUEST"  # what the caller asked
    CONFLICT = "CONFLICT"  # an open conflict the registry detected


@dataclass(frozen=True, slots=True)
class DecisionInput:
    name: str
    value: str
    origin: InputOrigin
    source: Source | None = None
    conflict_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    rule_id: str
    effect: Outcome
    message: str
    inputs: tuple[DecisionInput, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    policy_version: str
    policy_digest: str
    target: Province
    on: dt.date


@dataclass(frozen=True, slots=True)
class Certificate:
    """One province's version of a certificate, with where it came from."""

    record: Qualification | GreenCertification
    source: Source

    @property
    def holder_uscc(self) -> str:
        r = self.record
        return r.institution_uscc if isinstance(r, Qualification) else r.enterprise_uscc


@dataclass(frozen=True, slots=True)
class OpenConflict:
    conflict_id: int
    type: ConflictType
    subject: str
    summary: str


@dataclass(frozen=True, slots=True)
class RequestedItem:
    """A scope item to recognise: a parameter tested to a standard (any year when None)."""

    parameter: str
    standard_code: str
    standard_year: int | None = None


def _decision(
    policy: RecognitionPolicy, target: Province, on: dt.date, reasons: Sequence[Reason]
) -> Decision:
    outcome = max((r.effect for r in reasons), key=lambda o: o.severity, default=Outcome.RECOGNIZED)
    return Decision(outcome, tuple(reasons), policy.version, policy.digest, target, on)


def _record(name: str, value: object, cert: Certificate) -> DecisionInput:
    return DecisionInput(name, str(value), InputOrigin.RECORD, cert.source)


def _policy(name: str, values: object) -> DecisionInput:
    if isinstance(values, frozenset | set | tuple | list):
        values = ",".join(sorted(str(v) for v in values))
    return DecisionInput(name, str(values), InputOrigin.POLICY)


def _request(name: str, value: object) -> DecisionInput:
    return DecisionInput(name, str(value), InputOrigin.REQUEST)


# --- rules ----------------------------------------------------------------------


def source_accepted(policy: RecognitionPolicy, target: Province, cert: Certificate) -> Reason:
    publisher = cert.source.province
    accepted = policy.sources.accepts(target, publisher)
    inputs = (
        _record("publishing_province", publisher.value, cert),
        _request("target_province", target.value),
        _policy(
            f"sources.accept_from.{target.value}",
            policy.sources.accept_from.get(target, frozenset(Province)),
        ),
    )
    if accepted:
        return Reason(
            "source.accepted",
            Outcome.RECOGNIZED,
            f"{target.name_en} accepts {publisher.name_en}'s records",
            inputs,
        )
    return Reason(
        "source.accepted",
        Outcome.NOT_RECOGNIZED,
        f"{target.name_en} does not accept {publisher.name_en}'s records under this policy",
        inputs,
    )


def validity_started(cert: Certificate, on: dt.date) -> Reason:
    start = cert.record.valid_from
    inputs = (_record("valid_from", start, cert), _request("as_of", on))
    if on < start:
        return Reason(
            "validity.started", Outcome.NOT_RECOGNIZED, f"not valid before {start}", inputs
        )
    return Reason("validity.started", Outcome.RECOGNIZED, f"valid since {start}", inputs)


def status_on_date(policy: RecognitionPolicy, cert: Certificate, on: dt.date) -> Reason:
    status = validity_on(cert.record, on).status
    effect = policy.status.effect(status)
    inputs = (
        _record("status", cert.record.status.value, cert),
        _record("valid_until", cert.record.valid_until, cert),
        _request("as_of", on),
        _policy("status.blocking", policy.status.blocking),
        _policy("status.conditional", policy.status.conditional),
    )
    derived = " (derived from valid_until)" if status is not cert.record.status else ""
    return Reason("status.on_date", effect, f"status on {on} is {status.value}{derived}", inputs)


def credit_listings(
    policy: RecognitionPolicy, uscc: str, credit: Sequence[CreditFact], on: dt.date
) -> Reason:
    listings = in_force_on(credit, on)
    inputs: list[DecisionInput] = [
        _request("institution_uscc", uscc),
        _request("as_of", on),
        _policy("credit.blocking_lists", policy.credit.blocking_lists),
        _policy("credit.conditional_lists", policy.credit.conditional_lists),
    ]
    effect = Outcome.RECOGNIZED
    said: list[str] = []
    for item in listings:
        e = item.listing.event
        inputs.append(
            DecisionInput(
                "credit_listing",
                f"{e.list_type.value} since {e.effective_from}: {e.reason}",
                InputOrigin.RECORD,
                item.listing.source,
            )
        )
        this = policy.credit.effect(e.list_type)
        effect = max(effect, this, key=lambda o: o.severity)
        said.append(f"{e.list_type.value} by {e.listing_province.name_en} since {e.effective_from}")
    if not listings:
        message = f"no credit listing in force on {on} in any province"
    else:
        message = "in force: " + "; ".join(said)
    return Reason("credit.listings", effect, message, tuple(inputs))


def conflicts_open(policy: RecognitionPolicy, conflicts: Sequence[OpenConflict]) -> Reason:
    inputs: list[DecisionInput] = [
        _policy("conflicts.blocking", policy.conflicts.blocking),
        _policy("conflicts.conditional", policy.conflicts.conditional),
    ]
    effect = Outcome.RECOGNIZED
    for c in sorted(conflicts, key=lambda c: c.conflict_id):
        inputs.append(
            DecisionInput(c.type.value, c.summary, InputOrigin.CONFLICT, conflict_id=c.conflict_id)
        )
        effect = max(effect, policy.conflicts.effect(c.type), key=lambda o: o.severity)
    message = (
        "no open conflict about the record or its holder"
        if not conflicts
        else f"{len(conflicts)} open conflict(s): "
        + "; ".join(c.summary for c in sorted(conflicts, key=lambda c: c.conflict_id))
    )
    return Reason("conflicts.open", effect, message, tuple(inputs))


def standards_in_force(
    policy: RecognitionPolicy, items: Sequence[tuple[ScopeItem, Certificate]], on: dt.date
) -> Reason:
    rules = policy.scope
    inputs: list[DecisionInput] = [
        _policy("scope.require_standard_in_force", rules.require_standard_in_force),
        _request("as_of", on),
    ]
    withdrawn: list[str] = []
    for item, cert in items:
        entry = rules.withdrawal(item.standard_code, item.standard_year, on)
        if entry is None:
            continue
        cited = f"{item.standard_code}-{item.standard_year}"
        replaced = f", replaced by {entry.replaced_by}" if entry.replaced_by else ""
        withdrawn.append(
            f"{item.parameter} cites {cited} (withdrawn {entry.withdrawn_on}{replaced})"
        )
        inputs.append(_record("scope_item", f"{item.parameter} | {cited}", cert))
        inputs.append(_policy("scope.withdrawn", f"{cited} withdrawn {entry.withdrawn_on}"))
    if not withdrawn:
        return Reason(
            "scope.standards_in_force",
            Outcome.RECOGNIZED,
            f"every scope item checked cites a standard in force on {on}",
            tuple(inputs),
        )
    return Reason(
        "scope.standards_in_force",
        rules.withdrawn_effect,
        "; ".join(withdrawn),
        tuple(inputs),
    )


# --- decisions ------------------------------------------------------------------


def _certificate_reasons(
    policy: RecognitionPolicy, target: Province, cert: Certificate, on: dt.date
) -> list[Reason]:
    return [
        source_accepted(policy, target, cert),
        validity_started(cert, on),
        status_on_date(policy, cert, on),
    ]


def decide_certificate(
    policy: RecognitionPolicy,
    *,
    target: Province,
    on: dt.date,
    record_key: str,
    certificate: Certificate | None,
    credit: Sequence[CreditFact],
    conflicts: Sequence[OpenConflict],
) -> Decision:
    """Whether one province's version of a certificate is recognised in `target` on `on`.

    `credit` holds the holder's credit events from every province; `conflicts`
    the open conflicts about the certificate or its holder.
    """
    if certificate is None:
        return _decision(
            policy,
            target,
            on,
            [
                Reason(
                    "record.known",
                    Outcome.NOT_RECOGNIZED,
                    f"no version of {record_key} to judge (none published, "
                    "or none by the province asked)",
                    (_request("record_key", record_key),),
                )
            ],
        )
    reasons = [
        Reason(
            "record.known",
            Outcome.RECOGNIZED,
            f"judging {certificate.source.province.name_en}'s revision "
            f"{certificate.source.revision} of {record_key}",
            (_record("revision", certificate.source.revision, certificate),),
        ),
        *_certificate_reasons(policy, target, certificate, on),
        credit_listings(policy, certificate.holder_uscc, credit, on),
        conflicts_open(policy, conflicts),
    ]
    record = certificate.record
    if isinstance(record, Qualification) and policy.scope.require_standard_in_force:
        reasons.append(standards_in_force(policy, [(i, certificate) for i in record.scope], on))
    return _decision(policy, target, on, reasons)


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _covers(item: ScopeItem, wanted: RequestedItem) -> bool:
    return (
        _key(item.parameter) == _key(wanted.parameter)
        and _key(item.standard_code) == _key(wanted.standard_code)
        and (wanted.standard_year is None or wanted.standard_year == item.standard_year)
    )


def _certificate_effect(reasons: Sequence[Reason]) -> Outcome:
    return max((r.effect for r in reasons), key=lambda o: o.severity, default=Outcome.RECOGNIZED)


def decide_scope(
    policy: RecognitionPolicy,
    *,
    target: Province,
    on: dt.date,
    uscc: str,
    qualifications: Sequence[Certificate],
    items: Sequence[RequestedItem],
    credit: Sequence[CreditFact],
    conflicts: Sequence[OpenConflict],
) -> Decision:
    """Whether an institution is recognised in `target` on `on` for each requested
    scope item: some qualification of it that `target` would recognise must
    cover the item (same parameter and standard); the best one counts."""
    if not qualifications:
        return _decision(
            policy,
            target,
            on,
            [
                Reason(
                    "institution.known",
                    Outcome.NOT_RECOGNIZED,
                    f"no province has published a qualification of {uscc}",
                    (_request("institution_uscc", uscc),),
                )
            ],
        )
    reasons: list[Reason] = [
        Reason(
            "institution.known",
            Outcome.RECOGNIZED,
            f"{len(qualifications)} qualification version(s) held by the provinces",
            tuple(_record("qualification", q.source.record_key, q) for q in qualifications),
        )
    ]
    judged = {
        (q.source.province, q.source.record_key): _certificate_reasons(policy, target, q, on)
        for q in qualifications
    }
    cited: list[tuple[ScopeItem, Certificate]] = []
    for wanted in items:
        asked = _request(
            "scope_item",
            f"{wanted.parameter} | {wanted.standard_code}"
            + (f"-{wanted.standard_year}" if wanted.standard_year else ""),
        )
        best: tuple[Outcome, Certificate, ScopeItem, list[Reason]] | None = None
        for q in qualifications:
            scope = q.record.scope if isinstance(q.record, Qualification) else ()
            match = next((i for i in scope if _covers(i, wanted)), None)
            if match is None:
                continue
            why = judged[(q.source.province, q.source.record_key)]
            effect = _certificate_effect(why)
            if best is None or effect.severity < best[0].severity:
                best = (effect, q, match, why)
        if best is None:
            reasons.append(
                Reason(
                    "scope.covered",
                    Outcome.NOT_RECOGNIZED,
                    f"no qualification covers {wanted.parameter} to {wanted.standard_code}",
                    (asked,),
                )
            )
            continue
        effect, cert, match, why = best
        failing = [r.message for r in why if r.effect is not Outcome.RECOGNIZED]
        detail = f" but {'; '.join(failing)}" if failing else ""
        reasons.append(
            Reason(
                "scope.covered",
                effect,
                f"{wanted.parameter} to {match.standard_code}-{match.standard_year} is covered by "
                f"{cert.source.record_key} ({cert.source.province.value}){detail}",
                (
                    asked,
                    _record(
                        "scope_item",
                        f"{match.parameter} | {match.standard_code}-{match.standard_year}",
                        cert,
                    ),
                    *(i for r in why for i in r.inputs if i.origin is InputOrigin.RECORD),
                ),
            )
        )
        cited.append((match, cert))
    reasons.append(credit_listings(policy, uscc, credit, on))
    reasons.append(conflicts_open(policy, conflicts))
    if policy.scope.require_standard_in_force and cited:
        reasons.append(standards_in_force(policy, cited, on))
    return _decision(policy, target, on, reasons)
