"""Re-running a published draw: what `yrdhub verify-draw` and the tests check.

A draw checks out when the revealed seed matches the commitment made before
the pool was read, the snapshot matches its published hash, and re-running
the selection from seed and snapshot gives exactly the published outcome.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.core.draws import canonical_json, commitment, digest
from services.core.inspections import PLAN_FORMATS
from services.core.plan_outcome import plan_outcome
from services.core.teams import TEAM_FORMATS, team_outcome


@dataclass(frozen=True, slots=True)
class Verification:
    problems: list[str] = field(default_factory=list)
    recomputed: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def outcome(seed: bytes, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The outcome a snapshot yields under a seed, whatever kind of draw it is."""
    kind = snapshot.get("format")
    if kind in TEAM_FORMATS:
        return team_outcome(seed, snapshot)
    if kind in PLAN_FORMATS:
        return plan_outcome(seed, snapshot)
    raise ValueError(f"unknown snapshot format {kind!r}")


def verify_draw(
    *,
    seed: bytes,
    seed_commitment: bytes,
    snapshot: bytes,
    snapshot_sha256: bytes,
    claimed: Mapping[str, Any],
) -> Verification:
    """Checks a draw; `claimed` is the published outcome, in the form `outcome` returns."""
    problems: list[str] = []
    if not seed:
        return Verification(["the seed has not been revealed"])
    if commitment(seed) != seed_commitment:
        problems.append("the seed does not match the commitment made before the draw")
    if digest(snapshot) != snapshot_sha256:
        problems.append("the snapshot does not match its published SHA-256")
    try:
        parsed = json.loads(snapshot)
        recomputed = outcome(seed, parsed)
    except (ValueError, KeyError, TypeError) as exc:
        return Verification([*problems, f"the snapshot cannot be re-run: {exc}"])
    if canonical_json(recomputed) != canonical_json(dict(claimed)):
        problems.append("re-running the draw gives a different outcome")
    return Verification(problems, recomputed)
