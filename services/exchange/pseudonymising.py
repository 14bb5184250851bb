"""Turning the identities a record carries into pseudonyms, before the record
goes any further.

A person may come with an identity (name, identity number, phone) in several
places: an assessor, an enforcement officer, a signatory ban, and each
signatory of a qualification. Each place is an identity slot: the registry
derives the person's pseudonym from the identity number (one person, one
pseudonym, whatever role and province), the pseudonym goes into the record's
id field, and the identity is kept in this province's vault
(services.exchange.identities), never published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from pydantic import ValidationError

from services.core.errors import Violation, violations_of
from services.core.pseudonyms import AssessorIdentity, id_number_warnings
from services.exchange.identities import IdentityVault, PendingIdentity
from yrdhub.v1 import records_pb2

# Record bodies holding one person, and the field their pseudonym goes in.
_PERSON_ID_FIELD = {
    "assessor": "assessor_id",
    "officer": "officer_id",
    "signatory_ban": "person_id",
}


@dataclass(frozen=True, slots=True)
class IdentitySlot:
    """One place in a record where an identity was submitted."""

    path: str  # e.g. "assessor" or "qualification.signatories[2]"
    holder: Message  # the message the identity is in: an Assessor, a Signatory, ...
    given: records_pb2.AssessorIdentity
    id_field: str  # where the pseudonym goes: "assessor_id", "officer_id", "person_id"
    id_given: str  # the id the caller sent beside the identity (refused)
    put: Callable[[dict[str, Any], str], None]  # sets the pseudonym in the record's fields

    def replace_with(self, values: dict[str, Any], person: str) -> None:
        """Puts the person's pseudonym where their identity was, in the
        record's fields and in its message, which then holds no identity:
        the message is what the event carries (publishing.canonical_bytes)."""
        self.put(values, person)
        self.holder.ClearField("identity")
        setattr(self.holder, self.id_field, person)


def identity_slots(raw: records_pb2.Record) -> list[IdentitySlot]:
    """The identities submitted in a record, in order."""
    which = raw.WhichOneof("body")
    if which in _PERSON_ID_FIELD:
        holder = getattr(raw, which)
        if not holder.HasField("identity"):
            return []
        name = _PERSON_ID_FIELD[which]

        def put(values: dict[str, Any], person: str) -> None:
            values[name] = person

        return [IdentitySlot(which, holder, holder.identity, name, getattr(holder, name), put)]
    if which == "qualification":
        return [
            IdentitySlot(
                f"qualification.signatories[{n}]",
                s,
                s.identity,
                "person_id",
                s.person_id,
                _signatory_setter(n),
            )
            for n, s in enumerate(raw.qualification.signatories)
            if s.HasField("identity")
        ]
    return []


def _signatory_setter(n: int) -> Callable[[dict[str, Any], str], None]:
    def put(values: dict[str, Any], person: str) -> None:
        values["signatories"][n]["person_id"] = person

    return put


def _identity_of(slot: IdentitySlot) -> AssessorIdentity | list[Violation]:
    """The submitted identity validated (the number normalised), or why not:
    the one reading both derive() and apply() use, so they never disagree."""
    given = slot.given
    try:
        return AssessorIdentity(name=given.name, id_number=given.id_number, phone=given.phone)
    except ValidationError as exc:
        return violations_of(exc, f"{slot.path}.identity")


# Identity numbers (validated and normalised) to their pseudonyms, in one
# call for a whole batch; raises a DomainError when it cannot (the registry
# unreachable, the allowance used up), which refuses the batch whole.
PseudonymSource = Callable[[Sequence[str]], list[str]]


class Pseudonymiser:
    """Turns the identities submitted in records into pseudonyms."""

    def __init__(self, source: PseudonymSource | None, vault: IdentityVault) -> None:
        # None: no pseudonymisation service configured; identities are refused.
        self._source = source
        self._vault = vault

    def derive(self, records: Sequence[records_pb2.Record]) -> dict[str, str]:
        """The pseudonyms of the identities in `records` that apply() will
        accept, by normalised identity number, asked for in one call."""
        if self._source is None or not self._vault.can_store:
            return {}
        numbers: set[str] = set()
        for raw in records:
            for slot in identity_slots(raw):
                if slot.id_given:
                    continue  # refused by apply(), and never derived: no oracle, not even timing
                identity = _identity_of(slot)
                if isinstance(identity, AssessorIdentity):
                    numbers.add(identity.id_number)  # else apply() names the reason
        if not numbers:
            return {}
        wanted = sorted(numbers)
        return dict(zip(wanted, self._source(wanted), strict=True))

    def apply(
        self, slots: Sequence[IdentitySlot], values: dict[str, Any], derived: dict[str, str]
    ) -> list[PendingIdentity] | list[Violation]:
        """Sets each slot's pseudonym in `values` (from `derived`), or says
        why it cannot: identities to keep once the record is accepted."""
        if self._source is None:
            return [
                Violation(
                    f"{slots[0].path}.identity",
                    "this exchange has no pseudonymisation service (set "
                    "YRDHUB_PSEUDONYM_SERVICE or --pseudonym-service to the registry's "
                    "address), so it cannot accept identities",
                )
            ]
        if not self._vault.can_store:
            return [
                Violation(
                    f"{slots[0].path}.identity",
                    "this exchange has no identity key (set YRDHUB_IDENTITY_KEY or "
                    "--identity-key-file), so it cannot keep identities",
                )
            ]
        pending: list[PendingIdentity] = []
        for slot in slots:
            identity = _identity_of(slot)
            if not isinstance(identity, AssessorIdentity):
                return identity
            if slot.id_given:
                # Refused whether or not it is the id the identity derives: an
                # answer that differed would tell a caller whether an identity
                # belongs to a pseudonym.
                return [
                    Violation(
                        f"{slot.path}.{slot.id_field}",
                        "the exchange derives the id from the identity: leave it empty",
                    )
                ]
            person = derived.get(identity.id_number)
            if person is None:  # derive() and the model disagree: refuse, never crash
                return [Violation(f"{slot.path}.identity.id_number", "could not be pseudonymised")]
            slot.replace_with(values, person)
            warnings = tuple(
                (f"{slot.path}.identity.id_number", w)
                for w in id_number_warnings(identity.id_number)
            )
            pending.append(PendingIdentity(person, identity, warnings))
        return pending

    def save(self, pending: Sequence[PendingIdentity], now: dt.datetime) -> None:
        if pending:
            self._vault.save(pending, now)
