"""The team draws' storage floor writes again exactly what the draws wrote."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from bench.pool import bench_team_draw

_TABLES = {
    "pool_draw": "draw_id, kind, state, seed, seed_commitment, snapshot, snapshot_sha256, outcome",
    "pool_assignment": "assignment_id, draw_id, assessor_id, start_date, end_date, state",
    "pool_booked_day": "assessor_id, day, assignment_id",
    "pool_snapshot_part": "sha256, body",
}


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            columns = _TABLES[table]
            return [tuple(r) for r in conn.execute(text(f"SELECT {columns} FROM {table}"))]
    finally:
        engine.dispose()


def test_the_floor_writes_each_draw_again_alone_and_times_it(tmp_path: Path) -> None:
    # 150 draws: a round of 100 written again mid-run, and the last 50 after it.
    figures = bench_team_draw(600, 150, workdir=tmp_path)
    assert figures["drawn"] > 0
    for table in _TABLES:
        drawn = sorted(_rows(tmp_path / "pool-bench.db", table), key=str)
        again = sorted(_rows(tmp_path / "pool-floor.db", table), key=str)
        assert drawn == again, table
    assert len(_rows(tmp_path / "pool-floor.db", "pool_draw")) == 150
    assert 0 < figures["team_draw_floor_p50_ms"] <= figures["team_draw_floor_p99_ms"]
