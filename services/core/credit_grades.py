"""Credit risk grades A-D of institutions for random inspections, from the
credit events the provinces publish, read by the same listing rules as every
other credit answer (core.credit: lifts name their listing, a repair before
its list's earliest repair day lifts nothing, a listing without an end is
published for its list's period)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from services.core.assessors import years_before
from services.core.credit import CreditFact, ListingState, listings_on
from services.core.policy import CreditRules
from services.core.records import CreditListType
from services.core.risk import CreditClass


def credit_class(
    facts: Iterable[CreditFact], on: dt.date, recent_years: int, rules: CreditRules | None = None
) -> CreditClass:
    """The institution's grade on a day: a serious-violation listing in force
    gives D, an abnormal-operations one C; a listing lifted or ended within
    `recent_years` gives B; anything else A."""
    listings = listings_on(facts, on, rules)
    open_lists = {item.listing.event.list_type for item in listings if item.in_force}
    if CreditListType.SERIOUS_VIOLATION in open_lists:
        return CreditClass.D
    if CreditListType.ABNORMAL_OPERATIONS in open_lists:
        return CreditClass.C
    closed_on = [
        item.lifted_by.event.effective_from if item.lifted_by is not None else item.ends_on
        for item in listings
        if item.state in (ListingState.LIFTED, ListingState.ENDED)
    ]
    since = years_before(on, recent_years)
    if any(day is not None and day >= since for day in closed_on):
        return CreditClass.B
    return CreditClass.A
