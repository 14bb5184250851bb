"""Test-report verification (报告编号查询) and dated status changes: each rule
of a report's verdict, the day a status takes effect, and what the exchange
refuses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from services.core.history import in_force_on
from services.core.policy import Outcome, RecognitionPolicy
from services.core.provenance import Source
from services.core.provinces import Province
from services.core.recognition import (
    Certificate,
    Decision,
    ProficiencyFact,
    Reason,
    proficiency_recent,
)
from services.core.records import Qualification, RecordKind, Signatory
from services.core.reports import RegisteredReport, ReportQuery, decide_report
from services.core.results import ProficiencyOutcome, ProficiencyResult, ReportItem, TestReport
from services.core.status import CertificateStatus
from services.core.validation import Refused, Validated, validate_record
from tests.factories import LAB_A, LAB_B, credit, credit_fact, qualification, report, source

SHIPPED = Path(__file__).parents[2] / "services/registry/policy/recognition-v1.toml"
POLICY = RecognitionPolicy.from_toml(SHIPPED.read_text(encoding="utf-8"))
TODAY = dt.date(2026, 12, 3)
SIGNED = (Signatory(name="王敏", fields=("00",)),)
HASH = "ab" * 32


def _lab(**changes: object) -> Qualification:
    return qualification(signatories=SIGNED, **changes)  # type: ignore[arg-type]


def _registered(r: TestReport) -> RegisteredReport:
    return RegisteredReport(r, source(Province.SH, r.key))


def _verify(
    r: TestReport | None = None,
    *,
    labs: tuple[Qualification, ...] | None = None,
    asked_hash: str = "",
    **kwargs: object,
) -> Decision:
    r = r if r is not None else report()
    held = (_lab(),) if labs is None else labs
    return decide_report(
        POLICY,
        target=Province.AH,
        query=ReportQuery(r.cma_number, r.report_number, asked_hash),
        registered=_registered(r),
        qualifications=[Certificate(q, source(Province.SH, q.key)) for q in held],
        credit=kwargs.get("credit", []),  # type: ignore[arg-type]
        conflicts=[],
        today=TODAY,
    )


def _reason(decision: Decision, rule_id: str) -> Reason:
    [found] = [r for r in decision.reasons if r.rule_id == rule_id]
    return found


def test_a_report_its_qualified_laboratory_issued_is_recognised_with_every_rule_stated() -> None:
    decision = _verify()
    assert decision.outcome is Outcome.RECOGNIZED
    assert decision.on == report().issue_date
    rules = {r.rule_id for r in decision.reasons}
    assert {
        "report.registered",
        "report.document",
        "report.laboratory",
        "report.signatory",
        "institution.known",
        "scope.covered",
        "credit.listings",
        "conflicts.open",
    } <= rules
    registered = _reason(decision, "report.registered")
    assert any(
        i.source is not None and i.source.record_key == report().key for i in registered.inputs
    )


def test_a_report_issued_after_its_laboratorys_cma_was_revoked_is_not_recognised() -> None:
    revoked = _lab(status=CertificateStatus.REVOKED, status_effective_date=dt.date(2026, 5, 1))
    decision = _verify(labs=(revoked,))
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    covered = _reason(decision, "scope.covered")
    assert covered.effect is Outcome.NOT_RECOGNIZED
    assert "REVOKED" in covered.message and "2026-06-01" in covered.message


def test_an_item_the_qualification_does_not_cover_is_named() -> None:
    r = report(items=(("铅 (Pb)", "GB 5009.12", 2023), ("镉 (Cd)", "GB 5009.15", 2023)))
    decision = _verify(r)
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    missing = [
        x
        for x in decision.reasons
        if x.rule_id == "scope.covered" and x.effect is Outcome.NOT_RECOGNIZED
    ]
    assert len(missing) == 1 and "镉 (Cd)" in missing[0].message


def test_a_signatory_the_qualification_does_not_authorise_fails_the_report() -> None:
    decision = _verify(report(signatory="李雷"))
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    assert "李雷" in _reason(decision, "report.signatory").message
    # Compared as text is compared everywhere: width and spaces do not matter.
    assert _verify(report(signatory=" 王 敏 ")).outcome is Outcome.RECOGNIZED


def test_the_copy_at_hand_is_compared_with_the_registered_document() -> None:
    held = report(document_sha256=HASH)
    assert _verify(held, asked_hash=HASH).outcome is Outcome.RECOGNIZED
    forged = _verify(held, asked_hash="cd" * 32)
    assert forged.outcome is Outcome.NOT_RECOGNIZED
    assert _reason(forged, "report.document").effect is Outcome.NOT_RECOGNIZED
    unhashed = _verify(report(), asked_hash=HASH)
    assert _reason(unhashed, "report.document").effect is Outcome.CONDITIONAL


def test_a_report_naming_a_laboratory_that_does_not_hold_the_cma_fails() -> None:
    decision = _verify(report(holder=LAB_B))
    assert _reason(decision, "report.laboratory").effect is Outcome.NOT_RECOGNIZED
    assert decision.outcome is Outcome.NOT_RECOGNIZED


def test_a_laboratory_listed_for_false_reports_on_the_issue_date_is_not_recognised() -> None:
    listing = credit(holder=LAB_A, effective_from=dt.date(2026, 3, 1))
    decision = _verify(credit=[credit_fact(listing)])
    assert _reason(decision, "credit.listings").effect is Outcome.NOT_RECOGNIZED
    assert decision.outcome is Outcome.NOT_RECOGNIZED


def test_an_unregistered_report_is_not_recognised_and_says_what_was_asked() -> None:
    decision = decide_report(
        POLICY,
        target=Province.AH,
        query=ReportQuery("230901000001", "NOPE-1"),
        registered=None,
        qualifications=[],
        credit=[],
        conflicts=[],
        today=TODAY,
    )
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    [only] = decision.reasons
    assert only.rule_id == "report.registered" and "NOPE-1" in only.message


# --- the day a status takes effect ------------------------------------------


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.UTC)


def _versions() -> list[tuple[Qualification, Source]]:
    valid = _lab()
    revoked = _lab(status=CertificateStatus.REVOKED, status_effective_date=dt.date(2026, 5, 1))
    return [
        (valid, source(Province.SH, valid.key, 1, _at(dt.date(2026, 1, 5)))),
        # Published in July, in effect since May.
        (revoked, source(Province.SH, revoked.key, 2, _at(dt.date(2026, 7, 10)))),
    ]


def _held(day: dt.date) -> CertificateStatus:
    found = in_force_on(_versions(), day, lambda v: v[1], lambda v: v[0].status_effective_date)
    assert found is not None
    return found[0].status


def test_a_backdated_revocation_holds_from_the_day_it_took_effect() -> None:
    assert _held(dt.date(2026, 4, 30)) is CertificateStatus.VALID
    assert _held(dt.date(2026, 5, 1)) is CertificateStatus.REVOKED
    assert _held(dt.date(2026, 6, 1)) is CertificateStatus.REVOKED


def test_without_an_effective_day_a_version_holds_from_its_acceptance() -> None:
    versions = [(q, s) for q, s in _versions()]
    undated = versions[1][0].model_copy(update={"status_effective_date": None})
    versions[1] = (undated, versions[1][1])
    found = in_force_on(
        versions, dt.date(2026, 6, 1), lambda v: v[1], lambda v: v[0].status_effective_date
    )
    assert found is not None and found[0].status is CertificateStatus.VALID


# --- what the exchange refuses ----------------------------------------------


def _fields(r: TestReport) -> dict[str, object]:
    data = r.model_dump(mode="json")
    return data


def test_an_effective_day_or_issue_date_after_today_is_refused() -> None:
    q = _lab().model_dump(mode="json") | {"status_effective_date": "2026-12-04"}
    verdict = validate_record(RecordKind.QUALIFICATION, q, Province.SH, TODAY)
    assert isinstance(verdict, Refused)
    assert [v.field for v in verdict.violations] == ["qualification.status_effective_date"]
    future = _fields(report(issued=dt.date(2026, 12, 4)))
    verdict = validate_record(RecordKind.REPORT, future, Province.SH, TODAY)
    assert isinstance(verdict, Refused)
    assert [v.field for v in verdict.violations] == ["report.issue_date"]


def test_a_province_registers_only_reports_of_laboratories_it_supervises() -> None:
    zhejiang_lab = _fields(report(issuer="11"))
    verdict = validate_record(RecordKind.REPORT, zhejiang_lab, Province.SH, TODAY)
    assert isinstance(verdict, Refused)
    assert verdict.violations[0].field == "report.cma_number"
    assert "Zhejiang" in verdict.violations[0].description
    assert isinstance(
        validate_record(RecordKind.REPORT, zhejiang_lab, Province.ZJ, TODAY), Validated
    )
    # A laboratory of the national authority (issuer 00) may be registered by any.
    national = _fields(report(issuer="00"))
    assert isinstance(validate_record(RecordKind.REPORT, national, Province.AH, TODAY), Validated)


def test_malformed_report_fields_are_refused_by_field() -> None:
    bad = _fields(report()) | {
        "report_number": "A/1",
        "document_sha256": "xyz",
        "items": [],
    }
    verdict = validate_record(RecordKind.REPORT, bad, Province.SH, TODAY)
    assert isinstance(verdict, Refused)
    assert {v.field for v in verdict.violations} == {
        "report.report_number",
        "report.document_sha256",
        "report.items",
    }


def test_report_numbers_and_hashes_take_their_canonical_form() -> None:
    data = _fields(report()) | {"report_number": " sh-2026-000123 ", "document_sha256": "AB" * 32}
    verdict = validate_record(RecordKind.REPORT, data, Province.SH, TODAY)
    assert isinstance(verdict, Validated)
    assert isinstance(verdict.record, TestReport)
    assert verdict.record.report_number == "SH-2026-000123"
    assert verdict.record.document_sha256 == "ab" * 32


# --- proficiency testing (能力验证) -----------------------------------------


def _round(
    outcome: ProficiencyOutcome = ProficiencyOutcome.UNSATISFACTORY,
    day: dt.date = dt.date(2026, 3, 1),
    item: tuple[str, str] = ("铅 (Pb)", "GB 5009.12"),
) -> ProficiencyFact:
    result = ProficiencyResult(
        round_id="CNCA-26-03",
        provider="国家认证认可监督管理委员会",
        cma_number=report().cma_number,
        institution_uscc=LAB_A,
        items=(ReportItem(parameter=item[0], standard_code=item[1]),),
        outcome=outcome,
        result_date=day,
    )
    return ProficiencyFact(result, source(Province.SH, result.key))


def _with(fact: ProficiencyFact) -> Decision:
    r = report()
    return decide_report(
        POLICY,
        target=Province.AH,
        query=ReportQuery(r.cma_number, r.report_number),
        registered=_registered(r),
        qualifications=[Certificate(_lab(), source(Province.SH, _lab().key))],
        credit=[],
        conflicts=[],
        today=TODAY,
        proficiency=[fact],
    )


def test_a_recent_unsatisfactory_round_makes_the_item_conditional_and_names_the_round() -> None:
    decision = _with(_round())
    assert decision.outcome is Outcome.CONDITIONAL
    recent = _reason(decision, "proficiency.recent")
    assert recent.effect is Outcome.CONDITIONAL
    assert "CNCA-26-03" in recent.message and "UNSATISFACTORY" in recent.message
    assert any(i.name == "proficiency_round" and i.source is not None for i in recent.inputs)


def test_an_old_a_satisfactory_or_another_items_round_changes_nothing() -> None:
    old = _round(day=dt.date(2024, 5, 31))  # more than 24 months before 2026-06-01
    fine = _round(ProficiencyOutcome.SATISFACTORY)
    other = _round(item=("镉 (Cd)", "GB 5009.15"))
    later = _round(day=dt.date(2026, 7, 1))  # after the issue date
    for fact in (old, fine, other, later):
        assert _with(fact).outcome is Outcome.RECOGNIZED, fact.result
    # Compared as text is compared everywhere: width and spaces do not matter.
    assert _with(_round(item=("铅(Pb)", "GB5009.12"))).outcome is Outcome.CONDITIONAL


def test_the_lookback_is_whole_months_to_the_same_day_or_a_short_months_last() -> None:
    items = [("铅 (Pb)", "GB 5009.12")]

    def recent(result_day: dt.date, on: dt.date) -> Reason:
        return proficiency_recent(POLICY, items, [_round(day=result_day)], on)

    quiet = proficiency_recent(POLICY, items, [], dt.date(2030, 12, 31))
    assert "between 2028-12-31 and 2030-12-31" in quiet.message
    # 24 months after 2024-12-29 is 2026-12-29: on the 30th and 31st it is past.
    assert recent(dt.date(2024, 12, 29), dt.date(2026, 12, 29)).effect is Outcome.CONDITIONAL
    for later in (dt.date(2026, 12, 30), dt.date(2026, 12, 31)):
        assert recent(dt.date(2024, 12, 29), later).effect is Outcome.RECOGNIZED, later
    # The judged day is past the month's end 24 months earlier: that month's last day.
    leap = proficiency_recent(POLICY, items, [], dt.date(2028, 2, 29))
    assert "between 2026-02-28 and 2028-02-29" in leap.message
