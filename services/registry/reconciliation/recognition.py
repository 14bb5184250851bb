"""The DecideRecognition use case: gather the facts, let the domain rules decide."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from services.common.convert import PROVINCE_CHOICES
from services.core.credit import CreditFact
from services.core.credit import in_force_on as in_force_credit
from services.core.errors import InvalidRequest, Violation
from services.core.fields import parse_record_key
from services.core.history import AsOf, as_of
from services.core.policy import RecognitionPolicy
from services.core.provenance import utcnow
from services.core.provinces import CMA_ISSUERS, Province, judged_copy_of
from services.core.recognition import (
    Certificate,
    Decision,
    OpenConflict,
    RequestedItem,
    scope_item_violations,
)
from services.core.recognition_decisions import (
    CertificateReasons,
    certificate_reasons,
    decide_scope,
)
from services.core.records import CreditListType, RecordKind
from services.core.standing import StandingOf, conditions_of, plain_key_of, standing
from services.registry.reconciliation import rows
from services.registry.reconciliation.conflict_store import ConflictStore, StoredConflict
from services.registry.reconciliation.institutions import known, parse_uscc
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.reconciliation.standing_inputs import StandingInputs
from services.registry.records import domain
from services.registry.records.as_of import RecordsAsOf, row_held_on
from services.registry.records.store import RecordStore, StoredRow

MAX_ITEMS = 500


@dataclass(frozen=True, slots=True)
class _Facts:
    certificate: Certificate | None
    credit: list[CreditFact]
    conflicts: list[OpenConflict]

    def reasons(
        self, policy: RecognitionPolicy, record_key: str, on: dt.date
    ) -> CertificateReasons:
        """What decide_certificate weighs, for every target at once."""
        return certificate_reasons(
            policy,
            on=on,
            record_key=record_key,
            certificate=self.certificate,
            credit=self.credit,
            conflicts=self.conflicts,
        )


@dataclass(frozen=True, slots=True)
class Decided:
    """A decision and the point of view it was taken from."""

    decision: Decision
    as_of: AsOf
    # When it was decided: as_of.known_at, unless past knowledge was asked.
    decided_at: dt.datetime


def open_conflicts(conflicts: Sequence[StoredConflict]) -> list[OpenConflict]:
    """Stored conflicts as the rules see them."""
    return [OpenConflict(c.conflict_id, c.type, c.subject, c.summary) for c in conflicts]


def _label(cert: Certificate) -> str:
    return getattr(cert.record, "label_code", "") or ""


def _issuing_province(record_key: str) -> Province | None:
    """The province whose authority issued the CMA a key names: a
    qualification's issuer, or a report's laboratory's (its supervisor)."""
    parts = record_key.split("/")
    if parts[0] == RecordKind.QUALIFICATION and len(parts) == 3:
        return CMA_ISSUERS.get(parts[1])
    if parts[0] == RecordKind.REPORT and len(parts) == 3:
        return CMA_ISSUERS.get(parts[1][2:4])
    return None


def judged_province(
    record_key: str, current: Sequence[StoredRow], asked: Province | None
) -> str | None:
    """Whose version of a certificate (or a report) to judge: the one asked
    for; else the issuing province's (its authority issued the number, or
    supervises the report's laboratory); else the latest accepted. Disagreement between provinces is a conflict the rules see anyway."""
    if asked is not None:
        return asked.value if any(r.province == asked.value for r in current) else None
    chosen = judged_copy_of(
        current, lambda r: r.province, lambda r: r.accepted_at, _issuing_province(record_key)
    )
    return None if chosen is None else chosen.province


class RecognitionDecisions:
    def __init__(
        self,
        store: RecordStore,
        conflicts: ConflictStore,
        policy: PolicySource,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._store = store
        self._records = RecordsAsOf(store)
        self._conflicts = conflicts
        self._policy = policy
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock()

    @staticmethod
    def _target(target: Province | None) -> Province:
        if target is None:
            raise InvalidRequest(
                "no target province",
                # The contract's values, as every enum field's refusal gives them.
                [Violation("target_province", f"required: {PROVINCE_CHOICES}")],
            )
        return target

    def for_record(
        self,
        record_key: str,
        *,
        target: Province | None,
        valid_on: str = "",
        known_at: dt.datetime | None = None,
        source_province: Province | None = None,
    ) -> Decided:
        key = parse_record_key(record_key)
        if key.split("/", 1)[0] not in (RecordKind.QUALIFICATION, RecordKind.GREEN_CERT):
            raise InvalidRequest(
                "not a certificate",
                [Violation("record_key", "a qualification/... or green_cert/... key")],
            )
        goal = self._target(target)
        now = self._clock()
        when = as_of(valid_on, known_at, now)
        policy = self._policy.current()
        facts = self._facts(key, when, source_province)
        return Decided(facts.reasons(policy, key, when.valid_on).decision(goal), when, now)

    def standings(self, record_keys: Iterable[str], when: AsOf) -> dict[str, StandingOf]:
        """Where each certificate is recognised (core.standing: the decision of
        for_record in every province, from the same facts, read for all the
        keys at once)."""
        policy = self._policy.current()
        found: dict[str, StandingOf] = {}
        for key, facts in self._facts_of(list(record_keys), when, None).items():
            restricted = tuple(
                f"{e.reference} ({e.listing_province.value}, since {e.effective_from})"
                for item in in_force_credit(facts.credit, when.valid_on, policy.credit)
                if (e := item.listing.event).list_type is CreditListType.SERIOUS_VIOLATION
            )
            reasons = facts.reasons(policy, key, when.valid_on)
            found[key] = StandingOf(
                replace(
                    standing(reasons),
                    restricted_by=restricted,
                    conditions=conditions_of(reasons),
                ),
                facts.certificate is not None
                and plain_key_of(facts.certificate, when.valid_on) is not None
                and not facts.credit
                and not facts.conflicts,
            )
        return found

    def policy_digest(self) -> str:
        return self._policy.current().digest

    def _facts(self, key: str, when: AsOf, source_province: Province | None) -> _Facts:
        return self._facts_of([key], when, source_province)[key]

    def _facts_of(
        self, keys: Sequence[str], when: AsOf, source_province: Province | None
    ) -> dict[str, _Facts]:
        """What a decision about each certificate reads: the version judged (the
        one in force on the day, of the province judged_province names), the
        holder's credit events and the conflicts open about it. Three reads
        for any number of keys."""
        per_key: dict[str, dict[str, list[StoredRow]]] = {k: defaultdict(list) for k in keys}
        for row in self._records.versions_of(keys, when):
            per_key[row.record_key][row.province].append(row)
        held: dict[str, Certificate] = {}
        for key, per_province in per_key.items():
            current = [max(found, key=lambda r: r.revision) for found in per_province.values()]
            province = judged_province(key, current, source_province)
            version = (
                None if province is None else row_held_on(per_province[province], when.valid_on)
            )
            if version is not None:
                held[key] = rows.certificate(version)
        credit: dict[str, list[CreditFact]] = defaultdict(list)
        for row in self._records.by_usccs({c.holder_uscc for c in held.values()}, when):
            if row.kind == RecordKind.CREDIT_EVENT:
                fact = domain.credit_fact(row)
                credit[fact.event.uscc].append(fact)
        subjects = {
            key: [key, cert.holder_uscc, *([label] if (label := _label(cert)) else [])]
            for key, cert in held.items()
        }
        about: dict[str, list[StoredConflict]] = defaultdict(list)
        for conflict in self._conflicts.open_about(
            {s for found in subjects.values() for s in found}, known(when)
        ):
            about[conflict.subject].append(conflict)
        facts: dict[str, _Facts] = {}
        for key in keys:
            cert = held.get(key)
            if cert is None:
                facts[key] = _Facts(None, [], [])
                continue
            open_ = {c.conflict_id: c for s in subjects[key] for c in about.get(s, [])}
            facts[key] = _Facts(
                cert,
                credit.get(cert.holder_uscc, []),
                open_conflicts(sorted(open_.values(), key=lambda c: c.conflict_id)),
            )
        return facts

    def for_scope(
        self,
        uscc: str,
        items: Sequence[RequestedItem],
        *,
        target: Province | None,
        valid_on: str = "",
        known_at: dt.datetime | None = None,
    ) -> Decided:
        compact = parse_uscc(uscc, "institution.uscc")
        if not items or len(items) > MAX_ITEMS:
            raise InvalidRequest(
                "bad scope items",
                [Violation("institution.items", f"ask for 1 to {MAX_ITEMS} scope items")],
            )
        bad = [
            Violation(f"institution.items[{i}]", "parameter and standard_code are required")
            for i, item in enumerate(items)
            if not item.parameter.strip() or not item.standard_code.strip()
        ]
        bad += scope_item_violations(items)
        if bad:
            raise InvalidRequest("bad scope items", bad)
        goal = self._target(target)
        now = self._clock()
        when = as_of(valid_on, known_at, now)
        day = when.valid_on
        policy = self._policy.current()
        held = self._records.by_uscc(compact, when)
        qualifications = [
            rows.certificate(row) for row in held if row.kind == RecordKind.QUALIFICATION
        ]
        credit = [domain.credit_fact(row) for row in held if row.kind == RecordKind.CREDIT_EVENT]
        proficiency = [
            rows.proficiency_fact(row) for row in held if row.kind == RecordKind.PROFICIENCY
        ]
        return Decided(
            decide_scope(
                policy,
                target=goal,
                on=day,
                uscc=compact,
                qualifications=qualifications,
                items=items,
                credit=credit,
                conflicts=open_conflicts(
                    self._conflicts.find(
                        uscc=compact, open_only=True, limit=1000, known_at=known(when)
                    )
                ),
                proficiency=proficiency,
            ),
            when,
            now,
        )


class CertificateStandings:
    """Standings for the checks (their Standings protocol): the decisions'
    rule and facts, and which certificates they may differ for."""

    def __init__(self, decisions: RecognitionDecisions, inputs: StandingInputs) -> None:
        self._decisions = decisions
        self._inputs = inputs

    def policy_digest(self) -> str:
        return self._decisions.policy_digest()

    def bearing(self) -> tuple[frozenset[str], frozenset[str]]:
        return self._inputs.bearing()

    def generation(self) -> int:
        return self._inputs.generation

    def standings(self, record_keys: Iterable[str], when: AsOf) -> dict[str, StandingOf]:
        return self._decisions.standings(record_keys, when)
