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

One copy of the CMA decides, as DecideRecognition judges one (judged_copy):
the copy of the province whose authority issued it (digits 3-4 of the number),
else, for a national CMA or one its issuer has not published, the copy
published last. Other provinces' copies neither rescue nor block the report:
where they disagree, that is an open conflict (conflicts.open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.core.credit import CreditFact
from services.core.policy import Outcome, RecognitionPolicy
from services.core.provenance import Source
from services.core.provinces import Province, judged_copy_of
from services.core.recognition import (
    Certificate,
    Decision,
    OpenConflict,
    ProficiencyFact,
    Reason,
    RequestedItem,
    conflicts_open,
    credit_listings,
    record_input,
    request_input,
)
from services.core.recognition_decisions import decide_scope, decision_of, scope_item_input
from services.core.records import Qualification
from services.core.results import ReportItem, TestReport
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


@dataclass(frozen=True, slots=True)
class JudgedCopy:
    """The copy of a report's CMA that decides, and every copy held that day."""

    copy: Certificate | None
    # Who published it, and why theirs decides: "Zhejiang, which issued it".
    whose: str
    copies: tuple[Certificate, ...]

    def disagreeing(self) -> str:
        """The other copies naming another holder, as a clause ("" if none)."""
        judged = self.copy
        if judged is None:
            return ""
        others = [c for c in self.copies if c.holder_uscc != judged.holder_uscc]
        if not others:
            return ""
        named = ", ".join(
            f"{c.source.province.name_en}'s copy names {c.holder_uscc}"
            for c in sorted(others, key=lambda c: c.source.province.value)
        )
        return f"; {named} (a disagreement between provinces: see conflicts.open)"


def judged_copy(
    cma_number: str, copies: Sequence[Certificate], judged: Province | None = None
) -> JudgedCopy:
    """Which copy of a CMA decides (each province's version on the issue day
    in `copies`): the issuing province's; else `judged`'s (the registry names
    the province DecideRecognition would judge); else the one accepted last."""
    issuer = TestReport.issuer_of(cma_number)
    held = {c.source.province for c in copies}
    chosen = judged_copy_of(
        copies,
        lambda c: c.source.province.value,
        lambda c: c.source.accepted_at,
        issuer if issuer in held else judged,
    )
    if chosen is None:
        return JudgedCopy(None, "", tuple(copies))
    name = chosen.source.province.name_en
    if chosen.source.province is issuer:
        whose = f"{name}, which issued it"
    elif issuer is None:
        whose = f"{name}, the last province to publish it (a national CMA has no issuing province)"
    else:
        whose = (
            f"{name}, the last province to publish it "
            f"({issuer.name_en}, which issued it, has not published it)"
        )
    return JudgedCopy(chosen, whose, tuple(copies))


def _laboratory(registered: RegisteredReport, judged: JudgedCopy) -> Reason:
    r = registered.report
    inputs = (
        record_input("institution_uscc", r.institution_uscc, registered),
        *(record_input("holder", c.holder_uscc, c) for c in judged.copies),
    )
    cert = judged.copy
    if cert is None:
        effect, message = Outcome.NOT_RECOGNIZED, f"no province has published CMA {r.cma_number}"
    elif cert.holder_uscc == r.institution_uscc:
        effect = Outcome.RECOGNIZED
        message = (
            f"CMA {r.cma_number} is held by the report's laboratory {r.institution_uscc} "
            f"according to {judged.whose}{judged.disagreeing()}"
        )
    else:
        effect = Outcome.NOT_RECOGNIZED
        message = (
            f"{judged.whose}, names {cert.holder_uscc} as the holder of CMA {r.cma_number}, "
            f"not the report's laboratory {r.institution_uscc}{judged.disagreeing()}"
        )
    return Reason("report.laboratory", effect, message, inputs)


def _not_the_laboratorys(
    policy: RecognitionPolicy,
    report: TestReport,
    judged: JudgedCopy,
    credit: Sequence[CreditFact],
    conflicts: Sequence[OpenConflict],
) -> list[Reason]:
    """The scope reasons when the CMA judged names another holder: it covers
    nothing of the report's laboratory's."""
    cert = judged.copy
    assert cert is not None
    reasons: list[Reason] = [
        Reason(
            "institution.known",
            Outcome.NOT_RECOGNIZED,
            f"the CMA judged, {cert.source.record_key} ({cert.source.province.value}), "
            f"is not {report.institution_uscc}'s but {cert.holder_uscc}'s",
            (
                request_input("institution_uscc", report.institution_uscc),
                record_input("holder", cert.holder_uscc, cert),
            ),
        )
    ]
    for item in report.items:
        wanted = _requested(item)
        reasons.append(
            Reason(
                "scope.covered",
                Outcome.NOT_RECOGNIZED,
                f"{item.parameter} to {item.standard_code} is not covered for "
                f"{report.institution_uscc}: {cert.source.record_key} "
                f"({cert.source.province.value}) is held by {cert.holder_uscc}",
                (scope_item_input(wanted), record_input("holder", cert.holder_uscc, cert)),
            )
        )
    reasons.append(credit_listings(policy, report.institution_uscc, credit, report.issue_date))
    reasons.append(conflicts_open(policy, conflicts))
    return reasons


def _requested(item: ReportItem) -> RequestedItem:
    return RequestedItem(item.parameter, item.standard_code, item.standard_year)


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
    judged: Province | None = None,
) -> Decision:
    """Whether a report is to be recognised in `target`.

    `qualifications`: each province's version of the report's CMA in force on
    the issue date, of which one decides (judged_copy; `judged`: the province
    whose copy DecideRecognition judges when the issuer's is not held);
    `credit`: the laboratory's credit events; `conflicts`: those open about
    the CMA or the laboratory; `bans`: the signatory bans (and removals), from
    every province, on the people the qualifications list under the report's
    signatory (core.signatory_bans.people_named). A registered report is
    judged on its issue date, an unknown one on `today`.
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
    decides = judged_copy(report.cma_number, qualifications, judged)
    copy = [] if decides.copy is None else [decides.copy]
    if decides.copy is not None and decides.copy.holder_uscc != report.institution_uscc:
        scope = _not_the_laboratorys(policy, report, decides, credit, conflicts)
    else:
        scope = list(
            decide_scope(
                policy,
                target=target,
                on=on,
                uscc=report.institution_uscc,
                qualifications=copy,
                items=[_requested(i) for i in report.items],
                credit=credit,
                conflicts=conflicts,
                proficiency=proficiency,
            ).reasons
        )
    reasons = [
        _registered(query, registered),
        _document(query, registered),
        _laboratory(registered, decides),
        _signatory(registered, copy),
        signatory_banned(report.signatory, on, registered, copy, bans),
        *scope,
    ]
    return decision_of(policy, target, on, reasons)
