"""Recognition rules, and the types their answers are stated in: reasons, inputs, decisions.

Each rule returns a Reason: a stable rule id, the effect it has (RECOGNIZED when
it passes), a message, and the inputs it used with their provenance (the
province's record and revision, the policy, the request, or a conflict). The
decision is the most severe effect; every rule evaluated is reported, passed
ones too, so a RECOGNIZED answer is as explainable as a refusal.

Rule ids: record.known, institution.known, source.accepted, validity.started,
status.on_date, credit.listings, conflicts.open, scope.standards_in_force,
scope.covered, proficiency.recent.

The decisions that apply them are in services.core.recognition_decisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from services.core.conflicts import ConflictType
from services.core.credit import CreditFact, in_force_on, plus_months
from services.core.errors import Violation
from services.core.history import validity_on
from services.core.policy import Outcome, RecognitionPolicy
from services.core.provenance import Source
from services.core.provinces import Province
from services.core.records import (
    FIRST_STANDARD_YEAR,
    LAST_STANDARD_YEAR,
    GreenCertification,
    Qualification,
    ScopeItem,
    cited_year,
)
from services.core.results import ProficiencyResult
from services.core.text import comparable


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
class ProficiencyFact:
    """One province's current version of a proficiency-testing result."""

    result: ProficiencyResult
    source: Source


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


def scope_item_violations(items: Sequence[RequestedItem]) -> list[Violation]:
    """A requested item's year outside the years scope items may have, or its
    code carrying its year: either would be judged as no qualification
    covering it, where the same item asked as the contract says is covered."""
    found: list[Violation] = []
    for i, item in enumerate(items):
        year = item.standard_year
        if year is not None and not FIRST_STANDARD_YEAR <= year <= LAST_STANDARD_YEAR:
            found.append(
                Violation(
                    f"institution.items[{i}].standard_year",
                    f"0 for any, or a year {FIRST_STANDARD_YEAR}-{LAST_STANDARD_YEAR}",
                )
            )
        cited = cited_year(item.standard_code)
        if cited:
            found.append(
                Violation(
                    f"institution.items[{i}].standard_code",
                    f"the code without its year: {cited[0]!r}, and standard_year {cited[1]}",
                )
            )
    return found


class FromRecord(Protocol):
    """Anything judged with the revision it came from (a certificate, a report)."""

    @property
    def source(self) -> Source: ...


def record_input(name: str, value: object, fact: FromRecord) -> DecisionInput:
    return DecisionInput(name, str(value), InputOrigin.RECORD, fact.source)


def _policy(name: str, values: object) -> DecisionInput:
    if isinstance(values, frozenset | set | tuple | list):
        values = ",".join(sorted(str(v) for v in values))
    return DecisionInput(name, str(values), InputOrigin.POLICY)


def request_input(name: str, value: object) -> DecisionInput:
    return DecisionInput(name, str(value), InputOrigin.REQUEST)


# --- rules ----------------------------------------------------------------------


def source_accepted(policy: RecognitionPolicy, target: Province, cert: Certificate) -> Reason:
    publisher = cert.source.province
    accepted = policy.sources.accepts(target, publisher)
    inputs = (
        record_input("publishing_province", publisher.value, cert),
        request_input("target_province", target.value),
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
    inputs = (record_input("valid_from", start, cert), request_input("as_of", on))
    if on < start:
        return Reason(
            "validity.started", Outcome.NOT_RECOGNIZED, f"not valid before {start}", inputs
        )
    return Reason("validity.started", Outcome.RECOGNIZED, f"valid since {start}", inputs)


def status_on_date(policy: RecognitionPolicy, cert: Certificate, on: dt.date) -> Reason:
    status = validity_on(cert.record, on).status
    effect = policy.status.effect(status)
    since = cert.record.status_effective_date
    inputs = (
        record_input("status", cert.record.status.value, cert),
        *([record_input("status_effective_date", since, cert)] if since else []),
        record_input("valid_until", cert.record.valid_until, cert),
        request_input("as_of", on),
        _policy("status.blocking", policy.status.blocking),
        _policy("status.conditional", policy.status.conditional),
    )
    derived = ""
    if status is not cert.record.status:
        record = cert.record
        if on < record.valid_from or (record.valid_until is not None and on > record.valid_until):
            dates = "valid_from" if on < record.valid_from else "valid_until"
            derived = f" (derived from {dates})"
        else:  # its status was not in effect yet (core.status.effective_status)
            derived = f" (its {record.status.value} took effect on {since}, after that day)"
    dated = f", in effect since {since}" if since and status is cert.record.status else ""
    return Reason(
        "status.on_date", effect, f"status on {on} is {status.value}{derived}{dated}", inputs
    )


def credit_listings(
    policy: RecognitionPolicy, uscc: str, credit: Sequence[CreditFact], on: dt.date
) -> Reason:
    listings = in_force_on(credit, on, policy.credit)
    inputs: list[DecisionInput] = [
        request_input("institution_uscc", uscc),
        request_input("as_of", on),
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
                f"{e.list_type.value} {e.reference} since {e.effective_from}: {e.reason}",
                InputOrigin.RECORD,
                item.listing.source,
            )
        )
        for early in item.premature_repairs:
            inputs.append(
                DecisionInput(
                    "premature_repair",
                    f"{early.event.reference} of {early.event.effective_from}",
                    InputOrigin.RECORD,
                    early.source,
                )
            )
        for early in item.early_lifts:
            inputs.append(
                DecisionInput(
                    "early_lift",
                    f"{early.event.reference} of {early.event.effective_from}",
                    InputOrigin.RECORD,
                    early.source,
                )
            )
        this = policy.credit.effect(e.list_type)
        effect = max(effect, this, key=lambda o: o.severity)
        until = f" until {item.ends_on}" if item.ends_on else ""
        early_note = (
            f" (repair {', '.join(r.event.reference for r in item.premature_repairs)} "
            "came before the earliest repair day and lifts nothing)"
            if item.premature_repairs
            else ""
        )
        before = (
            f" ({', '.join(r.event.reference for r in item.early_lifts)} "
            "is dated before the listing and lifts nothing)"
            if item.early_lifts
            else ""
        )
        said.append(
            f"{e.list_type.value} {e.reference} by {e.listing_province.name_en} "
            f"since {e.effective_from}{until}{early_note}{before}"
        )
    if not listings:
        message = f"no credit listing in force on {on} in any province"
    else:
        message = "in force: " + "; ".join(said)
    return Reason("credit.listings", effect, message, tuple(inputs))


def proficiency_recent(
    policy: RecognitionPolicy,
    items: Sequence[tuple[str, str]],
    results: Sequence[ProficiencyFact],
    on: dt.date,
) -> Reason:
    """Whether a proficiency-testing round published within the policy's
    lookback before `on` went badly for any of `items` (parameter, standard)."""
    rules = policy.proficiency
    since = plus_months(on, -rules.lookback_months)
    inputs: list[DecisionInput] = [
        request_input("as_of", on),
        _policy("proficiency.lookback_months", rules.lookback_months),
        _policy("proficiency.outcomes", rules.outcomes),
    ]
    wanted = {(comparable(p), comparable(c)) for p, c in items}
    said: list[str] = []
    for fact in sorted(results, key=lambda f: (f.result.result_date, f.result.round_id)):
        r = fact.result
        if r.outcome not in rules.outcomes or not since <= r.result_date <= on:
            continue
        hit = [
            i for i in r.items if (comparable(i.parameter), comparable(i.standard_code)) in wanted
        ]
        if not hit:
            continue
        tested = ", ".join(f"{i.parameter} to {i.standard_code}" for i in hit)
        said.append(
            f"round {r.round_id} ({r.provider}, {r.result_date}): {r.outcome.value} for {tested}"
        )
        inputs.append(
            DecisionInput(
                "proficiency_round",
                f"{r.round_id} {r.outcome.value}",
                InputOrigin.RECORD,
                fact.source,
            )
        )
    if not said:
        return Reason(
            "proficiency.recent",
            Outcome.RECOGNIZED,
            f"no {'/'.join(sorted(o.value for o in rules.outcomes))} proficiency result for "
            f"these items between {since} and {on}",
            tuple(inputs),
        )
    return Reason("proficiency.recent", rules.effect, "; ".join(said), tuple(inputs))


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
        request_input("as_of", on),
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
        inputs.append(record_input("scope_item", f"{item.parameter} | {cited}", cert))
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
