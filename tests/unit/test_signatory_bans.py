"""Signatory bans (谁签字谁担责) in a report's verdict: the person behind the
signatory's name, every ban on them in force on the issue date from any
province, lifts, and what is said when the person is unknown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from services.core.credit import ListingState as BanState
from services.core.policy import Outcome, RecognitionPolicy
from services.core.provinces import Province
from services.core.recognition import Certificate, Decision, InputOrigin, Reason
from services.core.records import CreditAction, Qualification, Signatory, SignatoryBan
from services.core.reports import RegisteredReport, ReportQuery, decide_report
from services.core.results import TestReport
from services.core.signatory_bans import BanFact, bans_on, people_named
from tests.factories import LAB_B, qualification, report, source

SHIPPED = Path(__file__).parents[2] / "services/registry/policy/recognition-v1.toml"
POLICY = RecognitionPolicy.from_toml(SHIPPED.read_text(encoding="utf-8"))
TODAY = dt.date(2026, 12, 3)
ZHANG = "P3f2a9c41d07be6a5"
NAMESAKE = "P77c01e9b42aa1d03"
REFERENCE = "苏签禁〔2026〕1号"
ISSUED = report().issue_date  # 2026-06-01


def _lab(*signatories: Signatory) -> Qualification:
    return qualification(signatories=signatories or (Signatory(name="张三", person_id=ZHANG),))


def ban(
    *,
    person: str = ZHANG,
    province: Province = Province.JS,
    reference: str = REFERENCE,
    since: dt.date = dt.date(2026, 3, 1),
    until: dt.date | None = None,
    action: CreditAction = CreditAction.LISTED,
    lifts: str = "",
    institution: str = LAB_B,
) -> BanFact:
    record = SignatoryBan(
        reference=reference,
        person_id=person,
        institution_uscc=institution,
        reason="签发虚假检验检测报告",
        effective_from=since,
        effective_until=until,
        action=action,
        lifts_reference=lifts,
        listing_province=province,
    )
    return BanFact(record, source(province, record.key))


def _verify(
    *bans: BanFact, labs: tuple[Qualification, ...] | None = None, r: TestReport | None = None
) -> Decision:
    r = r if r is not None else report(signatory="张三")
    held = (_lab(),) if labs is None else labs
    return decide_report(
        POLICY,
        target=Province.AH,
        query=ReportQuery(r.cma_number, r.report_number),
        registered=RegisteredReport(r, source(Province.SH, r.key)),
        qualifications=[Certificate(q, source(Province.SH, q.key)) for q in held],
        credit=[],
        conflicts=[],
        today=TODAY,
        bans=list(bans),
    )


def _banned(decision: Decision) -> Reason:
    [found] = [r for r in decision.reasons if r.rule_id == "signatory.banned"]
    return found


def test_a_report_signed_by_a_person_banned_on_its_issue_date_is_not_recognised() -> None:
    decision = _verify(ban())
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    reason = _banned(decision)
    assert reason.effect is Outcome.NOT_RECOGNIZED
    assert (
        "张三 was banned from signing by Jiangsu from 2026-03-01 "
        "(苏签禁〔2026〕1号: 签发虚假检验检测报告)"
    ) in reason.message
    assert str(ISSUED) in reason.message
    # The other rules still pass: the ban alone refuses the report.
    assert [r.rule_id for r in decision.reasons if r.effect is not Outcome.RECOGNIZED] == [
        "signatory.banned"
    ]
    # Its inputs name the report, the qualification's person and the ban, with provenance.
    by_name = {i.name: i for i in reason.inputs}
    assert by_name["signatory"].value == "张三"
    assert by_name["signatory_person"].value == ZHANG
    assert by_name["signatory_person"].source is not None
    assert by_name["signatory_person"].source.record_key == _lab().key
    listed = by_name["signatory_ban"]
    assert listed.origin is InputOrigin.RECORD and listed.source is not None
    assert listed.source.record_key == f"signatory_ban/JS/{REFERENCE}"
    assert listed.source.province is Province.JS
    assert "IN_FORCE" in listed.value


def test_an_end_date_is_named_and_a_ban_ended_before_the_issue_date_passes() -> None:
    bounded = _banned(_verify(ban(until=dt.date(2026, 12, 31))))
    assert "from 2026-03-01 until 2026-12-31 (苏签禁〔2026〕1号" in bounded.message
    ended = _verify(ban(until=dt.date(2026, 5, 31)))
    assert ended.outcome is Outcome.RECOGNIZED
    assert "ended 2026-05-31" in _banned(ended).message


def test_a_ban_taking_effect_after_the_issue_date_passes_and_is_named() -> None:
    decision = _verify(ban(since=ISSUED + dt.timedelta(days=1)))
    assert decision.outcome is Outcome.RECOGNIZED
    reason = _banned(decision)
    assert reason.effect is Outcome.RECOGNIZED
    assert f"no ban on 张三's signing was in force on {ISSUED} in any province" in reason.message
    assert f"{REFERENCE} takes effect 2026-06-02" in reason.message
    # From the day itself it applies.
    assert _verify(ban(since=ISSUED)).outcome is Outcome.NOT_RECOGNIZED


def test_a_lifted_ban_passes_from_the_day_of_its_removal() -> None:
    lift = ban(
        reference="苏签禁〔2026〕1号-撤",
        since=dt.date(2026, 5, 1),
        action=CreditAction.REMOVED,
        lifts=REFERENCE,
    )
    decision = _verify(ban(), lift)
    assert decision.outcome is Outcome.RECOGNIZED
    reason = _banned(decision)
    assert f"{REFERENCE} lifted by 苏签禁〔2026〕1号-撤 from 2026-05-01" in reason.message
    assert any(i.name == "signatory_ban_lifted" and i.source is not None for i in reason.inputs)
    # A removal dated after the issue date lifts nothing on it.
    later = ban(
        reference="苏签禁〔2026〕1号-撤",
        since=ISSUED + dt.timedelta(days=1),
        action=CreditAction.REMOVED,
        lifts=REFERENCE,
    )
    assert _verify(ban(), later).outcome is Outcome.NOT_RECOGNIZED


def test_only_the_banning_province_lifts_its_ban() -> None:
    elsewhere = ban(
        province=Province.ZJ,
        reference="浙签撤〔2026〕1号",
        since=dt.date(2026, 5, 1),
        action=CreditAction.REMOVED,
        lifts=REFERENCE,
    )
    assert _verify(ban(), elsewhere).outcome is Outcome.NOT_RECOGNIZED
    lifted = bans_on([ban(), elsewhere], ZHANG, ISSUED)
    assert [b.state for b in lifted] == [BanState.IN_FORCE]


def test_a_ban_by_another_province_for_another_institution_still_applies() -> None:
    """The report is Shanghai's laboratory's (LAB_A); Anhui banned the person
    when they signed for another laboratory (LAB_B): it bars them everywhere."""
    decision = _verify(ban(province=Province.AH, reference="皖签禁〔2026〕7号", institution=LAB_B))
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    assert "by Anhui from 2026-03-01 (皖签禁〔2026〕7号" in _banned(decision).message
    # Bans on someone else do not count.
    assert _verify(ban(person=NAMESAKE)).outcome is Outcome.RECOGNIZED


def test_a_signatory_known_by_name_only_says_bans_cannot_be_checked() -> None:
    unidentified = _lab(Signatory(name="张三"))
    decision = _verify(ban(), labs=(unidentified,))
    reason = _banned(decision)
    assert reason.effect is Outcome.RECOGNIZED
    assert "张三's identity is unknown" in reason.message
    assert "bans on signing cannot be checked" in reason.message
    assert "by name only" in reason.message
    assert people_named("张三", [Certificate(unidentified, source(Province.SH, "k"))]) == set()
    # A name the qualification does not list: report.signatory fails, and this says why it cannot tell.
    stranger = _banned(_verify(ban(), r=report(signatory="李雷")))
    assert "李雷's identity is unknown" in stranger.message
    assert "no qualification in force on that day lists them" in stranger.message


def test_names_compare_as_text_does_and_every_provinces_copy_counts() -> None:
    spaced = _verify(ban(), r=report(signatory=" 张 三 "))
    assert spaced.outcome is Outcome.NOT_RECOGNIZED
    # Jiangsu's copy of the qualification identifies the person; Shanghai's does not.
    sh = _lab(Signatory(name="张三"))
    found = people_named(
        "张三",
        [
            Certificate(sh, source(Province.SH, sh.key)),
            Certificate(_lab(), source(Province.JS, sh.key)),
        ],
    )
    assert found == {ZHANG}


def test_namesakes_of_whom_one_is_banned_make_the_report_conditional() -> None:
    two = _lab(Signatory(name="张三", person_id=ZHANG), Signatory(name="张三", person_id=NAMESAKE))
    decision = _verify(ban(), labs=(two,))
    reason = _banned(decision)
    assert reason.effect is Outcome.CONDITIONAL
    assert "2 people are listed as signatory 张三" in reason.message
    both = _verify(ban(), ban(person=NAMESAKE, reference="苏签禁〔2026〕2号"), labs=(two,))
    assert _banned(both).effect is Outcome.NOT_RECOGNIZED


def test_a_laboratory_of_another_person_is_unaffected_and_every_report_states_the_rule() -> None:
    decision = _verify(labs=(_lab(Signatory(name="张三", person_id=NAMESAKE)),))
    assert decision.outcome is Outcome.RECOGNIZED
    assert _banned(decision).message == (
        f"no ban on 张三's signing was in force on {ISSUED} in any province"
    )


def test_a_removal_dated_before_its_ban_lifts_nothing_and_the_decision_says_so() -> None:
    # A slip of the date, or a ban whose dates were corrected after its removal.
    early = ban(
        reference="苏签禁〔2026〕1号-撤",
        since=dt.date(2026, 2, 1),
        action=CreditAction.REMOVED,
        lifts=REFERENCE,
    )
    decision = _verify(ban(), early)
    assert decision.outcome is Outcome.NOT_RECOGNIZED
    reason = _banned(decision)
    assert "苏签禁〔2026〕1号-撤 is dated before the ban and lifts nothing" in reason.message
    assert any(
        i.name == "signatory_ban_early_lift" and i.source == early.source for i in reason.inputs
    )
