"""What recusal needs to know around an institution: its group of companies
(parent and branches, from the qualifications' parent_uscc) and its
competitors (laboratories registered in its city, working in one of its
fields). Read from the registry's qualification rows and kept in memory,
re-reading only rows applied since the last look, like the assessor pool.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from sqlalchemy.engine import Engine

from services.common.convert import CERTIFICATE_STATUS_FROM_PB
from services.core.provinces import Province
from services.core.records import capability_fields
from services.core.status import CertificateStatus, effective_status
from services.core.team_requests import supervising_province
from services.registry.pool.applied import AppliedRows
from yrdhub.v1 import events_pb2


@dataclass(frozen=True, slots=True)
class _Held:
    """One province's qualification of an institution, as recusal needs it."""

    uscc: str
    parent: str
    issuer: str  # the CMA's issuer digits
    fields: frozenset[str]
    status: CertificateStatus | None
    valid_until: dt.date | None
    valid_from: dt.date | None

    def in_force(self, on: dt.date) -> bool:
        return self.status is not None and (
            effective_status(self.status, self.valid_until, on, self.valid_from)
            is CertificateStatus.VALID
        )


def city_of(uscc: str) -> str:
    """The city part of the registering authority's region code (USCC characters 3-6)."""
    return uscc[2:6]


class InstitutionIndex:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._rows = AppliedRows("qualification", _parse)

    def capabilities(self, uscc: str, province: str, on: dt.date) -> frozenset[str]:
        """The CMA fields of the institution's qualifications by `province` (it
        issued the CMA, or holds a national one) in force on `on`: each
        number's field and those its scope items name."""
        return frozenset().union(
            *(
                h.fields
                for (p, _), (_, h) in self._current_rows().items()
                if h.uscc == uscc
                and supervising_province(h.issuer, Province(p)) == province
                and h.in_force(on)
            )
        )

    def neighbourhoods(
        self, wanted: Iterable[tuple[str, frozenset[str]]], on: dt.date
    ) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        """Each institution's (USCC, fields) group of companies (its parents,
        their other branches, its own branches) and competitors (laboratories
        registered in its city with a qualification in force on `on` in one of
        its fields): one pass over the qualifications, by parent and by city."""
        held = self._current()
        children: dict[str, set[str]] = {}
        parents: dict[str, set[str]] = {}
        by_city: dict[str, list[_Held]] = {}
        for h in held:
            if h.parent:
                children.setdefault(h.parent, set()).add(h.uscc)
                parents.setdefault(h.uscc, set()).add(h.parent)
            if h.in_force(on):
                by_city.setdefault(city_of(h.uscc), []).append(h)
        found: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        for uscc, fields in wanted:
            heads = parents.get(uscc, set())
            members = set().union(*(children.get(p, ()) for p in (*heads, uscc)))
            group = frozenset((members | heads) - {uscc})
            rivals = frozenset(
                h.uscc
                for h in by_city.get(city_of(uscc), ())
                if h.uscc != uscc and h.uscc not in group and h.fields & fields
            )
            found[uscc] = (group, rivals)
        return found

    def _current(self) -> list[_Held]:
        return [h for _, h in self._current_rows().values()]

    def _current_rows(self) -> dict[tuple[str, str], tuple[int, _Held]]:
        with self._lock:
            self._rows.refresh(self._engine)
            return dict(self._rows.held)


def _parse(payload: bytes) -> _Held | None:
    try:
        q = events_pb2.Event.FromString(payload).record.qualification
        until = dt.date.fromisoformat(q.valid_until) if q.valid_until else None
        since = dt.date.fromisoformat(q.valid_from) if q.valid_from else None
    except (DecodeError, ValueError):
        return None
    return _Held(
        q.institution_uscc,
        q.parent_uscc,
        q.issuer,
        capability_fields(q.number, (i.field for i in q.scope)),
        CERTIFICATE_STATUS_FROM_PB.get(q.status.canonical),
        until,
        since,
    )
