"""The record kinds the provinces exchange, as validated domain models.

Models are immutable; constructing one validates it. Dates are ISO dates;
validity stays as dates, never as a rule (6 years, 5 years) baked in here.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from services.core.codes import normalise_code
from services.core.identifiers import check_cma_number, check_uscc
from services.core.provinces import CMA_ISSUERS, Province
from services.core.status import PUBLISHABLE_STATUSES, CertificateStatus
from services.core.text import multi_line, single_line


class RecordKind(StrEnum):
    QUALIFICATION = "qualification"
    ASSESSOR = "assessor"
    GREEN_CERT = "green_cert"
    CREDIT_EVENT = "credit_event"
    REPORT = "report"
    PROFICIENCY = "proficiency"


def _required_date(value: Any) -> Any:
    value = value.strip() if isinstance(value, str) else value
    if value == "" or value is None:
        raise ValueError("required: an ISO date YYYY-MM-DD")
    return value


def _optional_date(value: Any) -> Any:
    value = value.strip() if isinstance(value, str) else value
    return None if value == "" else value


def _at_least_one(value: Any) -> Any:
    # Checked on the input, not after item validation: one bad item must not
    # also read as "the list is empty".
    if isinstance(value, list | tuple) and not value:
        raise ValueError("at least one item is required")
    return value


def _publishable(value: CertificateStatus) -> CertificateStatus:
    if value not in PUBLISHABLE_STATUSES:
        raise ValueError(
            f"{value.value} is derived by the hub, not published; "
            "use VALID, SUSPENDED, REVOKED or CANCELLED"
        )
    return value


def _zero_is_none(value: Any) -> Any:
    return None if value == 0 else value


def _unspecified_is_missing(value: Any) -> Any:
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
OptionalText = Annotated[str, Field(max_length=2000), AfterValidator(multi_line)]
Uscc = Annotated[str, AfterValidator(check_uscc)]
# Every date a record carries lies in this range: certificates, assessors'
# histories and credit listings of the People's Republic, with a century of
# validity ahead. Dates at the calendar's ends (0001-01-01, 9999-12-31) would
# pass a date parser and then overflow in the arithmetic of a check.
FIRST_DATE = dt.date(1949, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)


def _plausible(value: dt.date | None) -> dt.date | None:
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{value} is outside {FIRST_DATE}..{LAST_DATE}")
    return value


RequiredDate = Annotated[dt.date, BeforeValidator(_required_date), AfterValidator(_plausible)]
OptionalDate = Annotated[
    dt.date | None, BeforeValidator(_optional_date), AfterValidator(_plausible)
]
PublishedStatus = Annotated[
    CertificateStatus, BeforeValidator(_unspecified_is_missing), AfterValidator(_publishable)
]
FieldCode = Annotated[str, Field(pattern=r"^\d{2}$")]


def _canonical_code(value: Any) -> Any:
    return normalise_code(value) if isinstance(value, str) else value


# Certificate numbers and label codes in the one canonical form (core.codes).
Code = Annotated[str, BeforeValidator(_canonical_code), AfterValidator(single_line)]


def record_key(kind: RecordKind, *parts: str) -> str:
    """A record's key: its kind and the fields that name it, e.g.
    "qualification/09/230912000123" (the models' `key`, and what the registry
    expects of an event's record)."""
    return "/".join((kind.value, *parts))


class DomainModel(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")


def _not_before(earlier: str) -> classmethod[Any, Any, Any]:
    """A field validator refusing a date before the (already validated) `earlier` field."""

    def check(
        cls: type[DomainModel], value: dt.date | None, info: ValidationInfo
    ) -> dt.date | None:
        start = info.data.get(earlier)
        if value is not None and start is not None and value < start:
            raise ValueError(f"{info.field_name} ({value}) is before {earlier} ({start})")
        return value

    return classmethod(check)


def _optional_cma_number(value: str) -> str:
    return check_cma_number(value) if value else value


def _renewal_of(replaced: str, number: str | None, issuer: str | None) -> str:
    """A renewal names another certificate; a CMA's, of the same issuer."""
    if replaced and replaced == number:
        raise ValueError("a certificate does not replace itself")
    if replaced and issuer is not None and replaced[2:4] != issuer:
        raise ValueError(
            f"digits 3-4 ({replaced[2:4]}) name another issuer than this certificate's ({issuer})"
        )
    return replaced


class _Validity(DomainModel):
    valid_from: RequiredDate
    valid_until: RequiredDate

    _until_after_from = field_validator("valid_until")(_not_before("valid_from"))


class ScopeItem(DomainModel):
    parameter: Text
    standard_code: Text
    standard_year: int = Field(ge=1949, le=2100)
    limits: OptionalText = ""
    exclusions: OptionalText = ""


class Signatory(DomainModel):
    name: Text
    fields: Annotated[
        tuple[
            Annotated[str, Field(min_length=1, max_length=100), AfterValidator(single_line)], ...
        ],
        Field(max_length=MAX_FIELDS),
    ] = ()


class Qualification(_Validity):
    issuer: Annotated[str, BeforeValidator(_unspecified_is_missing)]
    number: Annotated[Code, AfterValidator(check_cma_number)]
    institution_uscc: Uscc
    institution_name: Text
    address: Text
    legal_nature: OptionalText = ""
    status: PublishedStatus
    original_status: OptionalText = ""
    scope: Annotated[
        tuple[ScopeItem, ...], BeforeValidator(_at_least_one), Field(max_length=MAX_SCOPE_ITEMS)
    ]
    signatories: Annotated[tuple[Signatory, ...], Field(max_length=MAX_SIGNATORIES)] = ()
    # The day the status took effect (None: the day the exchange accepted it).
    status_effective_date: OptionalDate = None
    # A renewal (延续): the number of the certificate it replaces.
    replaces: Annotated[Code, AfterValidator(_optional_cma_number)] = ""

    @field_validator("issuer")
    @classmethod
    def _known_issuer(cls, issuer: str) -> str:
        if issuer not in CMA_ISSUERS:
            raise ValueError(
                f"{issuer!r} is not a CMA issuer code (one of {', '.join(sorted(CMA_ISSUERS))})"
            )
        return issuer

    @field_validator("number")
    @classmethod
    def _number_names_issuer(cls, number: str, info: ValidationInfo) -> str:
        issuer = info.data.get("issuer")
        if issuer is not None and number[2:4] != issuer:
            raise ValueError(f"digits 3-4 ({number[2:4]}) do not match the issuer ({issuer})")
        return number

    @field_validator("replaces")
    @classmethod
    def _replaces_another_of_the_issuer(cls, replaced: str, info: ValidationInfo) -> str:
        return _renewal_of(replaced, info.data.get("number"), info.data.get("issuer"))

    @property
    def key(self) -> str:
        return record_key(RecordKind.QUALIFICATION, self.issuer, self.number)

    @property
    def issuing_province(self) -> Province | None:
        """None for the national authority."""
        return CMA_ISSUERS[self.issuer]


class AssessorLevel(StrEnum):
    TEAM_LEADER = "TEAM_LEADER"
    ASSESSOR = "ASSESSOR"
    TECHNICAL_EXPERT = "TECHNICAL_EXPERT"


class AssessorStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    REINSTATED = "REINSTATED"
    REVOKED = "REVOKED"


class AffiliationRelation(StrEnum):
    EMPLOYED = "EMPLOYED"
    CONSULTED = "CONSULTED"


class DateRange(DomainModel):
    """Whole days, both ends included."""

    start_date: RequiredDate
    end_date: RequiredDate

    _end_after_start = field_validator("end_date")(_not_before("start_date"))


class Affiliation(DomainModel):
    """An assessor's tie to an organization; end_date None while it lasts."""

    organization_uscc: Uscc
    relation: Annotated[AffiliationRelation, BeforeValidator(_unspecified_is_missing)]
    start_date: RequiredDate
    end_date: OptionalDate = None

    _end_after_start = field_validator("end_date")(_not_before("start_date"))


class PastAssignment(DomainModel):
    """A review or inspection made outside the hub."""

    institution_uscc: Uscc
    start_date: RequiredDate
    end_date: RequiredDate
    reference: OptionalText = ""

    _end_after_start = field_validator("end_date")(_not_before("start_date"))


class Assessor(DomainModel):
    """An assessor as every province may see them: pseudonymous, no personal data."""

    assessor_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
    home_province: Annotated[Province, BeforeValidator(_unspecified_is_missing)]
    employer_uscc: Uscc
    level: Annotated[AssessorLevel, BeforeValidator(_unspecified_is_missing)]
    fields: Annotated[
        tuple[FieldCode, ...], BeforeValidator(_at_least_one), Field(max_length=MAX_FIELDS)
    ]
    status: Annotated[AssessorStatus, BeforeValidator(_unspecified_is_missing)]
    original_status: OptionalText = ""
    status_reason: OptionalText = ""
    available: bool = True
    affiliations: Annotated[tuple[Affiliation, ...], Field(max_length=MAX_HISTORY)] = ()
    unavailable: Annotated[tuple[DateRange, ...], Field(max_length=MAX_HISTORY)] = ()
    assignment_history: Annotated[tuple[PastAssignment, ...], Field(max_length=MAX_HISTORY)] = ()
    status_since: OptionalDate = None

    @property
    def key(self) -> str:
        return record_key(RecordKind.ASSESSOR, self.assessor_id)


_ASSESSOR_KEY_PREFIX = record_key(RecordKind.ASSESSOR, "")


def assessor_id_of(record_key: str) -> str:
    """The assessor id in an assessor's record key; empty for other records."""
    if record_key.startswith(_ASSESSOR_KEY_PREFIX):
        return record_key.removeprefix(_ASSESSOR_KEY_PREFIX)
    return ""


class GreenCertification(_Validity):
    body_code: Annotated[Code, Field(pattern=r"^[A-Z0-9-]{2,32}$")]
    certificate_number: Annotated[Code, Field(min_length=4, max_length=64)]
    label_code: Annotated[Code, Field(pattern=r"^[A-Z0-9-]{6,64}$")]
    enterprise_uscc: Uscc
    enterprise_name: Text
    product: Text
    model: Text
    category: Text
    evaluation_standard: Text
    status: PublishedStatus
    original_status: OptionalText = ""
    certification_mode: OptionalText = ""
    laboratory: OptionalText = ""
    status_effective_date: OptionalDate = None
    replaces: Annotated[Code, Field(max_length=64)] = ""

    @field_validator("replaces")
    @classmethod
    def _replaces_another(cls, replaced: str, info: ValidationInfo) -> str:
        return _renewal_of(replaced, info.data.get("certificate_number"), None)

    @property
    def key(self) -> str:
        return record_key(RecordKind.GREEN_CERT, self.body_code, self.certificate_number)


class CreditListType(StrEnum):
    ABNORMAL_OPERATIONS = "ABNORMAL_OPERATIONS"
    SERIOUS_VIOLATION = "SERIOUS_VIOLATION"


class CreditAction(StrEnum):
    LISTED = "LISTED"
    REMOVED = "REMOVED"
    REPAIRED = "REPAIRED"


class CreditEvent(DomainModel):
    reference: Annotated[str, Field(min_length=1, max_length=128), AfterValidator(single_line)]
    uscc: Uscc
    list_type: Annotated[CreditListType, BeforeValidator(_unspecified_is_missing)]
    action: Annotated[CreditAction, BeforeValidator(_unspecified_is_missing)]
    reason: Text
    effective_from: RequiredDate
    effective_until: OptionalDate = None
    listing_province: Annotated[Province, BeforeValidator(_unspecified_is_missing)]
    # A removal or repair: the reference of the listing it lifts.
    lifts_reference: Annotated[str, Field(max_length=128), AfterValidator(single_line)] = ""

    _until_after_from = field_validator("effective_until")(_not_before("effective_from"))

    @field_validator("lifts_reference")
    @classmethod
    def _names_the_listing_lifted(cls, lifted: str, info: ValidationInfo) -> str:
        action = info.data.get("action")
        if action is CreditAction.LISTED and lifted:
            raise ValueError("a listing lifts nothing: leave it empty")
        if action in (CreditAction.REMOVED, CreditAction.REPAIRED) and not lifted:
            raise ValueError(
                "required for a removal or repair: the reference of the listing it lifts"
            )
        if lifted and lifted == info.data.get("reference"):
            raise ValueError("an event does not lift itself")
        return lifted

    @property
    def key(self) -> str:
        return record_key(RecordKind.CREDIT_EVENT, self.listing_province.value, self.reference)


class ReportItem(DomainModel):
    """A parameter a report gives a result for, tested to a standard (any year when None)."""

    parameter: Text
    standard_code: Text
    standard_year: Annotated[int | None, BeforeValidator(_zero_is_none)] = Field(
        default=None, ge=1949, le=2100
    )


# A report number as printed: no "/" (it is part of the record key and of the
# verify URL) and no white space (Code removes it).
ReportNumber = Annotated[Code, Field(pattern=r"^[^/\\?#%]{1,64}$")]


def _lower_hex(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class TestReport(DomainModel):
    """A test report's registration: what it relies on, checked against its
    laboratory's qualification on the day it was issued."""

    # Not a test class, whatever its name says to pytest.
    __test__: ClassVar[bool] = False

    report_number: ReportNumber
    cma_number: Annotated[Code, AfterValidator(check_cma_number)]
    institution_uscc: Uscc
    issue_date: RequiredDate
    items: Annotated[
        tuple[ReportItem, ...], BeforeValidator(_at_least_one), Field(max_length=MAX_SCOPE_ITEMS)
    ]
    signatory: Text
    sample_category: OptionalText = ""
    document_sha256: Annotated[
        str, BeforeValidator(_lower_hex), Field(pattern=r"^([0-9a-f]{64})?$")
    ] = ""

    @property
    def key(self) -> str:
        return report_key(self.cma_number, self.report_number)

    @property
    def issuing_province(self) -> Province | None:
        """The province whose authority issued the laboratory's CMA; None for the national one."""
        return self.issuer_of(self.cma_number)

    @staticmethod
    def issuer_of(cma_number: str) -> Province | None:
        return CMA_ISSUERS.get(cma_number[2:4])

    @property
    def qualification_key(self) -> str:
        """The key of the laboratory's qualification the report names."""
        return record_key(RecordKind.QUALIFICATION, self.cma_number[2:4], self.cma_number)


def report_key(cma_number: str, report_number: str) -> str:
    """A report's key: its laboratory's CMA number and its own number (report
    numbers are the laboratory's, so two laboratories may use the same one)."""
    return record_key(RecordKind.REPORT, cma_number, report_number)


class ProficiencyOutcome(StrEnum):
    SATISFACTORY = "SATISFACTORY"
    QUESTIONABLE = "QUESTIONABLE"
    UNSATISFACTORY = "UNSATISFACTORY"


class ProficiencyResult(DomainModel):
    """A laboratory's result in a proficiency-testing round (能力验证)."""

    round_id: Annotated[Code, Field(pattern=r"^[A-Z0-9][A-Z0-9._-]{0,63}$")]
    provider: Text
    cma_number: Annotated[Code, AfterValidator(check_cma_number)]
    institution_uscc: Uscc
    items: Annotated[
        tuple[ReportItem, ...], BeforeValidator(_at_least_one), Field(max_length=MAX_FIELDS)
    ]
    outcome: Annotated[ProficiencyOutcome, BeforeValidator(_unspecified_is_missing)]
    result_date: RequiredDate

    @property
    def key(self) -> str:
        return record_key(RecordKind.PROFICIENCY, self.cma_number, self.round_id)

    @property
    def issuing_province(self) -> Province | None:
        return TestReport.issuer_of(self.cma_number)


Record = (
    Qualification | Assessor | GreenCertification | CreditEvent | TestReport | ProficiencyResult
)

MODEL_OF_KIND: dict[RecordKind, type[Record]] = {
    RecordKind.QUALIFICATION: Qualification,
    RecordKind.ASSESSOR: Assessor,
    RecordKind.GREEN_CERT: GreenCertification,
    RecordKind.CREDIT_EVENT: CreditEvent,
    RecordKind.REPORT: TestReport,
    RecordKind.PROFICIENCY: ProficiencyResult,
}

KIND_OF_MODEL: dict[type[Record], RecordKind] = {v: k for k, v in MODEL_OF_KIND.items()}


def kind_of(record: Record) -> RecordKind:
    return KIND_OF_MODEL[type(record)]
