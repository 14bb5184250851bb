"""Team snapshots kept in parts, on real SQLite and PostgreSQL: each field's lines
once, a recipe per draw, and every snapshot read back byte for byte as drawn."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import NoResultFound

from devtools.pool_data import PoolData, generate_pool, load_registry
from services.common.db import make_engine
from services.core.draws import DrawKind, DrawState
from services.core.team_requests import TeamRequest
from services.registry.pool.active import create_version_row
from services.registry.pool.draws import AssessorPool, DrawResult
from services.registry.pool.policies import load_inspection, load_recusal
from services.registry.pool.relay import event_payload
from services.registry.pool.snapshots import is_recipe
from services.registry.pool.store import PoolStore
from services.registry.pool.tables import (
    Reveal,
    bookings_version_table,
    draw_table,
    snapshot_part_table,
)
from services.registry.pool.view import PoolView
from tests.factories import booking
from tests.integration.pool_records import assessor, days_ahead
from tests.integration.verified_draws import verified_snapshot

_NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@dataclass
class Hub:
    engine: Engine
    store: PoolStore
    pool: AssessorPool
    data: PoolData

    def another_pool(self) -> AssessorPool:
        """A second pool over the same database, as another registry process would be."""
        store = PoolStore(self.engine, event_payload)
        return AssessorPool(store, PoolView(self.engine), load_recusal(), load_inspection())

    def parts(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(snapshot_part_table)).one()[0])

    def read_back(self, result: DrawResult) -> bytes:
        """The draw's snapshot as the hub serves it, checked with verify-draw's rule."""
        return verified_snapshot(self.pool, result.row.draw_id)


@pytest.fixture
def hub(db_url: str) -> Iterator[Hub]:
    engine = make_engine(db_url)
    data = generate_pool(1200, seed=4)
    load_registry(engine, data.assessors)
    store = PoolStore(engine, event_payload)
    store.create_schema()
    pool = AssessorPool(store, PoolView(engine), load_recusal(), load_inspection())
    try:
        yield Hub(engine, store, pool, data)
    finally:
        engine.dispose()


def _busiest_field(data: PoolData) -> str:
    counts = Counter(
        f for people in data.assessors.values() for r in people for f in r.assessor.fields
    )
    return counts.most_common(1)[0][0]


def _request(hub: Hub, field: str, day: int = 0) -> TeamRequest:
    inst = next(i for i in hub.data.institutions if i.field == field)
    start = days_ahead(30 + day)
    return TeamRequest(
        institution_uscc=inst.uscc,
        institution_province=inst.province.value,
        fields=[field],
        start_date=start.isoformat(),
        end_date=start.isoformat(),
    )


def test_each_fields_lines_are_kept_once_and_every_draw_reads_back_whole(hub: Hub) -> None:
    field = _busiest_field(hub.data)
    # Three draws for the same days: the later ones list the earlier ones' teams as booked.
    results = [hub.pool.request_team(_request(hub, field)) for _ in range(3)]
    assert all(r.row.state == "DRAWN" for r in results), [r.row.failure for r in results]
    assert results[0].row.candidates >= 64
    # One part for the field, stored by the first draw; each draw keeps a recipe.
    assert hub.parts() == 1
    for result in results:
        snapshot = hub.read_back(result)
        assert json.loads(snapshot)["candidates"][field]
        found = hub.store.draw_as_stored(result.row.draw_id)
        assert found is not None
        stored = found[0].snapshot
        assert stored is not None and is_recipe(stored)
        assert len(stored) * 5 < len(snapshot)
    booked = {a.assessor_id for r in results[:2] for a in r.assignments}
    last = json.loads(hub.read_back(results[2]))["candidates"][field]
    assert booked <= {ident for ident, *_rest, excluded in last if excluded}


def test_another_process_draws_on_the_parts_already_kept(hub: Hub) -> None:
    field = _busiest_field(hub.data)
    hub.pool.request_team(_request(hub, field, 0))
    other = hub.another_pool().request_team(_request(hub, field, 1))
    assert other.row.state == "DRAWN"
    assert hub.parts() == 1
    hub.read_back(other)


def test_a_changed_pool_lists_its_change_in_a_new_part(hub: Hub) -> None:
    field = _busiest_field(hub.data)
    hub.pool.request_team(_request(hub, field, 0))
    province = next(iter(hub.data.assessors))
    load_registry(hub.engine, {province: [assessor("Anewcomer01", fields=(field,))]})
    after = hub.pool.request_team(_request(hub, field, 1))
    assert hub.parts() == 2
    lines = json.loads(hub.read_back(after))["candidates"][field]
    assert "Anewcomer01" in {line[0] for line in lines}


def test_a_part_changed_in_the_database_is_refused_when_read(hub: Hub) -> None:
    result = hub.pool.request_team(_request(hub, _busiest_field(hub.data), 0))
    with hub.engine.begin() as conn:
        conn.execute(update(snapshot_part_table).values(body=b'["Aforged","SH","A",null]'))
    with pytest.raises(RuntimeError, match="SHA-256"):
        hub.pool.draw(result.row.draw_id)


def test_a_snapshot_an_older_version_kept_whole_still_reads(hub: Hub) -> None:
    result = hub.pool.request_team(_request(hub, _busiest_field(hub.data), 0))
    snapshot = hub.read_back(result)
    with hub.engine.begin() as conn:
        conn.execute(
            update(draw_table)
            .where(draw_table.c.draw_id == result.row.draw_id)
            .values(snapshot=snapshot)
        )
        conn.execute(snapshot_part_table.delete())
    assert hub.read_back(result) == snapshot


def test_parts_of_a_reveal_rolled_back_are_stored_by_the_next_one(hub: Hub) -> None:
    part = b'["A1","SH","A",null]\n["A2","SH","A",null]'
    parts = {hashlib.sha256(part).digest(): part}

    def reveal(draw_id: str) -> None:
        hub.store.commit_draw(draw_id, DrawKind.TEAM, b"c" * 32, _NOW, "{}", "test")
        made = Reveal(DrawState.DRAWN, b"s" * 32, _NOW, b"[]", b"d" * 32, "{}", "", 1, 1, parts)
        assigned = [booking(f"A-{draw_id}", draw_id, dt.date(2026, 7, 1))]
        hub.store.reveal_draw(draw_id, made, assigned)

    # The bookings version's row gone, the reveal fails after writing its part,
    # last in its transaction, and all of it is rolled back.
    with hub.engine.begin() as conn:
        conn.execute(bookings_version_table.delete())
    with pytest.raises(NoResultFound):
        reveal("team-1")
    assert hub.parts() == 0
    create_version_row(hub.engine)
    reveal("team-2")  # the part is not taken as stored
    assert hub.parts() == 1


def test_a_draw_whose_parts_are_gone_or_recipe_is_broken_is_refused_clearly(hub: Hub) -> None:
    result = hub.pool.request_team(_request(hub, _busiest_field(hub.data)))
    with hub.engine.begin() as conn:
        conn.execute(snapshot_part_table.delete())
    with pytest.raises(RuntimeError, match="parts of its snapshot are missing"):
        hub.pool.draw(result.row.draw_id)
    with hub.engine.begin() as conn:
        conn.execute(
            update(draw_table)
            .where(draw_table.c.draw_id == result.row.draw_id)
            .values(snapshot=b'[{"part": 7}]')
        )
    with pytest.raises(RuntimeError, match="cannot be read"):
        hub.pool.draw(result.row.draw_id)
