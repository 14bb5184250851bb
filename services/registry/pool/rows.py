"""Rows of the pool's tables: an assignment as a draw books it, and draws and
assignments as the hub had them at an earlier instant (known_at): a draw
revealed later was still only committed then, an assignment cancelled later
still active as booked."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from services.core.draws import (
    AssignmentState,
    DrawKind,
    DrawState,
    KnownAs,
    Role,
    assignment_known_at,
)
from services.registry.pool.tables import AssignmentRow, DrawRow


def new_id(prefix: str) -> str:
    """A draw's or an assignment's id."""
    return f"{prefix}-{uuid.uuid4()}"


def booking(
    draw_id: str,
    kind: DrawKind,
    pick: tuple[str, str, Role],
    institution: tuple[str, str],
    days: tuple[dt.date, dt.date],
    reference: str,
    now: dt.datetime,
) -> AssignmentRow:
    """A new assignment: `pick` (assessor, home province, role) at `institution`
    (USCC, province) from the first of `days` to the last."""
    assessor_id, home_province, role = pick
    return AssignmentRow(
        assignment_id=new_id("asg"),
        draw_id=draw_id,
        assessor_id=assessor_id,
        home_province=home_province,
        role=role,
        kind=kind,
        institution_uscc=institution[0],
        institution_province=institution[1],
        start_date=days[0],
        end_date=days[1],
        state=AssignmentState.ACTIVE,
        cancel_reason="",
        revision=1,
        reference=reference,
        updated_at=now,
        booked_at=now,
    )


def assignment_as_known(row: AssignmentRow, at: dt.datetime) -> AssignmentRow:
    """An assignment booked by `at` as it stood then."""
    if assignment_known_at(row.booked_at, row.updated_at, at) is KnownAs.AS_BOOKED:
        return replace(
            row,
            state=AssignmentState.ACTIVE,
            cancel_reason="",
            revision=1,
            updated_at=row.booked_at,
        )
    return row


def draw_known_at(row: DrawRow, at: dt.datetime) -> DrawRow:
    """A draw committed by `at` as it stood then: made only later, it was
    COMMITTED, with nothing revealed yet."""
    if row.drawn_at is None or row.drawn_at <= at:
        return row
    return replace(
        row,
        state=DrawState.COMMITTED,
        seed=None,
        drawn_at=None,
        snapshot=None,
        snapshot_sha256=None,
        outcome=None,
        failure="",
        candidates=0,
        eligible=0,
    )
