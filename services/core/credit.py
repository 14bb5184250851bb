"""Credit overlays: which credit listings are in force against an institution on a day.

A listing from any province applies to the institution in every province. It
is in force from its effective_from to its effective_until (open-ended when
empty), unless the authority that listed it lifts it: a REMOVED or REPAIRED
event of the same province, institution and list, effective on or after the
listing and on or before the day asked. Only the listing authority lifts its
own listing; another province's removal says nothing about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

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

    @property
    def in_force(self) -> bool:
        return self.state is ListingState.IN_FORCE


_LIFTING = frozenset({CreditAction.REMOVED, CreditAction.REPAIRED})


def listings_on(facts: Iterable[CreditFact], on: dt.date) -> list[Listing]:
    """Every listing among `facts` and its state on `on`, oldest first."""
    facts = list(facts)
    lifts = [f for f in facts if f.event.action in _LIFTING]
    out: list[Listing] = []
    for fact in facts:
        e = fact.event
        if e.action is not CreditAction.LISTED:
            continue
        if on < e.effective_from:
            out.append(Listing(fact, ListingState.NOT_YET_EFFECTIVE))
            continue
        lifted = [
            lift
            for lift in lifts
            if lift.event.listing_province is e.listing_province
            and lift.event.uscc == e.uscc
            and lift.event.list_type is e.list_type
            and e.effective_from <= lift.event.effective_from <= on
        ]
        if lifted:
            first = min(lifted, key=lambda f: (f.event.effective_from, f.source.record_key))
            out.append(Listing(fact, ListingState.LIFTED, first))
        elif e.effective_until is not None and on > e.effective_until:
            out.append(Listing(fact, ListingState.ENDED))
        else:
            out.append(Listing(fact, ListingState.IN_FORCE))
    out.sort(key=lambda item: (item.listing.event.effective_from, item.listing.source.record_key))
    return out


def in_force_on(facts: Iterable[CreditFact], on: dt.date) -> list[Listing]:
    """The listings in force on `on`."""
    return [item for item in listings_on(facts, on) if item.in_force]
