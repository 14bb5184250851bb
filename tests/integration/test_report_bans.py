"""VerifyReport and signatory bans through the registry's stores, on SQLite and
PostgreSQL: a ban published by another province than the laboratory's, read
as of the issue date and as the hub knew it, lifted, corrected by a later
revision, shown on the report's page, and read in one statement however many
bans there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import event as sql_event

from services.common.db import make_engine
from services.core.policy import Outcome
from services.core.provinces import Province
from services.core.recognition import Reason
from services.core.records import CreditAction, Record, RecordKind, Signatory, SignatoryBan
from services.core.results import TestReport
from services.registry.checks.report_page import render_report_page
from services.registry.reconciliation.conflict_store import ConflictStore
from services.registry.reconciliation.mapping import report_document
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.reconciliation.reports import (
    ReportVerifications,
    VerifiedReport,
    report_query,
)
from services.registry.records.as_of import RecordsAsOf
from tests.factories import LAB_B, T0, AppliedStore, event, qualification, report

ZHANG = "P3f2a9c41d07be6a5"
OTHER = "P0000000000000001"
REFERENCE = "苏签禁〔2026〕1号"
REPORT = report(signatory="张三")  # issued 2026-06-01 by Shanghai's LAB_A
LAB = qualification(signatories=(Signatory(name="张三", fields=("00",), person_id=ZHANG),))
LATER = dt.datetime(2026, 9, 1, 4, 0, tzinfo=dt.UTC)


def ban(
    *,
    person: str = ZHANG,
    reference: str = REFERENCE,
    since: dt.date = dt.date(2026, 3, 1),
    action: CreditAction = CreditAction.LISTED,
    lifts: str = "",
) -> SignatoryBan:
    return SignatoryBan(
        reference=reference,
        person_id=person,
        institution_uscc=LAB_B,
        reason="签发虚假检验检测报告",
        effective_from=since,
        action=action,
        lifts_reference=lifts,
        listing_province=Province.JS,
    )


class Registry:
    """The registry's stores and the VerifyReport use case over one database."""

    def __init__(self, db_url: str) -> None:
        self.engine = make_engine(db_url)
        self.store = AppliedStore(self.engine)
        self.store.create_schema()
        self.now = LATER
        self.reports = ReportVerifications(
            self.store, ConflictStore(self.engine), PolicySource(), clock=lambda: self.now
        )
        self._tick = T0

    def publish(
        self,
        record: Record,
        province: Province,
        revision: int = 1,
        at: dt.datetime | None = None,
    ) -> dt.datetime:
        """Applies one event (a day after the last, or `at`); returns when."""
        self._tick = at or self._tick + dt.timedelta(days=1)
        self.store.apply(
            [event(record, province, revision, accepted_at=self._tick)], {}, now=self._tick
        )
        return self._tick

    def verify(self, r: TestReport = REPORT, known_at: dt.datetime | None = None) -> VerifiedReport:
        return self.reports.verify(report_query(r.cma_number, r.report_number), known_at=known_at)


def registry_holding(db_url: str, province: Province, *records: Record) -> Iterator[Registry]:
    """A Registry over `db_url` with `records` published by `province` (a fixture's body)."""
    hub = Registry(db_url)
    for record in records:
        hub.publish(record, province)
    try:
        yield hub
    finally:
        hub.engine.dispose()


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    yield from registry_holding(db_url, Province.SH, LAB, REPORT)


def _banned(verified: VerifiedReport) -> Reason:
    [found] = [r for r in verified.decision.reasons if r.rule_id == "signatory.banned"]
    return found


def test_an_unregistered_report_is_judged_for_its_laboratorys_own_province(
    registry: Registry,
) -> None:
    # The CMA's digits 3-4 name the issuing authority: "11" is Zhejiang's.
    zhejiang_lab = "231112000123"
    verified = registry.reports.verify(report_query(zhejiang_lab, "NOT-SENT-1"))
    assert verified.row is None
    assert verified.decision.target is Province.ZJ
    assert verified.decision.outcome is Outcome.NOT_RECOGNIZED


def test_a_ban_by_another_province_refuses_the_report_and_the_page_says_why(
    registry: Registry,
) -> None:
    assert registry.verify().decision.outcome is Outcome.RECOGNIZED
    assert "no ban on 张三's signing" in _banned(registry.verify()).message

    registry.publish(ban(), Province.JS)
    verified = registry.verify()
    assert verified.decision.outcome is Outcome.NOT_RECOGNIZED
    reason = _banned(verified)
    assert (
        "张三 was banned from signing by Jiangsu from 2026-03-01 "
        "(苏签禁〔2026〕1号: 签发虚假检验检测报告)"
    ) in reason.message
    [listed] = [i for i in reason.inputs if i.name == "signatory_ban"]
    assert listed.source is not None
    assert (listed.source.province, listed.source.record_key, listed.source.revision) == (
        Province.JS,
        f"signatory_ban/JS/{REFERENCE}",
        1,
    )

    # The report's page shows the rule with the others, and its JSON names the ban.
    doc = report_document(verified)
    [stated] = [r for r in doc["reasons"] if r["rule_id"] == "signatory.banned"]
    assert stated["effect"] == "RECOGNITION_OUTCOME_NOT_RECOGNIZED"
    assert any(i["name"] == "signatory_ban" for i in stated["inputs"])
    page = render_report_page(doc, REPORT.cma_number, REPORT.report_number)
    assert "<code>signatory.banned</code> 张三 was banned from signing by Jiangsu" in page
    assert "不予采信" in page


def test_what_the_hub_knew_before_the_ban_and_on_the_issue_day(registry: Registry) -> None:
    before = registry._tick
    registry.publish(ban(), Province.JS)
    assert registry.verify(known_at=before).decision.outcome is Outcome.RECOGNIZED
    assert registry.verify().decision.outcome is Outcome.NOT_RECOGNIZED
    # Asked on the issue day itself, the current rows answer: the same verdict.
    registry.now = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)
    assert _banned(registry.verify()).effect is Outcome.NOT_RECOGNIZED


def test_a_lift_and_a_corrected_date_are_followed(registry: Registry) -> None:
    registry.publish(ban(), Province.JS)
    lifted_at = registry.publish(
        ban(
            reference="苏签禁〔2026〕1号-撤",
            since=dt.date(2026, 5, 1),
            action=CreditAction.REMOVED,
            lifts=REFERENCE,
        ),
        Province.JS,
    )
    verified = registry.verify()
    assert verified.decision.outcome is Outcome.RECOGNIZED
    assert f"{REFERENCE} lifted by 苏签禁〔2026〕1号-撤 from 2026-05-01" in (
        _banned(verified).message
    )
    assert registry.verify(known_at=lifted_at - dt.timedelta(seconds=1)).decision.outcome is (
        Outcome.NOT_RECOGNIZED
    )

    # A second ban, then its date corrected to after the issue date by a
    # revision published in July: the latest revision dates the ban on every
    # day, as for credit events (not the version accepted by the issue date).
    registry.publish(ban(reference="苏签禁〔2026〕2号"), Province.JS)
    assert registry.verify().decision.outcome is Outcome.NOT_RECOGNIZED
    july = dt.datetime(2026, 7, 15, 4, 0, tzinfo=dt.UTC)
    second = ban(reference="苏签禁〔2026〕2号", since=dt.date(2026, 7, 1))
    registry.publish(second, Province.JS, 2, at=july)
    corrected = registry.verify()
    assert corrected.decision.outcome is Outcome.RECOGNIZED
    assert "苏签禁〔2026〕2号 takes effect 2026-07-01" in _banned(corrected).message


def test_bans_are_read_in_one_statement_whatever_their_number(registry: Registry) -> None:
    for n in range(30):
        registry.publish(ban(person=OTHER, reference=f"苏签禁〔2026〕{100 + n}号"), Province.JS)
    records = RecordsAsOf(registry.store)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    sql_event.listen(registry.engine, "before_cursor_execute", seen)
    try:
        clear = registry.verify()
        with_few = len(statements)
        registry.publish(ban(), Province.JS)
        statements.clear()
        banned = registry.verify()
    finally:
        sql_event.remove(registry.engine, "before_cursor_execute", seen)
    assert clear.decision.outcome is Outcome.RECOGNIZED
    assert banned.decision.outcome is Outcome.NOT_RECOGNIZED
    assert len(statements) == with_few
    assert len(records.of_kind(RecordKind.SIGNATORY_BAN, clear.as_of)) == 31

    # A signatory known by name only reads no bans at all.
    unknown = qualification(signatories=(Signatory(name="张三"),))
    registry.publish(unknown, Province.SH, 2)
    statements.clear()
    sql_event.listen(registry.engine, "before_cursor_execute", seen)
    try:
        answer = registry.verify()
    finally:
        sql_event.remove(registry.engine, "before_cursor_execute", seen)
    assert "张三's identity is unknown" in _banned(answer).message
    assert len(statements) == with_few - 1
