"""What every record kind is made of: its kind and key, and the field types
whose validation the models share (text, codes, USCCs, dates, statuses)."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from services.core.codes import normalise_code
from services.core.errors import InvalidRequest, Violation, quoted
from services.core.identifiers import check_uscc
from services.core.status import PUBLISHABLE_STATUSES, CertificateStatus
from services.core.text import multi_line, single_line


class RecordKind(StrEnum):
    QUALIFICATION = "qualification"
    ASSESSOR = "assessor"
    GREEN_CERT = "green_cert"
    CREDIT_EVENT = "credit_event"
    REPORT = "report"
    PROFICIENCY = "proficiency"
    RISK_CLASSIFICATION = "risk_classification"
    OFFICER = "officer"
    INSPECTION_RESULT = "inspection_result"
    SIGNATORY_BAN = "signatory_ban"


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DAY_WORDS = "an ISO date YYYY-MM-DD"


def iso_day(text: str) -> dt.date:
    """A date the contracts write as YYYY-MM-DD, or ValueError: not the ISO
    forms Python also reads (20261201, 2026-W48-2), nor a number of seconds,
    which pydantic would take for a day."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"{ISO_DAY_WORDS}, not {quoted(text)}")
    return dt.date.fromisoformat(text)


def required_date(value: Any) -> Any:
    value = value.strip() if isinstance(value, str) else value
    if value == "" or value is None:
        raise ValueError(f"required: {ISO_DAY_WORDS}")
    return iso_day(value) if isinstance(value, str) else value


def optional_date(value: Any) -> Any:
    value = value.strip() if isinstance(value, str) else value
    if value == "":
        return None
    return iso_day(value) if isinstance(value, str) else value


def at_least_one(value: Any) -> Any:
    # Checked on the input, not after item validation: one bad item must not
    # also read as "the list is empty".
    if isinstance(value, list | tuple) and not value:
        raise ValueError("at least one item is required")
    return value


def publishable(value: CertificateStatus) -> CertificateStatus:
    if value not in PUBLISHABLE_STATUSES:
        raise ValueError(
            f"{value.value} is derived by the hub, not published; "
            "use VALID, SUSPENDED, REVOKED or CANCELLED"
        )
    return value


def zero_is_none(value: Any) -> Any:
    return None if value == 0 else value


def unspecified_is_missing(value: Any) -> Any:
    if value in ("", "UNSPECIFIED", None):
        raise ValueError("required")
    return value


# How many items a record's lists hold at most: beyond any real record (the
# largest CMA scopes run to a few thousand parameters), and with the encoded
# record's size, checked at publish time against what the topics take, they
# keep one record from being a burden to everyone who reads it.
MAX_SCOPE_ITEMS = 10_000
MAX_SIGNATORIES = 1_000
MAX_FIELDS = 100
MAX_HISTORY = 1_000

Text = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(single_line)]
# Free text beside a record or a request (a remark, a case reference, a reason).
MAX_FREE_TEXT = 2000
OptionalText = Annotated[str, Field(max_length=MAX_FREE_TEXT), AfterValidator(multi_line)]
Uscc = Annotated[str, AfterValidator(check_uscc)]
# Every date a record carries lies in this range: certificates, assessors'
# histories and credit listings of the People's Republic, with a century of
# validity ahead. Dates at the calendar's ends (0001-01-01, 9999-12-31) would
# pass a date parser and then overflow in the arithmetic of a check.
FIRST_DATE = dt.date(1949, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)


def plausible(value: dt.date | None) -> dt.date | None:
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{value} is outside {FIRST_DATE}..{LAST_DATE}")
    return value


RequiredDate = Annotated[dt.date, BeforeValidator(required_date), AfterValidator(plausible)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(optional_date), AfterValidator(plausible)]
PublishedStatus = Annotated[
    CertificateStatus, BeforeValidator(unspecified_is_missing), AfterValidator(publishable)
]
# What each pattern takes, in words: a refusal says this, not the regex
# (validation._violation reads it by the pattern the error names).
PATTERN_WORDS: dict[str, str] = {}


def matching(pattern: str, words: str) -> Any:
    """A pattern constraint (pydantic's Field), with the words a refusal gives for it."""
    PATTERN_WORDS[pattern] = words
    return Field(pattern=pattern)


FieldCode = Annotated[str, matching(r"^\d{2}$", "two digits (a CMA field code, e.g. 04)")]


def canonical_code(value: Any) -> Any:
    return normalise_code(value) if isinstance(value, str) else value


# Certificate numbers and label codes in the one canonical form (core.codes).
Code = Annotated[str, BeforeValidator(canonical_code), AfterValidator(single_line)]


def record_key(kind: RecordKind, *parts: str) -> str:
    """A record's key: its kind and the fields that name it, e.g.
    "qualification/09/230912000123" (the models' `key`, and what the registry
    expects of an event's record)."""
    return "/".join((kind.value, *parts))


_KEY_EXAMPLE = "e.g. qualification/09/230912340001"
# The parts that follow each kind in its key (as ingest.events.record_key_of
# makes them), each True where it is a code kept in canonical form
# (codes.normalise_code: CMA, certificate, report and round numbers, USCCs,
# province codes), False where it is compared as sent (pseudonyms, credit and
# ban references, draw ids). The last takes the rest: a credit reference, a
# green certificate number or a plan's draw id may hold "/" itself, even at
# its end.
_KEY_PARTS: dict[str, tuple[bool, ...]] = {
    RecordKind.QUALIFICATION.value: (True, True),
    RecordKind.ASSESSOR.value: (False,),
    RecordKind.GREEN_CERT.value: (True, True),
    RecordKind.CREDIT_EVENT.value: (True, False),
    RecordKind.REPORT.value: (True, True),
    RecordKind.PROFICIENCY.value: (True, True),
    RecordKind.RISK_CLASSIFICATION.value: (True,),
    RecordKind.OFFICER.value: (False,),
    RecordKind.INSPECTION_RESULT.value: (False, True),
    RecordKind.SIGNATORY_BAN.value: (True, False),
}


def parse_record_key(value: str, field: str = "record_key") -> str:
    """A record key a request names, as record_key makes them: a RecordKind
    and its parts, none empty, its codes in canonical form (a CMA number
    typed with full-width digits or a report number in lower case names the
    record as published); else InvalidRequest naming `field`. A key of that
    form that names no record is the caller's to answer as unknown:
    "qualification/" named no record either, but no record could have it."""
    key = value.strip()
    kind, _, rest = key.partition("/")
    if kind not in _KEY_PARTS:
        reason = (
            f"{quoted(kind)} is not a record kind ({', '.join(_KEY_PARTS)})"
            if rest
            else f"expected KIND/PART[/PART], {_KEY_EXAMPLE}"
        )
        raise InvalidRequest("malformed record key", [Violation(field, reason)])
    codes = _KEY_PARTS[kind]
    count = len(codes)
    parts = [
        normalise_code(p) if code else p
        for p, code in zip(rest.split("/", count - 1) if rest else [], codes, strict=False)
    ]
    if len(parts) < count or not all(part.strip() for part in parts):
        raise InvalidRequest(
            "malformed record key",
            [
                Violation(
                    field,
                    f"{kind} keys have {count} non-empty part{'s' if count > 1 else ''} "
                    f"after {kind}/, not {quoted(key)} ({_KEY_EXAMPLE})",
                )
            ],
        )
    return record_key(RecordKind(kind), *parts)


class DomainModel(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")


def not_before(earlier: str) -> classmethod[Any, Any, Any]:
    """A field validator refusing a date before the (already validated) `earlier` field."""

    def check(
        cls: type[DomainModel], value: dt.date | None, info: ValidationInfo
    ) -> dt.date | None:
        start = info.data.get(earlier)
        if value is not None and start is not None and value < start:
            raise ValueError(f"{info.field_name} ({value}) is before {earlier} ({start})")
        return value

    return classmethod(check)


TODAY = "today"
"""The validation context's key for the day in China a request is made on
(a booking's period may not start before it): the caller reads its clock and
passes the day in, `Model.model_validate(values, context={TODAY: day})`."""


def not_past(cls: type[DomainModel], value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """A field validator refusing a date before the context's TODAY; without
    one (a stored spec read back), any date."""
    today = (info.context or {}).get(TODAY)
    if value is not None and today is not None and value < today:
        raise ValueError(f"{value} is before today ({today})")
    return value
