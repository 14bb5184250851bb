"""Team-draw benchmark: a pool of assessors, a stream of review requests, latency per draw.

Measured in process on the real path a RequestTeam call takes below gRPC: the
domain (eligibility, recusal, snapshot, seeded draw) and the store (commit
the seed, read booked days and loads, book the assignments, queue their
events, reveal) on a file SQLite database with the hub's settings (WAL,
synchronous=FULL). The pool itself is read from the registry's records once
before timing starts, as a running registry would have it.

Beside it, the draws' *storage floor*: every hundred draws, the same writes
made again alone into a second database beside the first, through the same
store: each draw's commitment committed on its own, then its reveal (the
snapshot as stored, with the parts it names that the store has not kept yet,
the assignments, booked days and outbox events) in one transaction. No pool
is read, nobody screened or seated, no snapshot built: the floor is what the
two durable commits a draw owes its audit cost on this disk, so a draw's p99
cannot be less than the floor's. The bench's pool does not change while it
draws, so only the first draw of each field writes that field's part (a
pool that changes makes the next draw of each field write its part again).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.load import percentile
from devtools.datagen_tables import FIELD_WEIGHTS, FIELDS
from devtools.pool_data import generate_pool, load_registry
from services.common.db import make_engine
from services.core.provenance import utcnow
from services.core.team_requests import TeamRequest
from services.registry.pool.draws import AssessorPool
from services.registry.pool.policies import load_inspection, load_recusal
from services.registry.pool.relay import event_payload
from services.registry.pool.store import PoolStore
from services.registry.pool.tables import Reveal
from services.registry.pool.view import PoolView


def bench_team_draw(
    n_assessors: int = 10_000,
    n_requests: int = 1_000,
    *,
    seed: int = 6,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Draws n_requests teams from n_assessors; returns figures, team_draw_p99_ms among them."""
    with tempfile.TemporaryDirectory(prefix="yrdhub-bench-pool-") as tmp:
        root = workdir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        engine = make_engine(f"sqlite:///{root / 'pool-bench.db'}")
        floor_engine = make_engine(f"sqlite:///{root / 'pool-floor.db'}")
        try:
            floor = PoolStore(floor_engine, event_payload)
            floor.create_schema()
            return _run(engine, floor, n_assessors, n_requests, seed)
        finally:
            engine.dispose()
            floor_engine.dispose()


# Draws between two rounds of their writes made again alone (the floor).
_FLOOR_ROUND = 100


def _write_again(drawn: PoolStore, floor: PoolStore, draw_ids: list[str]) -> list[float]:
    """Each draw's commitment, then its reveal, written into `floor` as the draw
    wrote them; the milliseconds each draw's two transactions took."""
    writes = []
    for draw_id in draw_ids:  # read back first: only the writes are timed
        found = drawn.draw_as_stored(draw_id)
        assert found is not None
        row, parts = found
        assert row.seed and row.drawn_at and row.snapshot and row.snapshot_sha256 and row.outcome
        reveal = Reveal(
            state=row.state,
            seed=row.seed,
            drawn_at=row.drawn_at,
            snapshot=row.snapshot,
            snapshot_sha256=row.snapshot_sha256,
            outcome=row.outcome,
            failure=row.failure,
            candidates=row.candidates,
            eligible=row.eligible,
            parts=parts,  # the floor's store keeps those it has not, as the draw's did
        )
        writes.append((row, reveal, drawn.assignments_of_draw(draw_id)))
    took = []
    for row, reveal, assignments in writes:
        began = time.perf_counter()
        floor.commit_draw(
            row.draw_id,
            row.kind,
            row.seed_commitment,
            row.committed_at,
            row.spec,
            row.policy_version,
        )
        floor.reveal_draw(row.draw_id, reveal, assignments)
        took.append((time.perf_counter() - began) * 1000)
    return took


def _run(
    engine: Any, floor: PoolStore, n_assessors: int, n_requests: int, seed: int
) -> dict[str, Any]:
    today = dt.date(2026, 6, 1)
    data = generate_pool(n_assessors, seed=seed, today=today)
    started = time.perf_counter()
    load_registry(engine, data.assessors)
    load_s = time.perf_counter() - started

    store = PoolStore(engine, event_payload)
    store.create_schema()
    view = PoolView(engine)
    started = time.perf_counter()
    view.current()
    pool_read_ms = (time.perf_counter() - started) * 1000
    # The pool's clock runs on from the bench's day (10:00 in China), so the
    # periods asked for lie ahead of it as they do of the generated pool's.
    offset = dt.datetime.combine(today, dt.time(2), dt.UTC) - utcnow()
    pool = AssessorPool(
        store, view, load_recusal(), load_inspection(), clock=lambda: utcnow() + offset
    )

    rng = random.Random(seed + 1)
    latencies: list[float] = []
    floor_ms: list[float] = []
    round_ids: list[str] = []
    outcomes: Counter[str] = Counter()
    seated: Counter[str] = Counter()
    candidates: list[int] = []
    for _ in range(n_requests):
        inst = rng.choice(data.institutions)
        fields = {inst.field}
        if rng.random() < 0.25:
            fields.add(rng.choices(FIELDS, FIELD_WEIGHTS)[0])
        start = today + dt.timedelta(days=rng.randrange(7, 190))
        request = TeamRequest(
            institution_uscc=inst.uscc,
            institution_province=inst.province.value,
            fields=sorted(fields),
            start_date=start.isoformat(),
            end_date=(start + dt.timedelta(days=rng.choice((0, 1, 1, 2)))).isoformat(),
            size=rng.choice((2, 2, 2, 3)),
            technical_experts=rng.choice((0, 0, 0, 1)),
        )
        began = time.perf_counter()
        result = pool.request_team(request)
        latencies.append((time.perf_counter() - began) * 1000)
        outcomes[result.row.state] += 1
        candidates.append(result.row.candidates)
        seated.update(a.home_province for a in result.assignments)
        round_ids.append(result.row.draw_id)
        if len(round_ids) == _FLOOR_ROUND:
            floor_ms += _write_again(store, floor, round_ids)
            round_ids = []
    floor_ms += _write_again(store, floor, round_ids)

    active = view.current().active
    return {
        "assessors": data.total(),
        "requests": n_requests,
        "team_draw_p50_ms": round(percentile(latencies, 50), 3),
        "team_draw_p95_ms": round(percentile(latencies, 95), 3),
        "team_draw_p99_ms": round(percentile(latencies, 99), 3),
        "team_draw_max_ms": round(max(latencies), 3),
        "team_draw_mean_ms": round(statistics.fmean(latencies), 3),
        "teams_per_s": round(1000 / statistics.fmean(latencies), 1),
        "team_draw_floor_p50_ms": round(percentile(floor_ms, 50), 3),
        "team_draw_floor_p99_ms": round(percentile(floor_ms, 99), 3),
        "drawn": outcomes["DRAWN"],
        "failed": outcomes["FAILED"],
        "candidates_mean": round(statistics.fmean(candidates), 1),
        "pool_read_ms": round(pool_read_ms, 1),
        "registry_load_s": round(load_s, 2),
        "seats_per_100_active": {
            p: round(100 * seated[p] / active[p], 2) for p in sorted(active) if active[p]
        },
    }


if __name__ == "__main__":  # pragma: no cover - a manual run
    import json
    import sys

    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(bench_team_draw(*args), indent=2))
