"""A report's CMA as several provinces hold it: the copy of the province whose
authority issued the CMA decides whether it was in force, covered the report's
items, named the report's laboratory and listed its signatory (as
DecideRecognition judges the issuer's copy); other provinces' copies that
disagree neither rescue nor block the report, their disagreement being the
conflict that makes it CONDITIONAL. A national CMA (issuer 00), or one its
issuer has not published, is judged on the copy published last."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from services.core.conflicts import ConflictType
from services.core.policy import Outcome
from services.core.provinces import Province
from services.core.recognition import Certificate, Decision, OpenConflict, Reason
from services.core.records import Qualification, Signatory
from services.core.reports import RegisteredReport, ReportQuery, decide_report
from services.core.results import TestReport
from services.core.status import CertificateStatus
from tests.factories import LAB_A, LAB_B, T0, qualification, report, source
from tests.unit.test_reports import POLICY, TODAY

ZHEJIANG = "11"
SIGNED = (Signatory(name="王敏", fields=("00",)),)
REPORT = report(issuer=ZHEJIANG, number="ZJ-2026-000123")  # issued 2026-06-01
REVOKED_ON = dt.date(2026, 5, 31)  # the day before the report was issued


def _lab(issuer: str = ZHEJIANG, **changes: object) -> Qualification:
    fields: dict[str, object] = {"signatories": SIGNED} | changes
    return qualification(issuer=issuer, **fields)  # type: ignore[arg-type]


def _copy(province: Province, q: Qualification, hours: int = 0) -> Certificate:
    return Certificate(q, source(province, q.key, accepted_at=T0 + dt.timedelta(hours=hours)))


def _conflict(kind: ConflictType, summary: str) -> OpenConflict:
    return OpenConflict(1, kind, REPORT.qualification_key, summary)


def _verify(
    copies: Sequence[Certificate],
    *,
    r: TestReport = REPORT,
    conflicts: Sequence[OpenConflict] = (),
    judged: Province | None = None,
) -> Decision:
    # Named only when given: the registry names the province it judges.
    named: dict[str, Province] = {"judged": judged} if judged is not None else {}
    return decide_report(
        POLICY,
        target=Province.AH,
        query=ReportQuery(r.cma_number, r.report_number),
        registered=RegisteredReport(r, source(Province.ZJ, r.key)),
        qualifications=copies,
        credit=[],
        conflicts=conflicts,
        today=TODAY,
        **named,  # type: ignore[arg-type]
    )


def _reason(decision: Decision, rule_id: str) -> Reason:
    [found] = [r for r in decision.reasons if r.rule_id == rule_id]
    return found


def test_another_provinces_valid_copy_does_not_rescue_the_issuers_revocation() -> None:
    revoked = _lab(status=CertificateStatus.REVOKED, status_effective_date=REVOKED_ON)
    decision = _verify(
        [_copy(Province.ZJ, revoked), _copy(Province.AH, _lab(), hours=1)],
        conflicts=[_conflict(ConflictType.STATUS_DISAGREEMENT, "statuses differ")],
    )
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    covered = _reason(decision, "scope.covered")
    assert covered.effect is Outcome.NOT_RECOGNIZED
    assert "REVOKED" in covered.message and f"since {REVOKED_ON}" in covered.message
    assert "(ZJ)" in covered.message and "(AH)" not in covered.message
    assert _reason(decision, "conflicts.open").effect is Outcome.CONDITIONAL


def test_another_provinces_copy_naming_another_holder_does_not_block_the_report() -> None:
    decision = _verify(
        [_copy(Province.ZJ, _lab()), _copy(Province.JS, _lab(holder=LAB_B), hours=1)],
        conflicts=[_conflict(ConflictType.HOLDER_MISMATCH, "holders differ")],
    )
    laboratory = _reason(decision, "report.laboratory")
    assert laboratory.effect is Outcome.RECOGNIZED
    assert f"held by the report's laboratory {LAB_A}" in laboratory.message
    assert "Zhejiang, which issued it" in laboratory.message
    assert f"Jiangsu's copy names {LAB_B}" in laboratory.message
    assert "not by" not in laboratory.message
    # The disagreement is the open conflict: the report stands conditionally.
    assert decision.outcome is Outcome.CONDITIONAL
    assert _reason(decision, "scope.covered").effect is Outcome.RECOGNIZED


def test_a_copy_naming_another_company_neither_names_the_laboratory_nor_covers_it() -> None:
    decision = _verify(
        [_copy(Province.ZJ, _lab(holder=LAB_B)), _copy(Province.AH, _lab(), hours=1)],
        conflicts=[_conflict(ConflictType.HOLDER_MISMATCH, "holders differ")],
    )
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    laboratory = _reason(decision, "report.laboratory")
    assert laboratory.effect is Outcome.NOT_RECOGNIZED
    assert f"Zhejiang, which issued it, names {LAB_B}" in laboratory.message
    assert f"not the report's laboratory {LAB_A}" in laboratory.message
    assert f"Anhui's copy names {LAB_A}" in laboratory.message
    covered = [r for r in decision.reasons if r.rule_id == "scope.covered"]
    assert covered and all(r.effect is Outcome.NOT_RECOGNIZED for r in covered)
    assert all(LAB_B in r.message for r in covered)
    # Every rule the contract lists is answered, institution.known too.
    known = _reason(decision, "institution.known")
    assert known.effect is Outcome.NOT_RECOGNIZED and LAB_B in known.message


def test_a_signatory_only_another_provinces_copy_lists_is_not_authorised() -> None:
    other = _lab(signatories=(Signatory(name="李雷", fields=("00",)),))
    decision = _verify(
        [_copy(Province.ZJ, other), _copy(Province.AH, _lab(), hours=1)],
    )
    signatory = _reason(decision, "report.signatory")
    assert signatory.effect is Outcome.NOT_RECOGNIZED
    assert decision.outcome is Outcome.NOT_RECOGNIZED


def test_a_national_cma_is_judged_on_the_copy_published_last() -> None:
    national = report(issuer="00", number="CN-2026-1")
    revoked = _lab("00", status=CertificateStatus.REVOKED, status_effective_date=REVOKED_ON)
    earlier_valid = [_copy(Province.SH, _lab("00")), _copy(Province.JS, revoked, hours=1)]
    decision = _verify(earlier_valid, r=national)
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    assert "Jiangsu, the last province to publish it" in (
        _reason(decision, "report.laboratory").message
    )
    assert "(JS)" in _reason(decision, "scope.covered").message
    later_valid = [_copy(Province.SH, _lab("00"), hours=2), _copy(Province.JS, revoked, hours=1)]
    assert _verify(later_valid, r=national).outcome is Outcome.RECOGNIZED
    # The registry names the province judged as DecideRecognition does.
    named = _verify(later_valid, r=national, judged=Province.JS)
    assert named.outcome is Outcome.NOT_RECOGNIZED


def test_a_cma_its_issuer_has_not_published_is_judged_on_the_copy_published_last() -> None:
    decision = _verify([_copy(Province.AH, _lab())])
    assert decision.outcome is Outcome.RECOGNIZED
    assert "Zhejiang, which issued it, has not published it" in (
        _reason(decision, "report.laboratory").message
    )
