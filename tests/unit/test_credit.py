"""Credit overlays: listings from any province, lifted only by their own authority."""

from __future__ import annotations

import datetime as dt

from services.core.credit import CreditFact, ListingState, in_force_on, listings_on
from services.core.policy import Outcome, RecognitionPolicy
from services.core.provinces import Province
from services.core.recognition import credit_listings
from services.core.records import CreditAction, CreditListType, RecordKind
from services.core.validation import Refused, validate_record
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


def test_a_repair_lifts_a_serious_violation_listing_only_from_its_earliest_repair_day() -> None:
    early = credit(
        "皖市监信〔2026〕10号", action=CreditAction.REPAIRED, effective_from=dt.date(2026, 3, 1)
    )
    [item] = in_force_on([credit_fact(LISTED), credit_fact(early)], dt.date(2026, 3, 2))
    assert [r.event.reference for r in item.premature_repairs] == [early.reference]
    # One year after the listing (the shipped policy's earliest repair), it lifts.
    repair = credit(
        "皖市监信〔2027〕2号", action=CreditAction.REPAIRED, effective_from=dt.date(2027, 1, 10)
    )
    assert in_force_on([credit_fact(LISTED), credit_fact(repair)], dt.date(2027, 1, 10)) == []


def test_a_repair_of_an_abnormal_operations_listing_has_no_waiting_period() -> None:
    listed = credit(
        "皖市监信〔2026〕20号",
        list_type=CreditListType.ABNORMAL_OPERATIONS,
        effective_from=dt.date(2026, 1, 10),
    )
    repair = credit(
        "皖市监信〔2026〕21号",
        list_type=CreditListType.ABNORMAL_OPERATIONS,
        action=CreditAction.REPAIRED,
        effective_from=dt.date(2026, 2, 1),
        lifts=listed.reference,
    )
    assert in_force_on([credit_fact(listed), credit_fact(repair)], dt.date(2026, 2, 1)) == []


def test_a_removal_lifts_only_the_listing_it_names() -> None:
    def abnormal(reference: str, day: dt.date) -> CreditFact:
        return credit_fact(
            credit(reference, list_type=CreditListType.ABNORMAL_OPERATIONS, effective_from=day)
        )

    first = abnormal("皖市监信〔2026〕30号", dt.date(2026, 1, 5))
    second = abnormal("皖市监信〔2026〕31号", dt.date(2026, 2, 5))
    removal = credit_fact(
        credit(
            "皖市监信〔2026〕32号",
            list_type=CreditListType.ABNORMAL_OPERATIONS,
            action=CreditAction.REMOVED,
            effective_from=dt.date(2026, 3, 1),
            lifts=first.event.reference,
        )
    )
    # Two listings of one list in force at once; the removal lifts the first only.
    assert len(in_force_on([first, second], dt.date(2026, 2, 10))) == 2
    [left] = in_force_on([first, second, removal], dt.date(2026, 3, 1))
    assert left.listing.event.reference == second.event.reference


def test_a_serious_violation_listing_with_no_end_is_published_for_three_years() -> None:
    [item] = listings_on([credit_fact(LISTED)], dt.date(2029, 1, 9))
    assert item.state is ListingState.IN_FORCE and item.ends_on == dt.date(2029, 1, 9)
    [item] = listings_on([credit_fact(LISTED)], dt.date(2029, 1, 10))
    assert item.state is ListingState.ENDED


def test_another_province_cannot_lift_a_listing() -> None:
    elsewhere = credit(
        "苏市监信〔2026〕3号",
        lifts=LISTED.reference,
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
    # Both name the listing (the factory's default): one is of another list,
    # the other dated before the listing, so neither lifts it; the listing
    # names the one dated before it, and a decision says it lifts nothing.
    facts = [credit_fact(LISTED), credit_fact(other_list), credit_fact(earlier)]
    [item] = in_force_on(facts, dt.date(2026, 3, 1))
    assert [f.event.reference for f in item.early_lifts] == [earlier.reference]
    reason = credit_listings(
        RecognitionPolicy(version="t"), LISTED.uscc, facts, dt.date(2026, 3, 1)
    )
    assert f"{earlier.reference} is dated before the listing and lifts nothing" in reason.message
    assert [i.name for i in reason.inputs].count("early_lift") == 1


def test_a_listing_ends_after_its_effective_until() -> None:
    bounded = credit(effective_from=dt.date(2023, 1, 1), effective_until=dt.date(2025, 12, 31))
    [item] = listings_on([credit_fact(bounded)], dt.date(2026, 1, 1))
    assert item.state is ListingState.ENDED
    assert len(in_force_on([credit_fact(bounded)], dt.date(2025, 12, 31))) == 1


def test_a_removal_published_before_lifts_reference_lifts_its_whole_list() -> None:
    legacy = credit_fact(
        credit(
            "皖市监信〔2026〕40号",
            action=CreditAction.REMOVED,
            effective_from=dt.date(2027, 2, 1),
        ).model_copy(update={"lifts_reference": ""})
    )
    assert in_force_on([credit_fact(LISTED), legacy], dt.date(2027, 2, 1)) == []


def test_a_removal_must_name_the_listing_it_lifts_and_a_listing_none() -> None:
    removal = credit("皖市监信〔2026〕50号", action=CreditAction.REMOVED).model_dump(mode="json")
    unnamed = validate_record(
        RecordKind.CREDIT_EVENT, removal | {"lifts_reference": ""}, Province.AH
    )
    assert isinstance(unnamed, Refused)
    assert [v.field for v in unnamed.violations] == ["credit_event.lifts_reference"]
    listing = LISTED.model_dump(mode="json") | {"lifts_reference": "皖市监信〔2025〕1号"}
    named = validate_record(RecordKind.CREDIT_EVENT, listing, Province.AH)
    assert isinstance(named, Refused)
    assert [v.field for v in named.violations] == ["credit_event.lifts_reference"]


def test_the_recognition_reason_names_the_listing_and_a_repair_too_early() -> None:
    early = credit(
        "皖市监信〔2026〕11号", action=CreditAction.REPAIRED, effective_from=dt.date(2026, 3, 1)
    )
    reason = credit_listings(
        RecognitionPolicy(version="t"),
        LISTED.uscc,
        [credit_fact(LISTED), credit_fact(early, revision=1)],
        dt.date(2026, 4, 1),
    )
    assert reason.effect is Outcome.NOT_RECOGNIZED
    assert LISTED.reference in reason.message and "until 2029-01-09" in reason.message
    assert early.reference in reason.message and "lifts nothing" in reason.message
    assert any(i.name == "premature_repair" for i in reason.inputs)
