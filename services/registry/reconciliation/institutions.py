"""Read use cases over reconciled data: one institution across provinces, conflicts,
and a record's history as of a record time and a valid time."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from services.core.conflicts import ConflictType
from services.core.credit import Listing, listings_on
from services.core.errors import InvalidRequest, Violation
from services.core.history import ValidityOnDay, in_force_on, latest, validity_on
from services.core.identifiers import check_uscc
from services.core.provenance import china_date, utcnow
from services.core.provinces import Province
from services.core.records import RecordKind
from services.registry.reconciliation import rows
from services.registry.reconciliation.conflict_store import ConflictStore, StoredConflict
from services.registry.records.store import Feed, RecordStore, StoredRow

MAX_PAGE = 1000
DEFAULT_PAGE = 100


def parse_uscc(value: str, field: str = "uscc") -> str:
    try:
        return check_uscc(value.strip())
    except ValueError as exc:
        raise InvalidRequest("malformed USCC", [Violation(field, str(exc))]) from None


def parse_day(value: str, field: str, default: dt.date) -> dt.date:
    """An ISO date, or `default` when empty."""
    text = value.strip()
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(
            "malformed date", [Violation(field, f"{text!r} is not a date YYYY-MM-DD")]
        ) from None


def parse_record_key(value: str, field: str = "record_key") -> str:
    key = value.strip()
    kind = key.split("/", 1)[0]
    if "/" not in key or kind not in {k.value for k in RecordKind}:
        raise InvalidRequest(
            "malformed record key",
            [Violation(field, "expected KIND/..., e.g. qualification/09/230912340001")],
        )
    return key


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
    credit_on: dt.date
    as_of: dt.datetime
    feeds: list[Feed]

    @property
    def found(self) -> bool:
        return bool(self.qualifications or self.green_certs or self.credit_events)


@dataclass(frozen=True, slots=True)
class ConflictPage:
    conflicts: list[StoredConflict]
    next_page_token: str
    as_of: dt.datetime


@dataclass(frozen=True, slots=True)
class ProvinceValidity:
    province: Province
    revision: int
    validity: ValidityOnDay


@dataclass(frozen=True, slots=True)
class History:
    versions: list[StoredRow]
    current: list[StoredRow]
    validity: list[ProvinceValidity]
    # The day effective statuses are derived on: recorded_as_of's, or today's.
    status_day: dt.date
    as_of: dt.datetime


def _names(records: Iterable[StoredRow]) -> list[NameClaim]:
    said: dict[str, list[StoredRow]] = defaultdict(list)
    for row in records:
        record = rows.record_pb(row)
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
    ) -> None:
        self._store = store
        self._conflicts = conflicts
        self._clock = clock

    def institution(self, uscc: str, credit_on: str = "") -> InstitutionView:
        """Every province's records about one institution, its names, the credit
        listings from any province as they stand on `credit_on`, and open conflicts."""
        compact = parse_uscc(uscc)
        now = self._clock()
        day = parse_day(credit_on, "credit_on", china_date(now))
        found = self._store.by_uscc(compact)
        by_kind: dict[str, list[StoredRow]] = defaultdict(list)
        for row in found:
            by_kind[row.kind].append(row)
        certificates = by_kind[RecordKind.QUALIFICATION] + by_kind[RecordKind.GREEN_CERT]
        credit = [rows.credit_fact(r) for r in by_kind[RecordKind.CREDIT_EVENT]]
        return InstitutionView(
            uscc=compact,
            names=_names(certificates),
            provinces=sorted({Province(r.province) for r in found}),
            qualifications=by_kind[RecordKind.QUALIFICATION],
            green_certs=by_kind[RecordKind.GREEN_CERT],
            credit_events=by_kind[RecordKind.CREDIT_EVENT],
            listings=listings_on(credit, day),
            conflicts=self._conflicts.find(uscc=compact, open_only=True, limit=MAX_PAGE),
            credit_on=day,
            as_of=now,
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
    ) -> ConflictPage:
        if page_size < 0 or page_size > MAX_PAGE:
            raise InvalidRequest(
                "bad page size", [Violation("page_size", f"between 0 and {MAX_PAGE}")]
            )
        after = 0
        if page_token:
            if not page_token.isdigit():
                raise InvalidRequest(
                    "bad page token", [Violation("page_token", "use a next_page_token")]
                )
            after = int(page_token)
        size = page_size or DEFAULT_PAGE
        found = self._conflicts.find(
            types=types,
            uscc=parse_uscc(uscc) if uscc.strip() else None,
            open_only=open_only,
            after_id=after,
            limit=size + 1,
        )
        more = len(found) > size
        page = found[:size]
        token = str(page[-1].conflict_id) if more and page else ""
        return ConflictPage(page, token, self._clock())

    def history(
        self, record_key: str, recorded_as_of: dt.datetime | None = None, valid_on: str = ""
    ) -> History:
        """Every version of a record, or those applied by `recorded_as_of` (what the
        hub knew then); with `valid_on`, whether each province's certificate held
        on that day."""
        key = parse_record_key(record_key)
        now = self._clock()
        versions = self._store.versions(key, recorded_as_of)
        per_province: dict[str, list[StoredRow]] = defaultdict(list)
        for row in versions:
            per_province[row.province].append(row)
        current = [
            newest
            for found in per_province.values()
            if (newest := latest(found, lambda r: r.revision)) is not None
        ]
        validity: list[ProvinceValidity] = []
        if valid_on.strip() and key.split("/", 1)[0] in (
            RecordKind.QUALIFICATION,
            RecordKind.GREEN_CERT,
        ):
            day = parse_day(valid_on, "valid_on", china_date(now))
            for province, found in sorted(per_province.items()):
                held = in_force_on(found, day, rows.source)
                if held is not None:
                    cert = rows.certificate(held)
                    validity.append(
                        ProvinceValidity(
                            Province(province), held.revision, validity_on(cert.record, day)
                        )
                    )
        elif valid_on.strip():
            parse_day(valid_on, "valid_on", china_date(now))
        status_day = china_date(recorded_as_of if recorded_as_of is not None else now)
        return History(versions, current, validity, status_day, now)
