"""What a draw reads of the pool's bookings: who is booked when, loads, past
reviews and visits of an institution. PoolStore (store.py) writes them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Engine

from services.core.draws import AssignmentState, DrawKind
from services.registry.pool.tables import assignment_table, booked_day_table

ACTIVE = AssignmentState.ACTIVE


class BookingHistory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

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
        # Counted here, not grouped in SQL: nearly every group is one row, and
        # SQLite's sort for GROUP BY took a draw twice the read of the rows
        # (2,456 assignments: 3.2 ms against 1.1 counted here).
        with self._engine.connect() as conn:
            return Counter(conn.execute(_ACTIVE_PEOPLE, {"since": since}).scalars())

    def loads_since(self, since: dt.date) -> dict[str, int]:
        """Active assignments per home province starting on or after `since`."""
        with self._engine.connect() as conn:
            return {p: int(n) for p, n in conn.execute(_ACTIVE_BY_PROVINCE, {"since": since})}

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


_ACTIVE_FROM = (_a.state == ACTIVE, _a.start_date >= bindparam("since"))
_ACTIVE_PEOPLE = select(_a.assessor_id).where(*_ACTIVE_FROM)
# Grouped in SQL: four groups, read from the index ix_pool_assignment_load.
_ACTIVE_BY_PROVINCE = (
    select(_a.home_province, func.count()).where(*_ACTIVE_FROM).group_by(_a.home_province)
)
