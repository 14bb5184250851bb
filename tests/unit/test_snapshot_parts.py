"""Team snapshots as recipes and parts (services.registry.pool.snapshots): every
recipe gives back the snapshot it was made from, byte for byte."""

from __future__ import annotations

import dataclasses
import datetime as dt

from services.core.assessors import Review
from services.core.teams import (
    Screened,
    field_pool,
    pool_entry,
    screen_field,
    snapshot_text,
)
from services.registry.pool.snapshots import SMALLEST_PART, SnapshotParts, expand, is_recipe
from tests.unit.pool_helpers import INSTITUTION, POLICY, member, random_pool

REVIEW = Review.of(
    INSTITUTION, random_pool(1)[0].province, dt.date(2026, 6, 1), dt.date(2026, 6, 2), POLICY
)


def _section(n: int, booked: set[str] | None = None, seed: int = 1) -> Screened:
    on_leave = member("A-leave", unavailable=((dt.date(2026, 6, 1), dt.date(2026, 6, 9)),))
    qualified = [m for m in random_pool(4 * n, seed=seed) if "00" in m.fields][:n]
    members = sorted([*qualified, on_leave], key=lambda m: m.assessor_id)
    pool = field_pool("00", [pool_entry(m) for m in members])
    return screen_field(pool, REVIEW, booked or set())


def _pieces(section: Screened) -> list[str | Screened]:
    return ['{"candidates":{"00":[', section, ']},"format":"test 名单"}']


def test_a_large_section_becomes_a_part_and_the_recipe_gives_the_snapshot_back() -> None:
    section = _section(200, booked={"A-leave"})
    kept = SnapshotParts().stored(_pieces(section))
    assert kept.body == snapshot_text(_pieces(section))
    assert is_recipe(kept.stored) and len(kept.parts) == 1
    assert section.dynamic  # the one on leave: a line this draw changed
    assert expand(kept.stored, kept.parts) == kept.body
    assert len(kept.stored) * 10 < len(kept.body)


def test_small_sections_and_lines_a_part_would_not_give_back_stay_whole() -> None:
    small = _section(SMALLEST_PART // 4)
    assert len(small.lines) < SMALLEST_PART
    kept = SnapshotParts().stored(_pieces(small))
    assert not kept.parts and kept.stored == kept.body
    large = _section(200)
    odd_lines = (*large.pool.lines[:-1], '["A-odd","SH","A",\n null]')
    odd = dataclasses.replace(
        large, pool=dataclasses.replace(large.pool, lines=odd_lines), lines=list(odd_lines)
    )
    kept = SnapshotParts().stored(_pieces(odd))
    assert not kept.parts and kept.stored == kept.body == snapshot_text(_pieces(odd))


def test_a_newer_pool_of_a_field_makes_a_new_part() -> None:
    parts = SnapshotParts()
    first = parts.stored(_pieces(_section(200, seed=1)))
    again = parts.stored(_pieces(_section(200, seed=1)))
    newer = parts.stored(_pieces(_section(200, seed=2)))
    assert set(first.parts) == set(again.parts)
    assert set(newer.parts).isdisjoint(first.parts)
    assert expand(newer.stored, newer.parts) == newer.body
