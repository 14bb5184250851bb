"""Credit risk grades A-D of institutions for random inspections, from the
credit events the provinces publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from services.core.assessors import years_before
from services.core.records import CreditAction, CreditListType
from services.core.risk import CreditClass


@dataclass(frozen=True, slots=True)
class CreditFact:
    """One credit event about an institution, as the grading needs it."""

    listing_province: str
    list_type: CreditListType
    action: CreditAction
    effective_from: dt.date
    effective_until: dt.date | None


def credit_class(facts: Iterable[CreditFact], on: dt.date, recent_years: int) -> CreditClass:
    """The institution's grade on a day.

    For each listing authority and list, the latest event in effect decides
    (only the authority that listed lifts its own listing): a listing still
    open on a serious-violation list gives D, on the abnormal-operations list
    C; a listing closed (removed, repaired or run out) within `recent_years`
    gives B; anything else A.
    """
    latest: dict[tuple[str, CreditListType], CreditFact] = {}
    for fact in sorted(
        (f for f in facts if f.effective_from <= on),
        key=lambda f: (f.effective_from, f.action is not CreditAction.LISTED),
    ):
        latest[(fact.listing_province, fact.list_type)] = fact
    open_lists: set[CreditListType] = set()
    closed_on: list[dt.date] = []
    for (_authority, list_type), fact in latest.items():
        if fact.action is CreditAction.LISTED:
            if fact.effective_until is None or fact.effective_until >= on:
                open_lists.add(list_type)
            else:
                closed_on.append(fact.effective_until)
        else:
            closed_on.append(fact.effective_from)
    if CreditListType.SERIOUS_VIOLATION in open_lists:
        return CreditClass.D
    if CreditListType.ABNORMAL_OPERATIONS in open_lists:
        return CreditClass.C
    since = years_before(on, recent_years)
    if any(day >= since for day in closed_on):
        return CreditClass.B
    return CreditClass.A
