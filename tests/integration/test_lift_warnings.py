"""A removal naming a listing (or a ban) its province never published is
stored, since the listing may follow, but lifts nothing until it does: the
exchange says so in the answer and the event, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from services.common.db import make_engine
from services.common.record_mapping import to_record_pb
from services.core.provinces import Province
from services.core.records import CreditAction, CreditEvent, SignatoryBan
from services.exchange.outbox import Outbox
from services.exchange.publishing import Outcome, Publisher, RecordResult
from tests.factories import LAB_B, credit

LISTING = "皖市监信〔2026〕1号"


@pytest.fixture
def publisher(db_url: str) -> Publisher:
    outbox = Outbox(make_engine(db_url), "AH")
    outbox.create_schema()
    return Publisher(Province.AH, outbox)


def _publish(publisher: Publisher, *records: CreditEvent | SignatoryBan) -> list[RecordResult]:
    return publisher.publish([to_record_pb(r) for r in records])


def _removal(reference: str = "皖市监信〔2026〕9号", lifts: str = LISTING) -> CreditEvent:
    return credit(reference, action=CreditAction.REMOVED, lifts=lifts)


def test_a_removal_of_a_listing_never_published_is_stored_with_a_warning(
    publisher: Publisher,
) -> None:
    [removal] = _publish(publisher, _removal())
    assert removal.outcome is Outcome.ACCEPTED
    [warning] = removal.warnings
    assert warning.field == "credit_event.lifts_reference"
    assert LISTING in warning.description and "lifts nothing" in warning.description


def test_a_removal_of_a_listing_published_before_or_in_its_batch_has_no_warning(
    publisher: Publisher,
) -> None:
    [listing] = _publish(publisher, credit(LISTING))
    [removal] = _publish(publisher, _removal())
    assert (listing.outcome, removal.outcome) == (Outcome.ACCEPTED, Outcome.ACCEPTED)
    assert removal.warnings == []
    together = _publish(
        publisher,
        credit("皖市监信〔2026〕2号"),
        _removal("皖市监信〔2026〕3号", "皖市监信〔2026〕2号"),
    )
    assert [r.warnings for r in together] == [[], []]


def test_a_ban_lifted_that_was_never_published_is_named(publisher: Publisher) -> None:
    lifted = SignatoryBan(
        reference="皖禁〔2026〕2号",
        person_id="Pe654562f117f8ac4",
        institution_uscc=LAB_B,
        reason="签发虚假检验检测报告",
        effective_from=dt.date(2026, 3, 1),
        action=CreditAction.REMOVED,
        lifts_reference="皖禁〔2026〕1号",
        listing_province=Province.AH,
    )
    [removal] = _publish(publisher, lifted)
    assert removal.outcome is Outcome.ACCEPTED
    assert [(w.field, "ban" in w.description) for w in removal.warnings] == [
        ("signatory_ban.lifts_reference", True)
    ]
