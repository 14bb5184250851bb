"""Recognition decisions: is a certificate, or an institution's scope, recognised in a
target province on a day, and exactly why.

A decision applies the rules of services.core.recognition and takes the most
severe effect among them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.core.credit import CreditFact
from services.core.policy import Outcome, RecognitionPolicy
from services.core.provinces import CMA_ISSUERS, Province, judged_copy_of
from services.core.recognition import (
    Certificate,
    Decision,
    DecisionInput,
    InputOrigin,
    OpenConflict,
    ProficiencyFact,
    Reason,
    RequestedItem,
    conflicts_open,
    credit_listings,
    proficiency_recent,
    record_input,
    request_input,
    source_accepted,
    standards_in_force,
    status_on_date,
    validity_started,
)
from services.core.records import Qualification, ScopeItem
from services.core.text import comparable


def decision_of(
    policy: RecognitionPolicy, target: Province, on: dt.date, reasons: Sequence[Reason]
) -> Decision:
    """The decision of a set of reasons: the most severe effect among them."""
    outcome = max((r.effect for r in reasons), key=lambda o: o.severity, default=Outcome.RECOGNIZED)
    return Decision(outcome, tuple(reasons), policy.version, policy.digest, target, on)


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
    return certificate_reasons(
        policy,
        on=on,
        record_key=record_key,
        certificate=certificate,
        credit=credit,
        conflicts=conflicts,
    ).decision(target)


@dataclass(frozen=True, slots=True)
class CertificateReasons:
    """Every reason of decide_certificate but the one that depends on the target
    province (source.accepted), which for_target puts in its place."""

    policy: RecognitionPolicy
    on: dt.date
    certificate: Certificate | None
    first: Reason
    rest: tuple[Reason, ...]

    def for_target(self, target: Province) -> list[Reason]:
        if self.certificate is None:
            return [self.first]
        return [self.first, source_accepted(self.policy, target, self.certificate), *self.rest]

    def decision(self, target: Province) -> Decision:
        """decide_certificate's answer for `target`."""
        return decision_of(self.policy, target, self.on, self.for_target(target))


def certificate_reasons(
    policy: RecognitionPolicy,
    *,
    on: dt.date,
    record_key: str,
    certificate: Certificate | None,
    credit: Sequence[CreditFact],
    conflicts: Sequence[OpenConflict],
) -> CertificateReasons:
    """decide_certificate's reasons, computed once for every target province."""
    if certificate is None:
        return CertificateReasons(
            policy,
            on,
            None,
            Reason(
                "record.known",
                Outcome.NOT_RECOGNIZED,
                f"no version of {record_key} to judge (none published, "
                "or none by the province asked)",
                (request_input("record_key", record_key),),
            ),
            (),
        )
    rest = [
        validity_started(certificate, on),
        status_on_date(policy, certificate, on),
        credit_listings(policy, certificate.holder_uscc, credit, on),
        conflicts_open(policy, conflicts),
    ]
    record = certificate.record
    if isinstance(record, Qualification) and policy.scope.require_standard_in_force:
        rest.append(standards_in_force(policy, [(i, certificate) for i in record.scope], on))
    return CertificateReasons(
        policy,
        on,
        certificate,
        Reason(
            "record.known",
            Outcome.RECOGNIZED,
            f"judging {certificate.source.province.name_en}'s revision "
            f"{certificate.source.revision} of {record_key}"
            + (f", a renewal of {replaced}" if (replaced := certificate.record.replaces) else ""),
            (
                record_input("revision", certificate.source.revision, certificate),
                *([record_input("replaces", replaced, certificate)] if replaced else []),
            ),
        ),
        tuple(rest),
    )


def _covers(item: ScopeItem, wanted: RequestedItem) -> bool:
    return (
        comparable(item.parameter) == comparable(wanted.parameter)
        and comparable(item.standard_code) == comparable(wanted.standard_code)
        and (wanted.standard_year is None or wanted.standard_year == item.standard_year)
    )


def scope_item_input(wanted: RequestedItem) -> DecisionInput:
    """A requested scope item, as the scope rules name it among their inputs."""
    return request_input(
        "scope_item",
        f"{wanted.parameter} | {wanted.standard_code}"
        + (f"-{wanted.standard_year}" if wanted.standard_year else ""),
    )


def _certificate_effect(reasons: Sequence[Reason]) -> Outcome:
    return max((r.effect for r in reasons), key=lambda o: o.severity, default=Outcome.RECOGNIZED)


def judged_copies(copies: Sequence[Certificate]) -> list[Certificate]:
    """One copy of each certificate in `copies` (provinces' versions, keyed by
    their record key): the issuing province's, else the one accepted last
    (judged_copy_of, the rule DecideRecognition and VerifyReport judge by)."""
    by_key: dict[str, list[Certificate]] = {}
    for copy in copies:
        by_key.setdefault(copy.source.record_key, []).append(copy)
    judged: list[Certificate] = []
    for found in by_key.values():
        record = found[0].record
        issuer = CMA_ISSUERS.get(record.issuer) if isinstance(record, Qualification) else None
        chosen = judged_copy_of(
            found, lambda c: c.source.province.value, lambda c: c.source.accepted_at, issuer
        )
        if chosen is not None:
            judged.append(chosen)
    return judged


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
    proficiency: Sequence[ProficiencyFact] = (),
) -> Decision:
    """Whether an institution is recognised in `target` on `on` for each requested
    scope item: some qualification of it that `target` would recognise must
    cover the item (same parameter and standard); the best such qualification
    counts. A recent bad proficiency result (`proficiency`, the institution's)
    for a covered item weighs as the policy says. Of a certificate several
    provinces hold, one copy is judged, as for_record judges it
    (judged_copies): another province's copy never outweighs the issuer's."""
    qualifications = judged_copies(qualifications)
    if not qualifications:
        return decision_of(
            policy,
            target,
            on,
            [
                Reason(
                    "institution.known",
                    Outcome.NOT_RECOGNIZED,
                    f"no province has published a qualification of {uscc}",
                    (request_input("institution_uscc", uscc),),
                )
            ],
        )
    reasons: list[Reason] = [
        Reason(
            "institution.known",
            Outcome.RECOGNIZED,
            f"{len(qualifications)} qualification(s) held by the provinces (of each, the "
            "issuing province's copy, else the one published last)",
            tuple(record_input("qualification", q.source.record_key, q) for q in qualifications),
        )
    ]
    judged = {
        (q.source.province, q.source.record_key): _certificate_reasons(policy, target, q, on)
        for q in qualifications
    }
    cited: list[tuple[ScopeItem, Certificate]] = []
    for wanted in items:
        asked = scope_item_input(wanted)
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
                    record_input(
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
    if cited:
        covered = [(item.parameter, item.standard_code) for item, _ in cited]
        reasons.append(proficiency_recent(policy, covered, proficiency, on))
    if policy.scope.require_standard_in_force and cited:
        reasons.append(standards_in_force(policy, cited, on))
    return decision_of(policy, target, on, reasons)
