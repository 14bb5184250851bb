"""The DecideRecognition use case: gather the facts, let the domain rules decide."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from services.core.credit import CreditFact
from services.core.errors import InvalidRequest, Violation
from services.core.history import AsOf, as_of, in_force_on
from services.core.provenance import utcnow
from services.core.provinces import CMA_ISSUERS, Province
from services.core.recognition import Certificate, Decision, OpenConflict, RequestedItem
from services.core.recognition_decisions import decide_certificate, decide_scope
from services.core.records import RecordKind
from services.core.standing import StandingOf, plain_key_of, standing
from services.registry.reconciliation import rows
from services.registry.reconciliation.conflict_store import ConflictStore, StoredConflict
from services.registry.reconciliation.institutions import known, parse_record_key, parse_uscc
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.reconciliation.standing_inputs import StandingInputs
from services.registry.records.as_of import RecordsAsOf, source
from services.registry.records.store import RecordStore, StoredRow

MAX_ITEMS = 500


@dataclass(frozen=True, slots=True)
class _Facts:
    certificate: Certificate | None
    credit: list[CreditFact]
    conflicts: list[OpenConflict]


@dataclass(frozen=True, slots=True)
class Decided:
    """A decision and the point of view it was taken from."""

    decision: Decision
    as_of: AsOf
    # When it was decided: as_of.known_at, unless past knowledge was asked.
    decided_at: dt.datetime


def _open(conflicts: Sequence[StoredConflict]) -> list[OpenConflict]:
    return [OpenConflict(c.conflict_id, c.type, c.subject, c.summary) for c in conflicts]


def _issuing_province(record_key: str) -> Province | None:
    parts = record_key.split("/")
    if parts[0] == RecordKind.QUALIFICATION and len(parts) == 3:
        return CMA_ISSUERS.get(parts[1])
    return None


def judged_province(
    record_key: str, current: Sequence[StoredRow], asked: Province | None
) -> str | None:
    """Whose version of a certificate to judge: the one asked for; else the
    issuing province's (its authority issued the number); else the latest
    accepted. Disagreement between provinces is a conflict the rules see anyway."""
    held = {r.province: r for r in current}
    if asked is not None:
        return asked.value if asked.value in held else None
    issuer = _issuing_province(record_key)
    if issuer is not None and issuer.value in held:
        return issuer.value
    if not current:
        return None
    return max(current, key=lambda r: (r.accepted_at, r.province)).province


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
                "no target province", [Violation("target_province", "one of SH, JS, ZJ, AH")]
            )
        return target

    def _credit(self, uscc: str, when: AsOf) -> list[CreditFact]:
        return [
            rows.credit_fact(r)
            for r in self._records.by_uscc(uscc, when)
            if r.kind == RecordKind.CREDIT_EVENT
        ]

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
        return Decided(
            decide_certificate(
                policy,
                target=goal,
                on=when.valid_on,
                record_key=key,
                certificate=facts.certificate,
                credit=facts.credit,
                conflicts=facts.conflicts,
            ),
            when,
            now,
        )

    def standings(self, record_keys: Iterable[str], when: AsOf) -> dict[str, StandingOf]:
        """Where each certificate is recognised (core.standing: the decision of
        for_record in every province, from the same facts)."""
        policy = self._policy.current()
        found: dict[str, StandingOf] = {}
        for key in record_keys:
            facts = self._facts(key, when, None)
            found[key] = StandingOf(
                standing(
                    policy,
                    on=when.valid_on,
                    record_key=key,
                    certificate=facts.certificate,
                    credit=facts.credit,
                    conflicts=facts.conflicts,
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
        """What a decision about a certificate reads: the version judged (the
        one in force on the day of the province judged_province names), the
        holder's credit events and the conflicts open about it."""
        versions = self._records.versions(key, when)
        per_province: dict[str, list[StoredRow]] = defaultdict(list)
        for row in versions:
            per_province[row.province].append(row)
        current = [max(found, key=lambda r: r.revision) for found in per_province.values()]
        province = judged_province(key, current, source_province)
        held = (
            None if province is None else in_force_on(per_province[province], when.valid_on, source)
        )
        if held is None:
            return _Facts(None, [], [])
        cert = rows.certificate(held)
        label = getattr(cert.record, "label_code", "")
        subjects = [key, cert.holder_uscc, *([label] if label else [])]
        return _Facts(
            cert,
            self._credit(cert.holder_uscc, when),
            _open(self._conflicts.open_about(subjects, known(when))),
        )

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
        if bad:
            raise InvalidRequest("bad scope items", bad)
        goal = self._target(target)
        now = self._clock()
        when = as_of(valid_on, known_at, now)
        day = when.valid_on
        policy = self._policy.current()
        qualifications = [
            rows.certificate(row)
            for row in self._records.by_uscc(compact, when)
            if row.kind == RecordKind.QUALIFICATION
        ]
        return Decided(
            decide_scope(
                policy,
                target=goal,
                on=day,
                uscc=compact,
                qualifications=qualifications,
                items=items,
                credit=self._credit(compact, when),
                conflicts=_open(
                    self._conflicts.find(
                        uscc=compact, open_only=True, limit=1000, known_at=known(when)
                    )
                ),
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

    def bear_on(self, holder_uscc: str, subjects: Iterable[str]) -> bool:
        return self._inputs.bear_on(holder_uscc, subjects)

    def standings(self, record_keys: Iterable[str], when: AsOf) -> dict[str, StandingOf]:
        return self._decisions.standings(record_keys, when)
