"""Seeded draws anyone can re-run: kinds and states, seeds, commitments, canonical
JSON, and what a seating takes and gives.

A draw is fair only if the hub could not pick its seed after seeing the pool.
So the hub records SHA-256(seed) before it reads the pool, draws from a
snapshot of the candidates, and reveals the seed afterwards. Anyone holding
the seed and the snapshot re-runs the draw and must get the same outcome; the
commitment shows the seed was fixed before the snapshot.

The selection itself, and the rule it follows, is in services.core.seating.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any

from services.core.provinces import Province

SEED_BYTES = 32
PROVINCE_ORDER = tuple(sorted(p.value for p in Province))
"""Provinces in the fixed order the weighted choice walks: AH, JS, SH, ZJ."""


class Role(StrEnum):
    LEADER = "LEADER"
    ASSESSOR = "ASSESSOR"
    TECHNICAL_EXPERT = "TECHNICAL_EXPERT"
    INSPECTOR = "INSPECTOR"
    # Random inspections from plan format 5 (core.officers).
    LEAD_OFFICER = "LEAD_OFFICER"
    OFFICER = "OFFICER"
    TECHNICAL_SUPPORT = "TECHNICAL_SUPPORT"


class DrawKind(StrEnum):
    TEAM = "TEAM"
    INSPECTION_PLAN = "INSPECTION_PLAN"


class DrawState(StrEnum):
    """COMMITTED: the seed's commitment is on record, the draw not yet made;
    DRAWN or FAILED: made (FAILED: no team could be seated), seed revealed."""

    COMMITTED = "COMMITTED"
    DRAWN = "DRAWN"
    FAILED = "FAILED"


class AssignmentState(StrEnum):
    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"


class KnownAs(Enum):
    """How an assignment stood at a past instant (see assignment_known_at)."""

    UNKNOWN = "unknown"  # not booked yet
    AS_BOOKED = "as booked"  # active, revision 1: cancelled only later
    AS_STORED = "as stored"  # as it stands now


def assignment_known_at(
    booked_at: dt.datetime, updated_at: dt.datetime, at: dt.datetime
) -> KnownAs:
    """How an assignment stood at instant `at`. An assignment changes once at
    most (booked ACTIVE as revision 1, perhaps CANCELLED later as revision 2),
    so its booking time and its last change give every earlier state without a
    history table."""
    if booked_at > at:
        return KnownAs.UNKNOWN
    return KnownAs.AS_STORED if updated_at <= at else KnownAs.AS_BOOKED


@dataclass(frozen=True, slots=True)
class AssignmentQuery:
    """Which assignments to list, as asked, before validation (empty: any)."""

    assessor_id: str = ""
    institution_uscc: str = ""
    home_province: str = ""
    start_date: str = ""
    end_date: str = ""
    include_cancelled: bool = False
    limit: int = 0  # 0: the default page
    valid_on: str = ""  # only those whose period includes this day


# --- seeds, commitments, snapshots ------------------------------------------


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment(seed: bytes) -> bytes:
    return hashlib.sha256(seed).digest()


def commitment_message(
    draw_id: str,
    seed_commitment: bytes,
    committed_at: str,
    spec_sha256: bytes,
    policy_version: str,
) -> bytes:
    """The bytes the registry's signature over a published DrawCommitment
    covers: a fixed text layout anyone rebuilds without protobuf."""
    return "\n".join(
        (
            "yrdhub-draw-commitment/1",
            draw_id,
            seed_commitment.hex(),
            committed_at,
            spec_sha256.hex(),
            policy_version,
        )
    ).encode()


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: one byte string per value, so its hash is stable."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# --- what a seating takes and gives -------------------------------------------


@dataclass(frozen=True, slots=True)
class Load:
    """Assignments the province's assessors took recently, and its active pool size."""

    assigned: int
    pool: int


NO_PERSON_LOADS: Mapping[str, int] = MappingProxyType({})


def person_loads_of(snapshot: Mapping[str, Any]) -> Mapping[str, int]:
    """Each candidate's recent assignments as a snapshot records them (none in
    snapshots made before people were balanced)."""
    return {ident: int(n) for ident, n in snapshot.get("person_loads", {}).items()}


@dataclass(frozen=True, slots=True)
class Entrant:
    """An eligible candidate as the seating sees one."""

    assessor_id: str
    province: str
    level: str  # "L", "A" or "E"
    fields: frozenset[str]
    # Worked out once so that seating counts and ranks at C speed: the id as
    # bytes, province+level (e.g. "SHL") and, for members, province+field.
    key: bytes = b""
    province_level: str = ""
    province_fields: tuple[str, ...] = ()

    @classmethod
    def of(cls, assessor_id: str, province: str, level: str, fields: frozenset[str]) -> Entrant:
        covers = () if level == "E" else tuple(province + f for f in sorted(fields))
        return cls(
            assessor_id, province, level, fields, assessor_id.encode(), province + level, covers
        )


@dataclass(frozen=True, slots=True)
class Pick:
    assessor_id: str
    province: str
    role: Role


@dataclass(frozen=True, slots=True)
class Seating:
    picks: tuple[Pick, ...]
    failure: str = ""


@dataclass(frozen=True, slots=True)
class TeamShape:
    """The seats a team has, the loads its province choices weigh, and each
    person's recent assignments, which order the people of a province."""

    size: int
    leader: bool
    experts: int
    loads: Mapping[str, Load]
    person_loads: Mapping[str, int] = field(default_factory=dict)
    # Team leaders rank after assessors as likely to sit as members (among those
    # with as few recent assignments), so a draw keeps leaders for leading: with
    # rotation, a team that seated every leader would leave the next review of
    # that institution none. Team draws from format 3 on; False re-runs older ones.
    spare_leaders: bool = False


def rank(seed: bytes, label: str, ident: str) -> bytes:
    return digest(seed + label.encode() + ident.encode())


def outcome_of_seating(seating: Seating) -> dict[str, Any]:
    """A team's outcome as published: {"team": [[id, role], ...], "failure": ...}."""
    if seating.failure:
        return {"team": [], "failure": seating.failure}
    return {"team": [[p.assessor_id, p.role.value] for p in seating.picks], "failure": ""}


def loads_of(snapshot: Mapping[str, Any]) -> dict[str, Load]:
    return {p: Load(int(a), int(n)) for p, (a, n) in snapshot["loads"].items()}
