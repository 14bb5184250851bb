"""Label lookups on SQLite and PostgreSQL: by label code, by certificate number, in order."""

from __future__ import annotations

import pytest

from devtools.datagen import generate
from services.common.db import make_engine
from services.core.errors import InvalidRequest
from services.core.provinces import Province
from services.exchange.outbox import Outbox
from services.exchange.publishing import Publisher
from services.registry.ingest.events import parse_event
from tests.conftest import Databases
from tests.factories import AppliedStore


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
    assert {f.province for f in answer.feeds} == {"ZJ"}
    with pytest.raises(InvalidRequest):
        labels.check(["x"] * 1001)
