"""What a draw reads of the pool's bookings: who is booked when, loads, past
reviews and visits of an institution. PoolStore (store.py) writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Engine

from services.core.draws import DrawKind
from services.registry.pool.active import ACTIVE, ActiveBookings
from services.registry.pool.tables import assignment_table, booked_day_table


class BookingHistory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._active = ActiveBookings(engine)

    def booked_between(self, start: dt.date, end: dt.date) -> set[str]:
        """Assessors booked on any day from start to end."""
        with self._engine.connect() as conn:
            return set(conn.execute(_BOOKED_BETWEEN, {"start": start, "end": end}).scalars())

    def booked_days(self, start: dt.date, end: dt.date) -> dict[str, list[dt.date]]:
        found: dict[str, list[dt.date]] = {}
        with self._engine.connect() as conn:
            for ident, day in conn.execute(_BOOKED_DAYS, {"start": start, "end": end}):
                found.setdefault(ident, []).append(day)
        return found

    def last_visits(self, usccs: Iterable[str], before: dt.date) -> dict[str, dt.date]:
        """The day of each institution's last inspection visit before `before`."""
        a = assignment_table.c
        wanted = sorted(set(usccs))
        found: dict[str, dt.date] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), 1000):
                for uscc, day in conn.execute(
                    select(a.institution_uscc, func.max(a.start_date))
                    .where(
                        a.institution_uscc.in_(wanted[start : start + 1000]),
                        a.kind == DrawKind.INSPECTION_PLAN.value,
                        a.state == ACTIVE,
                        a.start_date < before,
                    )
                    .group_by(a.institution_uscc)
                ):
                    found[uscc] = day
        return found

    def previous_team(self, uscc: str, before: dt.date) -> frozenset[str]:
        """Who sat on the institution's last review (or visit) that started
        before `before`: the assessors of its latest active booking's draw."""
        return self.previous_teams([uscc], before).get(uscc, frozenset())

    def person_loads_since(self, since: dt.date) -> dict[str, int]:
        """Active assignments per assessor starting on or after `since`."""
        return self._active.people_since(since)

    def loads_since(self, since: dt.date) -> dict[str, int]:
        """Active assignments per home province starting on or after `since`."""
        return self._active.provinces_since(since)

    def hub_reviews(
        self, usccs: Iterable[str] | None = None
    ) -> dict[str, dict[str, list[dt.date]]]:
        """Start dates of active assignments by institution and assessor."""
        stmt = select(
            assignment_table.c.institution_uscc,
            assignment_table.c.assessor_id,
            assignment_table.c.start_date,
        ).where(assignment_table.c.state == ACTIVE)
        if usccs is not None:
            stmt = stmt.where(assignment_table.c.institution_uscc.in_(list(usccs)))
        found: dict[str, dict[str, list[dt.date]]] = {}
        with self._engine.connect() as conn:
            for uscc, ident, start in conn.execute(stmt):
                found.setdefault(uscc, {}).setdefault(ident, []).append(start)
        return found

    def previous_teams(self, usccs: Iterable[str], before: dt.date) -> dict[str, frozenset[str]]:
        """previous_team for many institutions at once: the assessors of each
        one's latest active booking's draw before `before`."""
        wanted = sorted(set(usccs))
        latest: dict[str, tuple[dt.date, dt.datetime, str]] = {}
        people: dict[tuple[str, str], set[str]] = {}
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), 1000):
                for uscc, draw_id, day, updated, ident in conn.execute(
                    _BOOKINGS_BEFORE, {"usccs": wanted[start : start + 1000], "before": before}
                ):
                    people.setdefault((uscc, draw_id), set()).add(ident)
                    if uscc not in latest or (day, updated) > latest[uscc][:2]:
                        latest[uscc] = (day, updated, draw_id)
        return {u: frozenset(people[(u, d)]) for u, (_, _, d) in latest.items()}


# Made once, each call binding its values: a draw runs several of these, and
# building a statement and its cache key cost more than running it.
_day = booked_day_table.c.day
_BOOKED_BETWEEN = select(booked_day_table.c.assessor_id).where(
    _day >= bindparam("start"), _day <= bindparam("end")
)
_BOOKED_DAYS = select(booked_day_table.c.assessor_id, _day).where(
    _day >= bindparam("start"), _day <= bindparam("end")
)
_a = assignment_table.c
_BOOKINGS_BEFORE = select(
    _a.institution_uscc, _a.draw_id, _a.start_date, _a.updated_at, _a.assessor_id
).where(
    _a.institution_uscc.in_(bindparam("usccs", expanding=True)),
    _a.state == ACTIVE,
    _a.start_date < bindparam("before"),
)
