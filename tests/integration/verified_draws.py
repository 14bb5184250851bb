"""A stored draw checked as `yrdhub verify-draw` checks a published one."""

from __future__ import annotations

import json

from services.core.verify import verify_draw
from services.registry.pool.draws import AssessorPool


def verified_snapshot(pool: AssessorPool, draw_id: str) -> bytes:
    """The draw's snapshot as the hub serves it, after verify-draw's checks
    (seed against commitment, snapshot against its SHA-256, the team re-run)."""
    row = pool.draw(draw_id)[0].row
    assert row.seed and row.snapshot and row.snapshot_sha256
    check = verify_draw(
        seed=row.seed,
        seed_commitment=row.seed_commitment,
        snapshot=row.snapshot,
        snapshot_sha256=row.snapshot_sha256,
        claimed=json.loads(row.outcome or "{}"),
    )
    assert check.ok, check.problems
    return row.snapshot
