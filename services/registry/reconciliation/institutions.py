"""Read use cases over reconciled data: one institution across provinces, conflicts,
and a record's history as of a record time and a valid time."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from services.common.convert import as_of_pin
from services.core.conflicts import ConflictType
from services.core.credit import Listing, listings_on
from services.core.errors import InvalidRequest, Violation
from services.core.fields import parse_record_key
from services.core.history import AsOf, ValidityOnDay, as_of, validity_on
from services.core.identifiers import check_uscc
from services.core.paging import next_page_token, token_after
from services.core.provenance import utcnow
from services.core.provinces import Province
from services.core.records import RecordKind
from services.registry.reconciliation import rows
from services.registry.reconciliation.conflict_store import ConflictStore, StoredConflict
from services.registry.reconciliation.policy_source import PolicySource
from services.registry.records import domain
from services.registry.records.as_of import RecordsAsOf, row_held_on
from services.registry.records.store import Feed, RecordStore, StoredRow

MAX_PAGE = 1000
DEFAULT_PAGE = 100


def parse_uscc(value: str, field: str = "uscc") -> str:
    try:
        return check_uscc(value.strip())
    except ValueError as exc:
        raise InvalidRequest("malformed USCC", [Violation(field, str(exc))]) from None


@dataclass(frozen=True, slots=True)
class NameClaim:
    name: str
    provinces: tuple[Province, ...]
    record_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InstitutionView:
    uscc: str
    names: list[NameClaim]
    provinces: list[Province]
    qualifications: list[StoredRow]
    green_certs: list[StoredRow]
    credit_events: list[StoredRow]
    listings: list[Listing]
    conflicts: list[StoredConflict]
    as_of: AsOf
    feeds: list[Feed]

    @property
    def found(self) -> bool:
        return bool(self.qualifications or self.green_certs or self.credit_events)


@dataclass(frozen=True, slots=True)
class ConflictPage:
    conflicts: list[StoredConflict]
    next_page_token: str
    as_of: AsOf


@dataclass(frozen=True, slots=True)
class ProvinceValidity:
    province: Province
    revision: int
    validity: ValidityOnDay


@dataclass(frozen=True, slots=True)
class History:
    versions: list[StoredRow]
    # Each province's version in force on as_of.valid_on.
    current: list[StoredRow]
    validity: list[ProvinceValidity]
    as_of: AsOf


def _names(records: Iterable[StoredRow]) -> list[NameClaim]:
    said: dict[str, list[StoredRow]] = defaultdict(list)
    for row in records:
        record = domain.record_pb(row)
        which = record.WhichOneof("body")
        if which == "qualification":
            said[record.qualification.institution_name].append(row)
        elif which == "green_cert":
            said[record.green_cert.enterprise_name].append(row)
    return [
        NameClaim(
            name,
            tuple(sorted({Province(r.province) for r in found})),
            tuple(sorted({r.record_key for r in found})),
        )
        for name, found in sorted(said.items())
    ]


class Reconciliation:
    def __init__(
        self,
        store: RecordStore,
        conflicts: ConflictStore,
        clock: Callable[[], dt.datetime] = utcnow,
        policy: PolicySource | None = None,
    ) -> None:
        """`policy`: the credit lists' lifecycles (the shipped policy's when None)."""
        self._store = store
        self._records = RecordsAsOf(store)
        self._conflicts = conflicts
        self._clock = clock
        self._policy = policy or PolicySource()

    def institution(
        self, uscc: str, valid_on: str = "", known_at: dt.datetime | None = None
    ) -> InstitutionView:
        """Every province's records about one institution, its names, the credit
        listings from any province as they stand on the day, and the conflicts
        open, all as the hub knew them at known_at."""
        compact = parse_uscc(uscc)
        when = as_of(valid_on, known_at, self._clock())
        day = when.valid_on
        found = self._records.by_uscc(compact, when)
        by_kind: dict[str, list[StoredRow]] = defaultdict(list)
        for row in found:
            by_kind[row.kind].append(row)
        certificates = by_kind[RecordKind.QUALIFICATION] + by_kind[RecordKind.GREEN_CERT]
        credit = [domain.credit_fact(r) for r in by_kind[RecordKind.CREDIT_EVENT]]
        return InstitutionView(
            uscc=compact,
            names=_names(certificates),
            provinces=sorted({Province(r.province) for r in found}),
            qualifications=by_kind[RecordKind.QUALIFICATION],
            green_certs=by_kind[RecordKind.GREEN_CERT],
            credit_events=by_kind[RecordKind.CREDIT_EVENT],
            listings=listings_on(credit, day, self._policy.current().credit),
            conflicts=self._conflicts.find(
                uscc=compact, open_only=True, limit=MAX_PAGE, known_at=known(when)
            ),
            as_of=when,
            feeds=self._store.feeds(),
        )

    def conflicts(
        self,
        *,
        types: Iterable[ConflictType] = (),
        uscc: str = "",
        open_only: bool = False,
        page_size: int = 0,
        page_token: str = "",
        query: str = "",
        valid_on: str = "",
        known_at: dt.datetime | None = None,
    ) -> ConflictPage:
        """A page of conflicts; `query` fingerprints the filter its token is
        bound to (core.paging.token_after)."""
        if page_size < 0 or page_size > MAX_PAGE:
            raise InvalidRequest(
                "bad page size", [Violation("page_size", f"between 0 and {MAX_PAGE}")]
            )
        after = 0
        if page_token:
            last = token_after(page_token, query)
            if not last.isdecimal():
                raise InvalidRequest(
                    "bad page token", [Violation("page_token", "use a next_page_token")]
                )
            after = int(last)
        size = page_size or DEFAULT_PAGE
        when = as_of(valid_on, known_at, self._clock())
        found = self._conflicts.find(
            types=types,
            # Only an empty filter is none: one of spaces is a malformed USCC.
            uscc=parse_uscc(uscc) if uscc else None,
            open_only=open_only,
            after_id=after,
            limit=size + 1,
            known_at=known(when),
        )
        more = len(found) > size
        page = found[:size]
        # The next pages answer at this one's as_of when they name none.
        token = (
            next_page_token(str(page[-1].conflict_id), as_of_pin(when), query)
            if more and page
            else ""
        )
        return ConflictPage(page, token, when)

    def history(
        self, record_key: str, valid_on: str = "", known_at: dt.datetime | None = None
    ) -> History:
        """Every version of a record the hub had applied at known_at, each
        province's version in force on valid_on and, for a certificate, whether
        it held on that day."""
        key = parse_record_key(record_key)
        when = as_of(valid_on, known_at, self._clock())
        versions = self._records.versions(key, when)
        per_province: dict[str, list[StoredRow]] = defaultdict(list)
        for row in versions:
            per_province[row.province].append(row)
        current = [
            held
            for _, found in sorted(per_province.items())
            if (held := row_held_on(found, when.valid_on)) is not None
        ]
        validity: list[ProvinceValidity] = []
        if key.split("/", 1)[0] in (RecordKind.QUALIFICATION, RecordKind.GREEN_CERT):
            for held in current:
                cert = rows.certificate(held)
                validity.append(
                    ProvinceValidity(
                        Province(held.province),
                        held.revision,
                        validity_on(cert.record, when.valid_on),
                    )
                )
        return History(versions, current, validity, when)


def known(when: AsOf) -> dt.datetime | None:
    """The instant past whose changes a read must look back: None for the present."""
    return None if when.latest else when.known_at
