"""Credit overlays: listings from any province, lifted only by their own authority."""

from __future__ import annotations

import datetime as dt

from services.core.credit import ListingState, in_force_on, listings_on
from services.core.provinces import Province
from services.core.records import CreditAction, CreditListType
from tests.factories import credit, credit_fact

LISTED = credit("皖市监信〔2026〕1号", effective_from=dt.date(2026, 1, 10))


def test_a_listing_is_in_force_from_its_effective_date() -> None:
    facts = [credit_fact(LISTED)]
    assert in_force_on(facts, dt.date(2026, 1, 9)) == []
    [item] = listings_on(facts, dt.date(2026, 1, 9))
    assert item.state is ListingState.NOT_YET_EFFECTIVE
    [item] = in_force_on(facts, dt.date(2026, 1, 10))
    assert item.listing.event.reference == LISTED.reference


def test_a_removal_by_the_listing_province_lifts_it_from_its_date() -> None:
    removal = credit(
        "皖市监信〔2026〕9号", action=CreditAction.REMOVED, effective_from=dt.date(2026, 6, 1)
    )
    facts = [credit_fact(LISTED), credit_fact(removal)]
    assert len(in_force_on(facts, dt.date(2026, 5, 31))) == 1
    [item] = listings_on(facts, dt.date(2026, 6, 1))
    assert item.state is ListingState.LIFTED
    assert item.lifted_by is not None and item.lifted_by.event.reference == removal.reference


def test_a_repair_lifts_it_too() -> None:
    repair = credit(
        "皖市监信〔2026〕10号", action=CreditAction.REPAIRED, effective_from=dt.date(2026, 3, 1)
    )
    assert in_force_on([credit_fact(LISTED), credit_fact(repair)], dt.date(2026, 3, 2)) == []


def test_another_province_cannot_lift_a_listing() -> None:
    elsewhere = credit(
        "苏市监信〔2026〕3号",
        province=Province.JS,
        action=CreditAction.REMOVED,
        effective_from=dt.date(2026, 2, 1),
    )
    assert len(in_force_on([credit_fact(LISTED), credit_fact(elsewhere)], dt.date(2026, 3, 1))) == 1


def test_a_removal_of_another_list_or_before_the_listing_does_not_lift_it() -> None:
    other_list = credit(
        "皖市监信〔2026〕4号",
        list_type=CreditListType.ABNORMAL_OPERATIONS,
        action=CreditAction.REMOVED,
        effective_from=dt.date(2026, 2, 1),
    )
    earlier = credit(
        "皖市监信〔2025〕4号", action=CreditAction.REMOVED, effective_from=dt.date(2025, 2, 1)
    )
    facts = [credit_fact(LISTED), credit_fact(other_list), credit_fact(earlier)]
    assert len(in_force_on(facts, dt.date(2026, 3, 1))) == 1


def test_a_listing_ends_after_its_effective_until() -> None:
    bounded = credit(effective_from=dt.date(2023, 1, 1), effective_until=dt.date(2025, 12, 31))
    [item] = listings_on([credit_fact(bounded)], dt.date(2026, 1, 1))
    assert item.state is ListingState.ENDED
    assert len(in_force_on([credit_fact(bounded)], dt.date(2025, 12, 31))) == 1
