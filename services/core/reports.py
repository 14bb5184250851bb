"""Test-report verification (报告编号查询), the core of mutual recognition of
results: is a report registered, is the copy at hand the registered one, and
did its laboratory's qualification stand behind it on the day it was issued
(in force, covering every item the report relies on, with the signatory
authorised)?

The qualification part is decide_scope's, judged on the issue date; the
report's own rules are report.registered, report.document, report.laboratory,
report.signatory and signatory.banned (core.signatory_bans: the person who
signed was not banned from signing that day, in any province). Every rule is
reported, passed ones too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.core.credit import CreditFact
from services.core.policy import Outcome, RecognitionPolicy
from services.core.provenance import Source
from services.core.provinces import Province
from services.core.recognition import (
    Certificate,
    Decision,
    OpenConflict,
    ProficiencyFact,
    Reason,
    RequestedItem,
    record_input,
    request_input,
)
from services.core.recognition_decisions import decide_scope, decision_of
from services.core.records import Qualification
from services.core.results import TestReport
from services.core.signatory_bans import BanFact, signatory_banned
from services.core.text import comparable


@dataclass(frozen=True, slots=True)
class RegisteredReport:
    """One province's registration of a report, with where it came from."""

    report: TestReport
    source: Source


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """A report as someone holding it asks about it."""

    cma_number: str
    report_number: str
    # SHA-256 (lower-case hex) of the copy at hand; empty when none was given.
    document_sha256: str = ""


def _registered(query: ReportQuery, registered: RegisteredReport) -> Reason:
    r = registered.report
    return Reason(
        "report.registered",
        Outcome.RECOGNIZED,
        f"report {r.report_number} of CMA {r.cma_number} is registered by "
        f"{registered.source.province.name_en} (revision {registered.source.revision}), "
        f"issued {r.issue_date}",
        (
            request_input("report_number", query.report_number),
            record_input("issue_date", r.issue_date, registered),
            record_input("institution_uscc", r.institution_uscc, registered),
        ),
    )


def _document(query: ReportQuery, registered: RegisteredReport) -> Reason:
    held = registered.report.document_sha256
    if not query.document_sha256:
        return Reason(
            "report.document",
            Outcome.RECOGNIZED,
            "no copy's hash was given: the registration alone is checked",
        )
    inputs = (
        request_input("document_sha256", query.document_sha256),
        record_input("document_sha256", held or "(none registered)", registered),
    )
    if not held:
        return Reason(
            "report.document",
            Outcome.CONDITIONAL,
            "the registration holds no document hash: the copy cannot be compared",
            inputs,
        )
    if held != query.document_sha256:
        return Reason(
            "report.document",
            Outcome.NOT_RECOGNIZED,
            "the copy differs from the registered document (its SHA-256 does not match)",
            inputs,
        )
    return Reason(
        "report.document", Outcome.RECOGNIZED, "the copy is the registered document", inputs
    )


def _laboratory(registered: RegisteredReport, qualifications: Sequence[Certificate]) -> Reason:
    r = registered.report
    inputs = (
        record_input("institution_uscc", r.institution_uscc, registered),
        *(record_input("holder", c.holder_uscc, c) for c in qualifications),
    )
    holders = {c.holder_uscc for c in qualifications}
    if not holders:
        effect, message = Outcome.NOT_RECOGNIZED, f"no province has published CMA {r.cma_number}"
    elif holders == {r.institution_uscc}:
        effect = Outcome.RECOGNIZED
        message = f"CMA {r.cma_number} is held by the report's laboratory {r.institution_uscc}"
    else:
        effect = Outcome.NOT_RECOGNIZED
        message = (
            f"CMA {r.cma_number} is held by {', '.join(sorted(holders))}, "
            f"not by the report's laboratory {r.institution_uscc}"
        )
    return Reason("report.laboratory", effect, message, inputs)


def _signatory(registered: RegisteredReport, qualifications: Sequence[Certificate]) -> Reason:
    r = registered.report
    signed = record_input("signatory", r.signatory, registered)
    for cert in qualifications:
        record = cert.record
        if isinstance(record, Qualification) and any(
            comparable(s.name) == comparable(r.signatory) for s in record.signatories
        ):
            return Reason(
                "report.signatory",
                Outcome.RECOGNIZED,
                f"{r.signatory} was an authorised signatory of CMA {r.cma_number} "
                f"on {r.issue_date}",
                (signed, record_input("signatories", len(record.signatories), cert)),
            )
    return Reason(
        "report.signatory",
        Outcome.NOT_RECOGNIZED,
        f"{r.signatory} was not an authorised signatory of CMA {r.cma_number} on {r.issue_date}",
        (signed, *(record_input("signatories", "", c) for c in qualifications)),
    )


def decide_report(
    policy: RecognitionPolicy,
    *,
    target: Province,
    query: ReportQuery,
    registered: RegisteredReport | None,
    qualifications: Sequence[Certificate],
    credit: Sequence[CreditFact],
    conflicts: Sequence[OpenConflict],
    today: dt.date,
    proficiency: Sequence[ProficiencyFact] = (),
    bans: Sequence[BanFact] = (),
) -> Decision:
    """Whether a report is to be recognised in `target`.

    `qualifications`: each province's version of the report's CMA in force on
    the issue date; `credit`: the laboratory's credit events; `conflicts`: those
    open about the CMA or the laboratory; `bans`: the signatory bans (and
    removals), from every province, on the people the qualifications list
    under the report's signatory (core.signatory_bans.people_named). A
    registered report is judged on its issue date, an unknown one on `today`.
    """
    if registered is None:
        return decision_of(
            policy,
            target,
            today,
            [
                Reason(
                    "report.registered",
                    Outcome.NOT_RECOGNIZED,
                    f"no report {query.report_number} of CMA {query.cma_number} is registered "
                    "in any province",
                    (
                        request_input("cma_number", query.cma_number),
                        request_input("report_number", query.report_number),
                    ),
                )
            ],
        )
    report = registered.report
    on = report.issue_date
    scope = decide_scope(
        policy,
        target=target,
        on=on,
        uscc=report.institution_uscc,
        qualifications=qualifications,
        items=[RequestedItem(i.parameter, i.standard_code, i.standard_year) for i in report.items],
        credit=credit,
        conflicts=conflicts,
        proficiency=proficiency,
    )
    reasons = [
        _registered(query, registered),
        _document(query, registered),
        _laboratory(registered, qualifications),
        _signatory(registered, qualifications),
        signatory_banned(report.signatory, on, registered, qualifications, bans),
        *scope.reasons,
    ]
    return decision_of(policy, target, on, reasons)
