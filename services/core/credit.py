"""Credit overlays: which credit listings are in force against an institution on a day.

A listing from any province applies to the institution in every province. It
is in force from its effective_from to its effective_until, or, with none,
to the end of its list's publication period (core.policy ListLifecycle; no
end when the list has none), unless the authority that listed it lifts it: a
REMOVED or REPAIRED event of the same province and institution naming the
listing's reference (lifts_reference), effective on or after the listing and
on or before the day asked (one dated before the listing lifts nothing, and
the listing says which: a lift ends a listing in force, so the authority
publishes it again with its right date). A lift lifts only the listing it names, so
several listings of one list can be in force at once; only the listing
authority lifts its own listing. A repair before its list's earliest repair
day lifts nothing (the listing says which). A lift that names no listing
(published before lifts_reference existed) lifts every listing of its list,
as the hub's first rule had it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from services.core.policy import CreditRules
from services.core.provenance import Source
from services.core.records import CreditAction, CreditEvent


@dataclass(frozen=True, slots=True)
class CreditFact:
    """A province's current version of one credit event."""

    event: CreditEvent
    source: Source


class ListingState(StrEnum):
    IN_FORCE = "IN_FORCE"
    NOT_YET_EFFECTIVE = "NOT_YET_EFFECTIVE"
    ENDED = "ENDED"  # past its effective_until
    LIFTED = "LIFTED"  # removed or repaired by the listing authority


@dataclass(frozen=True, slots=True)
class Listing:
    """A listing and what it amounts to on one day."""

    listing: CreditFact
    state: ListingState
    lifted_by: CreditFact | None = None
    # Repairs published before the list's earliest repair day: they lift nothing.
    premature_repairs: tuple[CreditFact, ...] = ()
    # Removals and repairs naming it, dated before it: they lift nothing.
    early_lifts: tuple[CreditFact, ...] = ()
    # The last day it is published (effective_until, or the end of its list's
    # publication period); None: until lifted.
    ends_on: dt.date | None = None

    @property
    def in_force(self) -> bool:
        return self.state is ListingState.IN_FORCE


_LIFTING = frozenset({CreditAction.REMOVED, CreditAction.REPAIRED})


def plus_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (earlier when negative), or that month's
    last day when it is shorter: a period of whole months neither loses days
    from the end of a long month nor runs past a short one's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def _plus_years(day: dt.date, years: int) -> dt.date:
    return plus_months(day, 12 * years)


def _names(lift: CreditEvent, listing: CreditEvent) -> bool:
    """Whether a removal or repair is about this listing."""
    if (
        lift.listing_province is not listing.listing_province
        or lift.uscc != listing.uscc
        or lift.list_type is not listing.list_type
    ):
        return False
    return not lift.lifts_reference or lift.lifts_reference == listing.reference


def listings_on(
    facts: Iterable[CreditFact], on: dt.date, rules: CreditRules | None = None
) -> list[Listing]:
    """Every listing among `facts` and its state on `on`, oldest first."""
    rules = rules or _DEFAULT_RULES
    facts = list(facts)
    lifts = [f for f in facts if f.event.action in _LIFTING]
    out: list[Listing] = []
    for fact in facts:
        e = fact.event
        if e.action is not CreditAction.LISTED:
            continue
        life = rules.lifecycle(e.list_type)
        ends_on = e.effective_until
        if ends_on is None and life.publication_years:
            ends_on = _plus_years(e.effective_from, life.publication_years) - dt.timedelta(days=1)
        if on < e.effective_from:
            out.append(Listing(fact, ListingState.NOT_YET_EFFECTIVE, ends_on=ends_on))
            continue
        naming = [lift for lift in lifts if _names(lift.event, e)]
        lifted = [lift for lift in naming if e.effective_from <= lift.event.effective_from <= on]
        early = tuple(
            lift
            for lift in naming
            if lift.event.lifts_reference and lift.event.effective_from < e.effective_from
        )
        premature: tuple[CreditFact, ...] = ()
        if life.earliest_repair_years:
            earliest = _plus_years(e.effective_from, life.earliest_repair_years)
            premature = tuple(
                lift
                for lift in lifted
                if lift.event.action is CreditAction.REPAIRED
                and lift.event.effective_from < earliest
            )
            lifted = [lift for lift in lifted if lift not in premature]
        if lifted:
            first = min(lifted, key=lambda f: (f.event.effective_from, f.source.record_key))
            state = ListingState.LIFTED
        else:
            first = None
            ended = ends_on is not None and on > ends_on
            state = ListingState.ENDED if ended else ListingState.IN_FORCE
        out.append(Listing(fact, state, first, premature, early_lifts=early, ends_on=ends_on))
    out.sort(key=lambda item: (item.listing.event.effective_from, item.listing.source.record_key))
    return out


_DEFAULT_RULES = CreditRules()


def in_force_on(
    facts: Iterable[CreditFact], on: dt.date, rules: CreditRules | None = None
) -> list[Listing]:
    """The listings in force on `on`."""
    return [item for item in listings_on(facts, on, rules) if item.in_force]
