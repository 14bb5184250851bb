"""Green labels as the national scheme issues them, on SQLite and PostgreSQL:
the exchange takes bodies by approval number and label codes in the
configured form; the registry answers one label for several bodies'
certificates of one product, flags a code on two products, and tells a
province's copy that lags from one that conflicts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from services.common.db import make_engine
from services.common.green_label import load_green_label_format
from services.common.record_mapping import to_record_pb
from services.core.conflicts import ConflictType
from services.core.provinces import Province
from services.core.status import CertificateStatus
from services.exchange.outbox import Outbox
from services.exchange.publishing import Outcome, Publisher
from services.registry.checks.label_answers import label_check
from services.registry.checks.verify_page import answer_document, render_page
from services.registry.reconciliation.conflict_store import ConflictStore
from tests.factories import T0, AppliedStore, event, green_cert
from yrdhub.v1 import labels_pb2

CQC = green_cert()
CEC = green_cert(
    body="CNCA-R-2002-105", body_name="中环联合(北京)认证中心有限公司", number="CEC-GP-24-000001"
)
OTHER_MODEL = green_cert(body="CNCA-R-2003-117", number="CTC24GPC00001", model="JJ-200B")


def _store(db_url: str) -> AppliedStore:
    store = AppliedStore(make_engine(db_url))
    store.create_schema()
    return store


def _check(store: AppliedStore, now: dt.datetime) -> labels_pb2.LabelCheck:
    answer = store.label_queries(clock=lambda: now).check([CQC.label_code])
    return labels_pb2.LabelCheck.FromString(label_check(answer.results[0], answer))


def _open_label_conflicts(store: AppliedStore) -> list[str]:
    return [
        c.summary
        for c in ConflictStore(store.engine).find(open_only=True)
        if c.type is ConflictType.LABEL_CODE_REUSED
    ]


def test_two_bodies_certificates_for_one_product_are_one_label(db_url: str) -> None:
    store = _store(db_url)
    store.apply([event(CQC, Province.ZJ), event(CEC, Province.ZJ)], {})
    check = _check(store, T0)
    assert check.verdict == labels_pb2.LABEL_VERDICT_VALID
    assert not check.conflicts and not check.notes
    assert {m.body_code for m in check.matches} == {"CNCA-R-2002-001", "CNCA-R-2002-105"}
    assert {m.body_name for m in check.matches} == {"中国质量认证中心", CEC.body_name}
    assert {m.copy_standing for m in check.matches} == {labels_pb2.COPY_STANDING_CURRENT}
    assert len(check.recognized_in) == 4
    assert _open_label_conflicts(store) == []

    # One body revokes: the label holds on the other's certificate, and says so.
    revoked = CQC.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 1, 2)}
    )
    store.apply([event(revoked, Province.ZJ, 2)], {})
    check = _check(store, T0)
    assert check.verdict == labels_pb2.LABEL_VERDICT_VALID
    [note] = check.notes
    assert "CNCA-R-2002-001/" in note and "REVOKED" in note
    assert len(check.recognized_in) == 4


def test_one_code_on_two_products_is_a_conflict(db_url: str) -> None:
    store = _store(db_url)
    store.apply([event(CQC, Province.ZJ), event(OTHER_MODEL, Province.JS)], {})
    check = _check(store, T0)
    assert check.verdict == labels_pb2.LABEL_VERDICT_CONFLICT
    assert "2 products" in check.conflicts[0]
    [summary] = _open_label_conflicts(store)
    assert "jj-100a" in summary and "jj-200b" in summary


def test_a_province_copy_behind_the_newest_word_lags_then_conflicts(db_url: str) -> None:
    """The body revoked its certificate; JS relayed it, SH still shows VALID.
    Within the allowed lag the answer follows JS and says SH lags; past it,
    the copies conflict."""
    store = _store(db_url)
    revoked = CQC.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    later = T0 + dt.timedelta(hours=1)
    store.apply([event(CQC, Province.SH), event(revoked, Province.JS, accepted_at=later)], {})
    check = _check(store, later + dt.timedelta(hours=2))
    assert check.verdict == labels_pb2.LABEL_VERDICT_REVOKED
    standing = {m.province: m.copy_standing for m in check.matches}
    assert standing == {
        1: labels_pb2.COPY_STANDING_LAGGING,  # SH
        2: labels_pb2.COPY_STANDING_CURRENT,  # JS
    }
    assert any("SH lags" in n for n in check.notes)
    grace = load_green_label_format().lag_grace
    late = _check(store, later + grace + dt.timedelta(hours=1))
    assert late.verdict == labels_pb2.LABEL_VERDICT_CONFLICT
    assert {m.copy_standing for m in late.matches} == {
        labels_pb2.COPY_STANDING_CONFLICTING,
        labels_pb2.COPY_STANDING_CURRENT,
    }


def test_an_undated_correction_of_a_copy_does_not_outweigh_another_provinces_revocation(
    db_url: str,
) -> None:
    """SH corrects a name in its VALID copy, with no status date, after JS
    relayed the body's revocation: read as a status taking effect that day,
    it would make JS's revocation lag and the label VALID for three days.
    An undated status counts as the oldest word: the copies conflict, and
    the label is not to be relied on. (A reinstatement relayed undated reads
    the same: a status change is to be dated.)"""
    store = _store(db_url)
    revoked = CQC.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    renamed = CQC.model_copy(update={"enterprise_name": "浙江某建材股份有限公司"})
    store.apply([event(CQC, Province.SH), event(revoked, Province.JS)], {})
    store.apply([event(renamed, Province.SH, 2, accepted_at=T0 + dt.timedelta(hours=1))], {})
    check = _check(store, T0 + dt.timedelta(hours=2))
    assert check.verdict == labels_pb2.LABEL_VERDICT_CONFLICT


def test_a_reinstatement_relayed_undated_is_newer_than_the_suspension_it_ends(
    db_url: str,
) -> None:
    """The body suspended its certificate on 4 January and both provinces
    relayed it; SH relays the reinstatement on 6 January without a date. It
    takes effect the day SH's copy changed: JS's copy lags (within the grace)
    and the label is VALID, where it read CONFLICT. Had SH's copy never been
    suspended, a VALID copy sent again says nothing newer: still a conflict."""
    store = _store(db_url)
    suspended = CQC.model_copy(
        update={"status": CertificateStatus.SUSPENDED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    reinstated = CQC.model_copy(update={"status": CertificateStatus.VALID})
    on_the_6th = dt.datetime(2026, 1, 6, 2, 0, tzinfo=dt.UTC)
    store.apply([event(suspended, Province.SH), event(suspended, Province.JS)], {}, now=T0)
    store.apply([event(reinstated, Province.SH, 2, accepted_at=on_the_6th)], {}, now=on_the_6th)
    check = _check(store, on_the_6th + dt.timedelta(hours=2))
    assert check.verdict == labels_pb2.LABEL_VERDICT_VALID, check
    standing = {m.province: m.copy_standing for m in check.matches}
    assert standing == {
        1: labels_pb2.COPY_STANDING_CURRENT,  # SH
        2: labels_pb2.COPY_STANDING_LAGGING,  # JS
    }
    assert any("JS lags" in n and "since 2026-01-06" in n for n in check.notes), check.notes
    # Asked as the hub knew it before the reinstatement came: SUSPENDED.
    then = store.label_queries(clock=lambda: on_the_6th + dt.timedelta(hours=2)).check(
        [CQC.label_code], "2026-01-05", on_the_6th - dt.timedelta(hours=1)
    )
    then_check = labels_pb2.LabelCheck.FromString(label_check(then.results[0], then))
    assert then_check.verdict == labels_pb2.LABEL_VERDICT_SUSPENDED


def test_a_valid_copy_sent_again_undated_says_nothing_newer_than_a_suspension(
    db_url: str,
) -> None:
    """SH never relayed the suspension: its VALID copy, sent again without a
    date after JS's dated suspension, changes no status of its own, so it is
    not a newer word. SH contradicts JS: the label is not to be relied on."""
    store = _store(db_url)
    suspended = CQC.model_copy(
        update={"status": CertificateStatus.SUSPENDED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    on_the_6th = dt.datetime(2026, 1, 6, 2, 0, tzinfo=dt.UTC)
    store.apply([event(CQC, Province.SH), event(suspended, Province.JS)], {})
    store.apply([event(CQC, Province.SH, 2, accepted_at=on_the_6th)], {})
    check = _check(store, on_the_6th + dt.timedelta(hours=2))
    assert check.verdict == labels_pb2.LABEL_VERDICT_CONFLICT


def test_a_label_in_conflict_is_recognised_only_where_its_disputed_certificate_is(
    db_url: str,
) -> None:
    """CEC's certificate holds; CQC's copies conflict (SH relayed VALID after
    JS's revocation). The verdict is CONFLICT and the page says not to rely
    on it: the label was still recognised in every province, by CEC's alone."""
    store = _store(db_url)
    revoked = CQC.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    store.apply([event(CEC, Province.ZJ), event(revoked, Province.JS)], {})
    store.apply([event(CQC, Province.SH, accepted_at=T0 + dt.timedelta(hours=1))], {})
    check = _check(store, T0 + dt.timedelta(hours=2))
    assert check.verdict == labels_pb2.LABEL_VERDICT_CONFLICT
    assert not check.recognized_in, check
    assert len(check.conditionally_recognized_in) == 4


def test_a_label_asked_again_the_same_day_tells_lag_from_conflict_by_the_hour(
    db_url: str,
) -> None:
    """What a check found is kept until the next commit, but whether a copy lags
    or conflicts rests on the time of asking: with an hour's grace, the same
    answer half an hour and two hours after the newer word, the same day."""
    store = _store(db_url)
    revoked = CQC.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    later = T0 + dt.timedelta(hours=1)
    store.apply([event(CQC, Province.SH), event(revoked, Province.JS, accepted_at=later)], {})
    now = [later + dt.timedelta(minutes=30)]
    hourly = load_green_label_format().model_copy(update={"lag_grace_hours": 1.0})
    labels = store.label_queries(clock=lambda: now[0], label_format=hourly)

    def verdict() -> int:
        answer = labels.check([CQC.label_code])
        return labels_pb2.LabelCheck.FromString(label_check(answer.results[0], answer)).verdict

    assert verdict() == labels_pb2.LABEL_VERDICT_REVOKED
    now[0] = later + dt.timedelta(hours=2)
    assert verdict() == labels_pb2.LABEL_VERDICT_CONFLICT


def test_the_exchange_takes_bodies_by_approval_number_and_codes_in_the_platform_form(
    db_url: str,
) -> None:
    engine: Engine = make_engine(db_url)
    outbox = Outbox(engine, "ZJ")
    outbox.create_schema()
    publisher = Publisher(Province.ZJ, outbox, green_labels=load_green_label_format())
    bad_body = to_record_pb(CQC)
    bad_body.green_cert.body_code = "CQC"
    no_name = to_record_pb(CQC)
    no_name.green_cert.body_name = ""
    bad_label = to_record_pb(CQC)
    bad_label.green_cert.label_code = "GP_0001"
    results = publisher.publish([bad_body, no_name, bad_label, to_record_pb(CQC)])
    assert [r.outcome for r in results] == [Outcome.REJECTED] * 3 + [Outcome.ACCEPTED]
    fields = [[(v.field, v.description) for v in r.violations] for r in results[:3]]
    assert fields[0][0][0] == "green_cert.body_code" and "CNCA-R-YYYY-NNN" in fields[0][0][1]
    assert fields[1] == [("green_cert.body_name", "required")]
    assert fields[2][0][0] == "green_cert.label_code"
    assert outbox.unpublished_count() == 1


def test_a_suspension_first_heard_of_reads_from_its_own_day_on_a_past_day(db_url: str) -> None:
    """The hub first hears of CQC's certificate SUSPENDED from 4 January: on
    3 January it read SUSPENDED, "in effect since" a day still to come; it
    held then, and the label reads VALID that day."""
    store = _store(db_url)
    suspended = CQC.model_copy(
        update={"status": CertificateStatus.SUSPENDED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    store.apply([event(suspended, Province.ZJ)], {}, now=T0)
    labels = store.label_queries(clock=lambda: T0 + dt.timedelta(days=3))

    def verdict_on(day: str) -> int:
        answer = labels.check([CQC.label_code], day)
        return labels_pb2.LabelCheck.FromString(label_check(answer.results[0], answer)).verdict

    assert verdict_on("2026-01-03") == labels_pb2.LABEL_VERDICT_VALID
    assert verdict_on("2026-01-04") == labels_pb2.LABEL_VERDICT_SUSPENDED


def test_a_copy_whose_status_was_not_yet_in_effect_is_not_the_newest_word_that_day(
    db_url: str,
) -> None:
    """On 3 January JS's copy said SUSPENDED (from the 2nd); SH's only copy
    says REVOKED from the 4th, so it read VALID that day. Ordered by its
    status date still to come, it was the newest word, and the label read
    VALID with JS "lagging"; it is an older word that day."""
    store = _store(db_url)
    revoked = CQC.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    suspended = CQC.model_copy(
        update={"status": CertificateStatus.SUSPENDED, "status_effective_date": dt.date(2026, 1, 2)}
    )
    later = T0 + dt.timedelta(hours=1)
    store.apply([event(revoked, Province.SH)], {}, now=T0)
    store.apply([event(suspended, Province.JS, accepted_at=later)], {}, now=later)
    answer = store.label_queries(clock=lambda: later + dt.timedelta(hours=1)).check(
        [CQC.label_code], "2026-01-03"
    )
    check = labels_pb2.LabelCheck.FromString(label_check(answer.results[0], answer))
    assert check.verdict == labels_pb2.LABEL_VERDICT_SUSPENDED, check
    assert {m.province: m.copy_standing for m in check.matches} == {
        1: labels_pb2.COPY_STANDING_LAGGING,  # SH
        2: labels_pb2.COPY_STANDING_CURRENT,  # JS
    }


def test_the_page_heads_the_reasons_by_whether_the_label_is_recognised_conditionally(
    db_url: str,
) -> None:
    """A label that no province recognises showed its reasons under "Why only
    conditionally"; one recognised conditionally still does."""
    store = _store(db_url)
    revoked = CQC.model_copy(
        update={"status": CertificateStatus.REVOKED, "status_effective_date": dt.date(2026, 1, 4)}
    )
    store.apply([event(revoked, Province.JS)], {})
    store.apply([event(CQC, Province.SH, accepted_at=T0 + dt.timedelta(hours=1))], {})
    now = T0 + dt.timedelta(hours=2)
    doc = answer_document(store.label_queries(clock=lambda: now), CQC.label_code)
    assert doc["verdict"] == "CONFLICT" and doc["conditions"]
    assert set(doc["recognition"].values()) == {"CONDITIONAL"}
    assert "Why only conditionally" in render_page(doc)
    nowhere = {**doc, "recognition": dict.fromkeys(doc["recognition"], "NOT_RECOGNIZED")}
    page = render_page(nowhere)
    assert "Why only conditionally" not in page and "Why it is not recognised" in page
