"""The VerifyReport use case: find a report's registration and judge it
against its laboratory's qualification on the day it was issued."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from services.core.codes import normalise_code, well_formed
from services.core.errors import InvalidRequest, Violation
from services.core.history import AsOf, as_of
from services.core.identifiers import check_cma_number
from services.core.provenance import utcnow
from services.core.provinces import Province
from services.core.recognition import Certificate, Decision
from services.core.records import RecordKind
from services.core.reports import RegisteredReport, ReportQuery, decide_report
from services.core.results import TestReport, report_key
from services.core.signatory_bans import people_named
from services.registry.reconciliation import rows
from services.registry.reconciliation.conflict_store import ConflictStore
from services.registry.reconciliation.institutions import known
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.reconciliation.recognition import judged_province, open_conflicts
from services.registry.records import domain
from services.registry.records.as_of import RecordsAsOf, row_held_on
from services.registry.records.domain import source
from services.registry.records.store import RecordStore, StoredRow

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class VerifiedReport:
    decision: Decision
    # The registration judged, when one is registered.
    row: StoredRow | None
    # valid_on is the issue date (today for an unknown report).
    as_of: AsOf
    decided_at: dt.datetime


def report_query(cma_number: str, report_number: str, document_sha256: str = "") -> ReportQuery:
    """A report as asked, in the canonical form its registration has, or
    InvalidRequest naming the field."""
    cma = normalise_code(cma_number)
    number = normalise_code(report_number)
    problems: list[Violation] = []
    try:
        check_cma_number(cma)
    except ValueError as exc:
        problems.append(Violation("cma_number", str(exc)))
    if not well_formed(number) or any(c in number for c in "/\\?#%"):
        problems.append(
            Violation(
                "report_number",
                "1 to 64 characters as printed, without / \\ ? # % or control characters",
            )
        )
    digest = document_sha256.strip().lower()
    if digest and not _SHA256.match(digest):
        problems.append(Violation("document_sha256", "64 hexadecimal digits (SHA-256)"))
    if problems:
        raise InvalidRequest("malformed report reference", problems)
    return ReportQuery(cma, number, digest)


class ReportVerifications:
    def __init__(
        self,
        store: RecordStore,
        conflicts: ConflictStore,
        policy: PolicySource,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._records = RecordsAsOf(store)
        self._conflicts = conflicts
        self._policy = policy
        self._clock = clock

    def verify(
        self,
        query: ReportQuery,
        *,
        target: Province | None = None,
        known_at: dt.datetime | None = None,
    ) -> VerifiedReport:
        now = self._clock()
        today = as_of("", known_at, now, "as_of")
        policy = self._policy.current()
        key = report_key(query.cma_number, query.report_number)
        current = self._records.by_key(key, today)
        judged = judged_province(key, current, None)
        row = next((r for r in current if r.province == judged), None)
        if row is None:
            decision = decide_report(
                policy,
                # No registration to name one: the province whose authority
                # issued the laboratory's CMA (Shanghai for the national one).
                target=target or TestReport.issuer_of(query.cma_number) or Province.SH,
                query=query,
                registered=None,
                qualifications=[],
                credit=[],
                conflicts=[],
                today=today.valid_on,
            )
            return VerifiedReport(decision, None, today, now)
        report = domain.domain_record(row)
        assert isinstance(report, TestReport)
        issued = AsOf(report.issue_date, today.known_at, today.latest)
        per_province: dict[str, list[StoredRow]] = defaultdict(list)
        for version in self._records.versions_of([report.qualification_key], issued):
            per_province[version.province].append(version)
        qualifications: list[Certificate] = []
        for found in per_province.values():
            held = row_held_on(found, report.issue_date)
            if held is not None:
                qualifications.append(rows.certificate(held))
        # One copy decides, the one DecideRecognition judges: the issuer's,
        # else the one published last (core.reports.judged_copy).
        latest = [max(found, key=lambda r: r.revision) for found in per_province.values()]
        judged = judged_province(report.qualification_key, latest, None)
        about_lab = self._records.by_uscc(report.institution_uscc, issued)
        credit = [domain.credit_fact(r) for r in about_lab if r.kind == RecordKind.CREDIT_EVENT]
        proficiency = [
            rows.proficiency_fact(r) for r in about_lab if r.kind == RecordKind.PROFICIENCY
        ]
        conflicts = open_conflicts(
            self._conflicts.open_about(
                {report.qualification_key, report.institution_uscc}, known(today)
            )
        )
        # Bans bar a person everywhere, whatever institution banned them: read
        # whole (they are few, one indexed read), kept for the people the
        # qualifications list under the signatory's name; none to read for a
        # signatory known by name only.
        people = people_named(report.signatory, qualifications)
        bans = (
            rows.ban_facts(self._records.of_kind(RecordKind.SIGNATORY_BAN, issued), people)
            if people
            else []
        )
        decision = decide_report(
            policy,
            target=target or Province(row.province),
            query=query,
            registered=RegisteredReport(report, source(row)),
            qualifications=qualifications,
            credit=credit,
            conflicts=conflicts,
            today=today.valid_on,
            proficiency=proficiency,
            bans=bans,
            judged=None if judged is None else Province(judged),
        )
        return VerifiedReport(decision, row, issued, now)
