"""Seating a screened team request from the prepared field pools (services.core.teams):
the same answer as seat_team over the eligible candidates, at the cost of the
exceptions and of the provinces a seat ranks rather than of every candidate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from services.core.draws import PROVINCE_ORDER, Entrant, Seating, TeamShape
from services.core.seating import seat_prepared, uncount
from services.core.team_requests import TeamSpec
from services.core.teams import FieldPool, Screening


class _Candidates(Mapping[str, Sequence[Entrant]]):
    """Each province's candidates of each level ("SHL") over a request's field
    pools, each once: put together when a seat first ranks them (a team ranks
    few)."""

    def __init__(self, layers: Sequence[tuple[FieldPool, frozenset[str]]]) -> None:
        # Each field's pool, and those of its candidates an earlier pool has.
        self._layers = layers
        self._made: dict[str, Sequence[Entrant]] = {}

    def __getitem__(self, province_level: str) -> Sequence[Entrant]:
        made = self._made.get(province_level)
        if made is None:
            (first, _), *later = self._layers
            made = first.entrants[province_level]
            for pool, met in later:
                group = pool.entrants[province_level]
                made = [*made, *(e for e in group if e.assessor_id not in met)]
            self._made[province_level] = made
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._layers[0][0].entrants)

    def __len__(self) -> int:
        return len(self._layers[0][0].entrants)


def seat_screened(seed: bytes, spec: TeamSpec, screening: Screening, shape: TeamShape) -> Seating:
    """seat_team over the eligible candidates, with the same answer, built from the
    prepared field pools: the union of the fields' candidates (each once), their
    prepared counts, less this request's own exclusions."""
    sections = list(screening.sections.values())
    fields = [s.pool.field for s in sections]  # sorted, as spec.fields
    counts = {p: [0] * (3 + len(fields)) for p in PROVINCE_ORDER}
    layers: list[tuple[FieldPool, frozenset[str]]] = []
    seen: frozenset[str] = frozenset()
    for slot, s in enumerate(sections, start=3):
        pool = s.pool
        for p, (leaders, assessors, experts, members) in pool.counts.items():
            c = counts[p]
            c[0] += leaders
            c[1] += assessors
            c[2] += experts
            # Every member of the field's pool covers the field.
            c[slot] = members
        # Standing is a person's, not a field's: those in good standing here
        # and in an earlier field's pool were counted with it.
        met = pool.in_good_standing & seen
        for ident in met:
            e = pool.entries[pool.position[ident]].entrant
            uncount(counts[e.province], e, {})  # its level: its fields' slots are per pool
        layers.append((pool, met))
        seen |= pool.in_good_standing
    excluded: dict[str, Entrant] = {}
    for s in sections:
        for i in s.dynamic:
            e = s.pool.entries[i].entrant
            excluded[e.assessor_id] = e
    slots = {f: slot for slot, f in enumerate(fields, start=3)}
    for e in excluded.values():
        uncount(counts[e.province], e, slots)
    return seat_prepared(seed, fields, counts, _Candidates(layers), set(excluded), shape)
