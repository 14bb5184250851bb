"""Signatory bans (谁签字谁担责): which bans on a person stand on a day, and the
rule signatory.banned of a report's verdict.

A ban from any province bars the person from signing everywhere, whatever
institution they signed for when banned. It is in force from its
effective_from to its effective_until (none: until lifted), unless the
province that banned them lifts it: a REMOVED event of that province naming
the ban's reference (lifts_reference), effective on or after the ban and on
or before the day asked, lifts it from its own effective_from. One dated
before the ban lifts nothing, and decisions say so.

A report names its signatory by name. The person behind the name is found
on the laboratory's qualification in force on the issue date (each
province's version): the signatories listed under that name (compared as
text is compared everywhere), each with their pseudonym (person_id) when
the province identified them. Without one, bans cannot be checked, and the
rule says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.core.credit import ListingState as BanState
from services.core.policy import Outcome
from services.core.provenance import Source
from services.core.recognition import (
    Certificate,
    DecisionInput,
    FromRecord,
    InputOrigin,
    Reason,
    record_input,
)
from services.core.records import CreditAction, Qualification, SignatoryBan
from services.core.text import comparable

RULE = "signatory.banned"


@dataclass(frozen=True, slots=True)
class BanFact:
    """A province's current version of one ban (or its removal)."""

    ban: SignatoryBan
    source: Source


@dataclass(frozen=True, slots=True)
class BanOnDay:
    """A ban and what it amounts to on one day."""

    fact: BanFact
    state: BanState
    lifted_by: BanFact | None = None
    # Removals naming it, dated before it: they lift nothing.
    early_lifts: tuple[BanFact, ...] = ()


def _lifts(lift: SignatoryBan, ban: SignatoryBan) -> bool:
    return (
        lift.action is CreditAction.REMOVED
        and lift.listing_province is ban.listing_province
        and lift.person_id == ban.person_id
        and lift.lifts_reference == ban.reference
    )


def bans_on(facts: Iterable[BanFact], person_id: str, on: dt.date) -> list[BanOnDay]:
    """Every ban on the person among `facts` and its state on `on`, oldest first."""
    mine = [f for f in facts if f.ban.person_id == person_id]
    out: list[BanOnDay] = []
    for fact in mine:
        b = fact.ban
        if b.action is not CreditAction.LISTED:
            continue
        if on < b.effective_from:
            out.append(BanOnDay(fact, BanState.NOT_YET_EFFECTIVE))
            continue
        naming = [f for f in mine if _lifts(f.ban, b)]
        lifted = [f for f in naming if b.effective_from <= f.ban.effective_from <= on]
        early = tuple(f for f in naming if f.ban.effective_from < b.effective_from)
        if lifted:
            first = min(lifted, key=lambda f: (f.ban.effective_from, f.source.record_key))
            out.append(BanOnDay(fact, BanState.LIFTED, first, early))
        elif b.effective_until is not None and on > b.effective_until:
            out.append(BanOnDay(fact, BanState.ENDED, None, early))
        else:
            out.append(BanOnDay(fact, BanState.IN_FORCE, None, early))
    out.sort(key=lambda item: (item.fact.ban.effective_from, item.fact.source.record_key))
    return out


@dataclass(frozen=True, slots=True)
class ListedSignatory:
    """A signatory of the name asked, as one province's qualification lists them."""

    person_id: str  # empty: not identified
    certificate: Certificate


def signatories_named(name: str, qualifications: Sequence[Certificate]) -> list[ListedSignatory]:
    """The signatories called `name` on the qualifications, as each lists them."""
    wanted = comparable(name)
    return [
        ListedSignatory(s.person_id, cert)
        for cert in qualifications
        if isinstance(cert.record, Qualification)
        for s in cert.record.signatories
        if comparable(s.name) == wanted
    ]


def people_named(name: str, qualifications: Sequence[Certificate]) -> frozenset[str]:
    """The pseudonyms of the people the qualifications list as signatory `name`:
    the persons whose bans a report signed under that name is judged by."""
    return frozenset(s.person_id for s in signatories_named(name, qualifications) if s.person_id)


def _dates(b: SignatoryBan) -> str:
    until = f" until {b.effective_until}" if b.effective_until else ""
    return f"from {b.effective_from}{until}"


def _described(item: BanOnDay) -> str:
    b = item.fact.ban
    early = (
        f"; {', '.join(f.ban.reference for f in item.early_lifts)} is dated before the ban "
        "and lifts nothing"
        if item.early_lifts
        else ""
    )
    return f"by {b.listing_province.name_en} {_dates(b)} ({b.reference}: {b.reason}{early})"


def _not_in_force(item: BanOnDay) -> str:
    b = item.fact.ban
    if item.state is BanState.LIFTED and item.lifted_by is not None:
        lift = item.lifted_by.ban
        return f"{b.reference} lifted by {lift.reference} from {lift.effective_from}"
    if item.state is BanState.ENDED:
        return f"{b.reference} ended {b.effective_until}"
    return f"{b.reference} takes effect {b.effective_from}"


def _inputs(items: Sequence[BanOnDay]) -> list[DecisionInput]:
    out: list[DecisionInput] = []
    for item in items:
        b = item.fact.ban
        out.append(
            DecisionInput(
                "signatory_ban",
                f"{b.person_id} {_described(item)}: {item.state.value}",
                InputOrigin.RECORD,
                item.fact.source,
            )
        )
        if item.lifted_by is not None:
            lift = item.lifted_by.ban
            out.append(
                DecisionInput(
                    "signatory_ban_lifted",
                    f"{lift.reference} lifts {b.reference} from {lift.effective_from}",
                    InputOrigin.RECORD,
                    item.lifted_by.source,
                )
            )
        out.extend(
            DecisionInput(
                "signatory_ban_early_lift",
                f"{f.ban.reference} of {f.ban.effective_from}, before the ban: lifts nothing",
                InputOrigin.RECORD,
                f.source,
            )
            for f in item.early_lifts
        )
    return out


def signatory_banned(
    name: str,
    on: dt.date,
    report: FromRecord,
    qualifications: Sequence[Certificate],
    bans: Sequence[BanFact],
) -> Reason:
    """signatory.banned: whether the person who signed a report (named `name`,
    issued `on`) was banned from signing that day, in any province.
    `report` is the registration (for provenance), `qualifications` each
    province's version of the laboratory's qualification in force on `on`,
    `bans` the bans (and removals) on the people the qualifications name."""
    listed = signatories_named(name, qualifications)
    inputs: list[DecisionInput] = [
        record_input("signatory", name, report),
        record_input("issue_date", on, report),
        *(
            record_input("signatory_person", s.person_id or "(unknown)", s.certificate)
            for s in listed
        ),
    ]
    people = sorted({s.person_id for s in listed if s.person_id})
    if not people:
        why = (
            "no qualification in force on that day lists them"
            if not listed
            else "the qualification lists them by name only, with no person"
        )
        return Reason(
            RULE,
            Outcome.RECOGNIZED,
            f"{name}'s identity is unknown ({why}), so bans on signing cannot be checked",
            tuple(inputs),
        )
    per_person = {p: bans_on(bans, p, on) for p in people}
    for items in per_person.values():
        inputs.extend(_inputs(items))
    banned = {
        p: [i for i in items if i.state is BanState.IN_FORCE] for p, items in per_person.items()
    }
    banned = {p: found for p, found in banned.items() if found}
    if not banned:
        others = [_not_in_force(i) for items in per_person.values() for i in items]
        also = f" ({'; '.join(others)})" if others else ""
        return Reason(
            RULE,
            Outcome.RECOGNIZED,
            f"no ban on {name}'s signing was in force on {on} in any province{also}",
            tuple(inputs),
        )
    said = "; ".join(
        f"{name} was banned from signing {_described(i)}"
        for found in banned.values()
        for i in found
    )
    if len(banned) == len(people):
        return Reason(
            RULE,
            Outcome.NOT_RECOGNIZED,
            f"{said}; in force on the issue date {on}",
            tuple(inputs),
        )
    # Namesakes: the qualification lists several people under the name, and
    # not every one of them was banned.
    return Reason(
        RULE,
        Outcome.CONDITIONAL,
        f"{len(people)} people are listed as signatory {name}, and which one signed is "
        f"not known: {said}; in force on the issue date {on}",
        tuple(inputs),
    )
