"""Builders for assessor-pool unit tests."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from stdnum.cn import uscc as stdnum_uscc

from services.core.assessors import PoolMember, RecusalPolicy, Tie
from services.core.provinces import Province
from services.core.records import AffiliationRelation, AssessorLevel, AssessorStatus


def uscc(body: str) -> str:
    """A valid USCC from its first 17 characters."""
    return body + str(stdnum_uscc.calc_check_digit(body))


INSTITUTION = uscc("91320100MA1XYW123")
OTHER = uscc("91310000MA1FL0000")
EMPLOYER = uscc("91330100MA2AB0000")

POLICY = RecusalPolicy(version="recusal-test")


def member(
    ident: str,
    province: Province = Province.SH,
    *,
    level: AssessorLevel = AssessorLevel.ASSESSOR,
    fields: Iterable[str] = ("00",),
    status: AssessorStatus = AssessorStatus.ACTIVE,
    employer: str = EMPLOYER,
    available: bool = True,
    ties: dict[str, tuple[Tie, ...]] | None = None,
    unavailable: tuple[tuple[dt.date, dt.date], ...] = (),
    reviewed: dict[str, tuple[dt.date, ...]] | None = None,
    reason: str = "",
) -> PoolMember:
    return PoolMember(
        assessor_id=ident,
        province=province,
        employer_uscc=employer,
        level=level,
        fields=frozenset(fields),
        status=status,
        status_reason=reason,
        available=available,
        ties=ties or {},
        unavailable=unavailable,
        reviewed=reviewed or {},
    )


def tie(relation: AffiliationRelation, since: str, until: str | None) -> Tie:
    return Tie(
        relation, dt.date.fromisoformat(since), dt.date.fromisoformat(until) if until else None
    )


def random_pool(n: int, seed: int = 1) -> list[PoolMember]:
    """n active members spread over the provinces, levels and a few fields."""
    rng = random.Random(seed)
    provinces = list(Province)
    levels = [AssessorLevel.TEAM_LEADER] * 2 + [AssessorLevel.ASSESSOR] * 6
    levels += [AssessorLevel.TECHNICAL_EXPERT] * 2
    return [
        member(
            f"A{rng.getrandbits(64):016x}",
            rng.choice(provinces),
            level=rng.choice(levels),
            fields=rng.sample(["00", "01", "12", "13"], rng.randint(1, 2)),
        )
        for _ in range(n)
    ]
