"""Rows of the pool's tables: an assignment as a draw books it, and draws and
assignments as the hub had them at an earlier instant (known_at): a draw
revealed later was still only committed then, an assignment cancelled later
still active as booked."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from services.core.draws import (
    AssignmentQuery,
    AssignmentState,
    DrawKind,
    DrawState,
    KnownAs,
    Role,
    assignment_known_at,
)
from services.core.errors import InvalidRequest, Violation
from services.core.fields import MAX_FREE_TEXT, iso_day
from services.core.identifiers import check_uscc
from services.core.text import multi_line
from services.registry.pool.tables import AssignmentRow, DrawRow

# The id columns' length: the ids the hub issues (new_id) have 40-41 characters.
MAX_ID_LENGTH = 64


def new_id(prefix: str) -> str:
    """A draw's or an assignment's id."""
    return f"{prefix}-{uuid.uuid4()}"


def asked_id(value: str, field: str) -> str:
    """An id a request names, stripped; empty, or longer than any id the hub
    issues, is refused naming `field` (not looked up: NOT_FOUND is for an id
    that could be one)."""
    return _asked_text(value, field, MAX_ID_LENGTH)


def asked_reason(value: str, field: str) -> str:
    """Free text a request gives as its reason, stripped: required, and held to
    the rule of every free text the pool relays (TeamSpec.reference): home
    exchanges show it to their officials as it is."""
    text = _asked_text(value, field, MAX_FREE_TEXT)
    try:
        return multi_line(text)
    except ValueError as error:
        raise InvalidRequest(f"malformed {field}", [Violation(field, str(error))]) from None


def _asked_text(value: str, field: str, most: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidRequest(f"no {field}", [Violation(field, "required")])
    if len(text) > most:
        raise InvalidRequest(
            f"malformed {field}",
            [Violation(field, f"at most {most:,} characters ({len(text):,} sent)")],
        )
    return text


def asked_period(query: AssignmentQuery) -> tuple[dt.date | None, dt.date | None]:
    """A ListAssignments filter's period (None: open on that side), or
    InvalidRequest naming each malformed date, an end before the start, each id
    filter longer than any id the hub holds, a malformed USCC, and each filter
    of white space alone."""
    dates: dict[str, dt.date | None] = {}
    # A filter of white space alone is a value gone blank, not "any": read
    # as absent, it would list every assignment (or every day). A USCC's is
    # malformed, as in every USCC filter (below).
    bad = [
        Violation(name, "white space alone: a value, or empty for any")
        for name, text in (
            ("assessor_id", query.assessor_id),
            ("start_date", query.start_date),
            ("end_date", query.end_date),
        )
        if text and not text.strip()
    ]
    for name, text in (("start_date", query.start_date), ("end_date", query.end_date)):
        text = text.strip()
        try:
            dates[name] = iso_day(text) if text else None
        except ValueError as error:
            bad.append(Violation(name, str(error)))
            dates[name] = None
    for name, text in (
        ("assessor_id", query.assessor_id),
        ("institution_uscc", query.institution_uscc),
    ):
        if len(text.strip()) > MAX_ID_LENGTH:
            bad.append(Violation(name, f"at most {MAX_ID_LENGTH} characters"))
        elif name == "institution_uscc" and text:
            # As every USCC filter: one of spaces is malformed, not absent
            # (which would list every institution's assignments).
            try:
                check_uscc(text.strip())
            except ValueError as error:
                bad.append(Violation(name, str(error)))
    start, end = dates["start_date"], dates["end_date"]
    if start is not None and end is not None and end < start:
        bad.append(Violation("end_date", f"end_date ({end}) is before start_date ({start})"))
    if bad:
        raise InvalidRequest("invalid assignment filter", bad)
    return start, end


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
