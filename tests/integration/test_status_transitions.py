"""Final statuses stay final, on SQLite and PostgreSQL: the exchange refuses a
revoked certificate made valid again (or a suspended CMA), field by field, and
the registry sets aside such a revision when it arrives anyway."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from services.common.db import make_engine
from services.common.record_mapping import to_record_pb
from services.common.status_rules import load_status_rules
from services.core.provinces import Province
from services.core.records import Qualification
from services.core.status import CertificateStatus
from services.exchange.outbox import Outbox
from services.exchange.publishing import Outcome, Publisher, RecordResult
from services.registry.checks.answers import precompute
from services.registry.ingest.apply import RecordWriter
from services.registry.records.store import RecordStore
from tests.factories import event, green_cert, qualification

RULES = load_status_rules()
REVOKED, VALID = CertificateStatus.REVOKED, CertificateStatus.VALID


@pytest.fixture
def engine(db_url: str) -> Engine:
    return make_engine(db_url)


@pytest.fixture
def publisher(engine: Engine) -> Publisher:
    outbox = Outbox(engine, "SH", status_rules=RULES)
    outbox.create_schema()
    return Publisher(Province.SH, outbox, status_rules=RULES)


def _publish(publisher: Publisher, *records: Qualification) -> list[RecordResult]:
    return publisher.publish([to_record_pb(r) for r in records])


def test_a_revoked_certificate_cannot_be_made_valid_again(publisher: Publisher) -> None:
    cert = qualification(serial=1)
    revoked = cert.model_copy(update={"status": REVOKED})
    [first, second] = _publish(publisher, cert, revoked)
    assert (first.outcome, second.outcome) == (Outcome.ACCEPTED, Outcome.ACCEPTED)
    [again] = _publish(publisher, cert)
    assert again.outcome is Outcome.REJECTED
    assert again.record_key == cert.key  # which record it was, beside its index
    [violation] = again.violations
    assert violation.field == "qualification.status"
    assert "REVOKED" in violation.description and "final" in violation.description
    # The revoked record may still be corrected, as long as it stays revoked.
    [corrected] = _publish(publisher, revoked.model_copy(update={"address": "上海市徐汇区1号"}))
    assert corrected.outcome is Outcome.ACCEPTED and corrected.revision == 3


def test_one_batch_cannot_revoke_and_revive_a_certificate(publisher: Publisher) -> None:
    cert = qualification(serial=2)
    results = _publish(
        publisher, cert.model_copy(update={"status": CertificateStatus.CANCELLED}), cert
    )
    assert [r.outcome for r in results] == [Outcome.ACCEPTED, Outcome.REJECTED]


def test_a_suspended_cma_is_refused_but_a_suspended_green_certificate_is_not(
    publisher: Publisher,
) -> None:
    suspended = qualification(serial=3, status=CertificateStatus.SUSPENDED)
    [cma] = _publish(publisher, suspended)
    assert (cma.outcome, cma.record_key) == (Outcome.REJECTED, suspended.key)
    assert [v.field for v in cma.violations] == ["qualification.status"]
    [green] = publisher.publish([to_record_pb(green_cert(status=CertificateStatus.SUSPENDED))])
    assert green.outcome is Outcome.ACCEPTED


def test_the_registry_sets_aside_a_revival_that_arrives_anyway(engine: Engine) -> None:
    store = RecordStore(engine)
    store.create_schema()
    writer = RecordWriter(engine, precompute, RULES)
    writer.create_schema()
    cert = qualification(serial=4)
    refused: list[str] = []
    events = [
        event(cert, Province.SH, 1),
        event(cert.model_copy(update={"status": REVOKED}), Province.SH, 2),
        event(cert, Province.SH, 3),  # from an exchange that let it through
    ]
    applied = writer.apply(events, {}, refuse=lambda _ev, why: refused.append(why))
    assert applied == 2
    assert len(refused) == 1 and "revision 3" in refused[0] and "final" in refused[0]
    # Sent on its own later, it is set aside just the same.
    later = event(cert, Province.SH, 4, sequence=4)
    assert writer.apply([later], {}, refuse=lambda _ev, why: refused.append(why)) == 0
    assert len(refused) == 2
    [held] = store.by_key(cert.key)
    assert held.revision == 2
    assert events[1].payload == held.payload  # the revoked revision
