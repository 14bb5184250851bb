"""Label lookups on SQLite and PostgreSQL: by label code, by certificate number, in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import pytest

from devtools.datagen import generate
from services.common.db import make_engine
from services.core.errors import InvalidRequest
from services.core.provinces import Province
from services.core.records import CreditAction, CreditListType
from services.core.status import CertificateStatus
from services.exchange.outbox import Outbox
from services.exchange.publishing import Publisher
from services.registry.checks import labels as labels_module
from services.registry.checks.label_answers import label_check
from services.registry.checks.reader import PointReader
from services.registry.ingest.events import parse_event
from tests.conftest import Databases
from tests.factories import MAKER, AppliedStore, credit, event, green_cert
from yrdhub.v1 import labels_pb2


def test_batch_lookups_find_labels_and_certificate_numbers_in_order(databases: Databases) -> None:
    data = generate(20, seed=4, invalid_ratio=0.0)
    records = data.by_province[Province.ZJ]
    outbox = Outbox(make_engine(databases.new("exchange")), "ZJ")
    outbox.create_schema()
    Publisher(Province.ZJ, outbox).publish(records)
    engine = make_engine(databases.new("registry"))
    store = AppliedStore(engine)
    store.create_schema()
    store.apply([parse_event(p.payload) for p in outbox.pending(10_000)], {})

    certs = [r.green_cert for r in records if r.WhichOneof("body") == "green_cert"]
    labels = store.label_queries()
    asked = [
        certs[0].label_code,
        "GP00000000000000",
        certs[1].certificate_number,
        certs[0].label_code,
    ]
    answer = labels.check(asked)
    assert [r.query for r in answer.results] == asked
    assert [len(r.matches) for r in answer.results] == [1, 0, 1, 1]
    assert (
        answer.results[2].matches[0].record_key
        == f"green_cert/{certs[1].body_code}/{certs[1].certificate_number}"
    )
    # Every province's feed; only Zhejiang's has applied anything.
    assert [f.province for f in answer.feeds] == ["AH", "JS", "SH", "ZJ"]
    assert {f.province for f in answer.feeds if f.events_applied} == {"ZJ"}
    with pytest.raises(InvalidRequest):
        labels.check(["x"] * 1001)


def test_a_label_of_an_enterprise_on_the_serious_violation_list_says_so(db_url: str) -> None:
    """Joint punishment: the enterprise's serious-violation listing, from any
    province, turns a valid label's verdict, with the listing named; an
    abnormal-operations listing does not, and a lifted listing no longer does."""
    store = AppliedStore(make_engine(db_url))
    store.create_schema()
    cert = green_cert()
    listing = credit("皖市监信〔2026〕7号", holder=MAKER, effective_from=dt.date(2026, 1, 1))
    abnormal = credit(
        "苏市监信〔2026〕8号",
        holder=MAKER,
        province=Province.JS,
        list_type=CreditListType.ABNORMAL_OPERATIONS,
        effective_from=dt.date(2026, 1, 1),
    )
    store.apply([event(cert, Province.ZJ), event(abnormal, Province.JS)], {})
    labels = store.label_queries()

    def check() -> labels_pb2.LabelCheck:
        answer = labels.check([cert.label_code], "2026-06-01")
        data = label_check(answer.results[0], answer)
        return labels_pb2.LabelCheck.FromString(data)

    assert check().verdict == labels_pb2.LABEL_VERDICT_VALID
    store.apply([event(listing, Province.AH)], {})
    restricted = check()
    assert restricted.verdict == labels_pb2.LABEL_VERDICT_SERIOUS_VIOLATION
    assert list(restricted.credit_listings) == ["皖市监信〔2026〕7号 (AH, since 2026-01-01)"]
    assert not restricted.recognized_in
    lifted = credit(
        "皖市监信〔2027〕3号",
        holder=MAKER,
        action=CreditAction.REMOVED,
        effective_from=dt.date(2026, 2, 1),
        lifts=listing.reference,
    )
    store.apply([event(lifted, Province.AH)], {})
    assert check().verdict == labels_pb2.LABEL_VERDICT_VALID


def test_labels_asked_again_before_a_commit_are_answered_without_a_read(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A platform checks the same listings over and over: until the next commit
    the codes it asked before are answered from what was read then, the others
    read alone; a commit (a status change, a credit listing) is in the very
    next answer."""
    store = AppliedStore(make_engine(db_url))
    store.create_schema()
    cert = green_cert()
    store.apply([event(cert, Province.ZJ, 1)], {})
    labels = store.label_queries(clock=lambda: dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC))
    read: list[set[str]] = []
    lookup = PointReader.label_answers_by_code

    def counted(reader: PointReader, codes: Collection[str], day: str) -> Any:
        read.append(set(codes))
        return lookup(reader, codes, day)

    monkeypatch.setattr(PointReader, "label_answers_by_code", counted)
    unknown, other = "GP00000000000098", "GP00000000000099"

    def verdicts(*codes: str, day: str = "") -> list[int]:
        answer = labels.check(codes, day)
        return [
            labels_pb2.LabelCheck.FromString(label_check(r, answer)).verdict for r in answer.results
        ]

    valid, not_found = labels_pb2.LABEL_VERDICT_VALID, labels_pb2.LABEL_VERDICT_NOT_FOUND
    assert verdicts(cert.label_code, unknown) == [valid, not_found]
    assert verdicts(unknown, cert.label_code) == [not_found, valid]
    assert verdicts(cert.label_code, other) == [valid, not_found]
    assert read == [{cert.label_code, unknown}, {other}]
    # Another day is another question.
    assert verdicts(cert.label_code, day="2029-01-01") == [labels_pb2.LABEL_VERDICT_EXPIRED]
    assert read[-1] == {cert.label_code}

    store.apply([event(credit(holder=MAKER), Province.AH)], {})
    assert verdicts(cert.label_code) == [labels_pb2.LABEL_VERDICT_SERIOUS_VIOLATION]
    store.apply([event(green_cert(status=CertificateStatus.SUSPENDED), Province.ZJ, 2)], {})
    lifted = credit(
        "皖市监信〔2026〕9号",
        holder=MAKER,
        action=CreditAction.REMOVED,
        effective_from=dt.date(2026, 2, 1),
        lifts="皖市监信〔2026〕1号",
    )
    store.apply([event(lifted, Province.AH)], {})
    assert verdicts(cert.label_code) == [labels_pb2.LABEL_VERDICT_SUSPENDED]

    # Past the bound, the older half of what was kept is dropped, but for what
    # the call asked.
    monkeypatch.setattr(labels_module, "MAX_KEPT_CODES", 2)
    labels = store.label_queries(clock=lambda: dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC))
    suspended = labels_pb2.LABEL_VERDICT_SUSPENDED
    assert verdicts(unknown) == [not_found]
    assert verdicts(other) == [not_found]
    assert verdicts(cert.label_code) == [suspended]
    assert read[-1] == {cert.label_code}
    assert verdicts(other, cert.label_code) == [not_found, suspended]
    assert read[-1] == {cert.label_code}  # neither read again
    assert verdicts(unknown) == [not_found]
    assert read[-1] == {unknown}  # the oldest went
