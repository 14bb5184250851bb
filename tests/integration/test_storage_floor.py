"""The benchmark's storage floor writes exactly the rows a registry keeps, on
SQLite and PostgreSQL, so that its rate bounds what any apply could reach."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.floor import storage_floor_rps
from services.common.db import make_engine
from services.core.provinces import Province
from services.registry.records.tables import RecordTables
from tests.conftest import Databases
from tests.factories import AppliedStore, event, green_cert, qualification


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = {}
            for name in ("record_version", "registry_record"):
                table = RecordTables.metadata.tables[name]
                found[name] = sorted(
                    tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))
                )
                assert conn.execute(select(func.count()).select_from(table)).scalar_one() > 0
            return found
    finally:
        engine.dispose()


def test_the_floor_writes_every_row_of_the_registry_it_copies(databases: Databases) -> None:
    source = databases.new("registry")
    store = AppliedStore(make_engine(source))
    store.create_schema()
    cert = green_cert()
    store.apply(
        [
            event(qualification(), Province.SH),
            event(cert, Province.ZJ),
            event(cert, Province.ZJ, revision=2),
            event(green_cert(number="CQC2024GP0000002", label="GP00000000000002"), Province.JS),
        ],
        {},
    )
    target = databases.new("floor")
    assert storage_floor_rps(source, target, batch=2) > 0
    assert _rows(target) == _rows(source)
