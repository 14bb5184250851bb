"""The DecideRecognition use case: gather the facts, let the domain rules decide."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence

from services.core.credit import CreditFact
from services.core.errors import InvalidRequest, Violation
from services.core.history import in_force_on
from services.core.provenance import china_date, utcnow
from services.core.provinces import CMA_ISSUERS, Province
from services.core.recognition import Certificate, Decision, OpenConflict, RequestedItem
from services.core.recognition_decisions import decide_certificate, decide_scope
from services.core.records import RecordKind
from services.registry.reconciliation import rows
from services.registry.reconciliation.conflict_store import ConflictStore, StoredConflict
from services.registry.reconciliation.institutions import parse_day, parse_record_key, parse_uscc
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.records.store import RecordStore, StoredRow

MAX_ITEMS = 500


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
        self._conflicts = conflicts
        self._policy = policy
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock()

    def _day(self, as_of: str) -> dt.date:
        return parse_day(as_of, "as_of", china_date(self._clock()))

    @staticmethod
    def _target(target: Province | None) -> Province:
        if target is None:
            raise InvalidRequest(
                "no target province", [Violation("target_province", "one of SH, JS, ZJ, AH")]
            )
        return target

    def _credit(self, uscc: str) -> list[CreditFact]:
        return [
            rows.credit_fact(r)
            for r in self._store.by_uscc(uscc)
            if r.kind == RecordKind.CREDIT_EVENT
        ]

    def for_record(
        self,
        record_key: str,
        *,
        target: Province | None,
        as_of: str = "",
        source_province: Province | None = None,
    ) -> Decision:
        key = parse_record_key(record_key)
        if key.split("/", 1)[0] not in (RecordKind.QUALIFICATION, RecordKind.GREEN_CERT):
            raise InvalidRequest(
                "not a certificate",
                [Violation("record_key", "a qualification/... or green_cert/... key")],
            )
        goal = self._target(target)
        day = self._day(as_of)
        policy = self._policy.current()
        versions = self._store.versions(key)
        per_province: dict[str, list[StoredRow]] = defaultdict(list)
        for row in versions:
            per_province[row.province].append(row)
        current = [max(found, key=lambda r: r.revision) for found in per_province.values()]
        province = judged_province(key, current, source_province)
        held = None if province is None else in_force_on(per_province[province], day, rows.source)
        if held is None:
            return decide_certificate(
                policy,
                target=goal,
                on=day,
                record_key=key,
                certificate=None,
                credit=(),
                conflicts=(),
            )
        cert = rows.certificate(held)
        label = getattr(cert.record, "label_code", "")
        subjects = [key, cert.holder_uscc, *([label] if label else [])]
        return decide_certificate(
            policy,
            target=goal,
            on=day,
            record_key=key,
            certificate=cert,
            credit=self._credit(cert.holder_uscc),
            conflicts=_open(self._conflicts.open_about(subjects)),
        )

    def for_scope(
        self,
        uscc: str,
        items: Sequence[RequestedItem],
        *,
        target: Province | None,
        as_of: str = "",
    ) -> Decision:
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
        day = self._day(as_of)
        policy = self._policy.current()
        qualifications: list[Certificate] = []
        for row in self._store.by_uscc(compact):
            if row.kind != RecordKind.QUALIFICATION:
                continue
            mine = [v for v in self._store.versions(row.record_key) if v.province == row.province]
            held = in_force_on(mine, day, rows.source)
            if held is not None:
                qualifications.append(rows.certificate(held))
        return decide_scope(
            policy,
            target=goal,
            on=day,
            uscc=compact,
            qualifications=qualifications,
            items=items,
            credit=self._credit(compact),
            conflicts=_open(self._conflicts.find(uscc=compact, open_only=True, limit=1000)),
        )
