"""The record kinds the provinces exchange, as validated domain models.

Models are immutable; constructing one validates it. Dates are ISO dates;
validity stays as dates, never as a rule (6 years, 5 years) baked in here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from services.core.fields import (
    MAX_FIELDS,
    MAX_HISTORY,
    MAX_SIGNATORIES,
    Code,
    FieldCode,
    OptionalDate,
    OptionalText,
    PublishedStatus,
    RequiredDate,
    Text,
    Uscc,
    at_least_one,
    matching,
    not_before,
    unspecified_is_missing,
)
from services.core.fields import MAX_SCOPE_ITEMS as MAX_SCOPE_ITEMS
from services.core.fields import DomainModel as DomainModel
from services.core.fields import RecordKind as RecordKind
from services.core.fields import record_key as record_key
from services.core.identifiers import check_cma_number, check_uscc
from services.core.inspection_results import InspectionResult
from services.core.label_format import check_body_approval_number
from services.core.provinces import CMA_ISSUERS, Province
from services.core.results import ProficiencyResult, TestReport
from services.core.risk import RiskClassification
from services.core.text import single_line


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

    _until_after_from = field_validator("valid_until")(not_before("valid_from"))


def _optional_uscc(value: str) -> str:
    return check_uscc(value) if value else value


# The years a standard's edition may have (the People's Republic's standards on).
FIRST_STANDARD_YEAR, LAST_STANDARD_YEAR = 1949, 2100
# A standard cited with its year ("GB 5009.12-2017", "ISO/IEC 17025:2017"),
# which the contract asks in standard_year.
_CITED_YEAR = re.compile(r"^(?P<code>.*\S)\s*[-－—:：]\s*(?P<year>(19|20)\d\d)$")


def cited_year(standard_code: str) -> tuple[str, str] | None:
    """A standard's code and the year cited in it, when it carries one."""
    cited = _CITED_YEAR.match(standard_code.strip())
    return None if cited is None else (cited["code"], cited["year"])


class ScopeItem(DomainModel):
    parameter: Text
    standard_code: Text
    standard_year: int = Field(ge=FIRST_STANDARD_YEAR, le=LAST_STANDARD_YEAR)
    limits: OptionalText = ""
    exclusions: OptionalText = ""
    # The CMA field the item belongs to; empty: the certificate's own.
    field: Annotated[
        str, matching(r"^(\d{2})?$", "two digits (a CMA field code, e.g. 04), or empty")
    ] = ""


def capability_fields(number: str, item_fields: Iterable[str]) -> frozenset[str]:
    """The CMA fields a qualification covers: its number's (digits 5-6) and
    every field its scope items name (`item_fields`, each item's `field`)."""
    return frozenset({number[4:6], *(f for f in item_fields if f)})


# A person's pseudonym, derived by the hub from an identity number: one per
# person across the region, whether assessor, officer or signatory.
PersonId = Annotated[
    str,
    matching(r"^[A-Za-z0-9_-]{8,64}$", "an id the hub gave: 8 to 64 letters, digits, '_' or '-'"),
]


class Signatory(DomainModel):
    name: Text
    fields: Annotated[
        tuple[
            Annotated[str, Field(min_length=1, max_length=100), AfterValidator(single_line)], ...
        ],
        Field(max_length=MAX_FIELDS),
    ] = ()
    # Empty for a signatory known by name only (one pattern, not a union: a
    # qualification lists up to 1,000 signatories).
    person_id: Annotated[
        str,
        matching(
            r"^(?:[A-Za-z0-9_-]{8,64})?$",
            "an id the hub gave (8 to 64 letters, digits, '_' or '-'), or empty",
        ),
    ] = ""


class Qualification(_Validity):
    issuer: Annotated[str, BeforeValidator(unspecified_is_missing)]
    number: Annotated[Code, AfterValidator(check_cma_number)]
    institution_uscc: Uscc
    institution_name: Text
    address: Text
    legal_nature: OptionalText = ""
    status: PublishedStatus
    original_status: OptionalText = ""
    scope: Annotated[
        tuple[ScopeItem, ...], BeforeValidator(at_least_one), Field(max_length=MAX_SCOPE_ITEMS)
    ]
    signatories: Annotated[tuple[Signatory, ...], Field(max_length=MAX_SIGNATORIES)] = ()
    # The day the status took effect (None: the day the exchange accepted it).
    status_effective_date: OptionalDate = None
    # A renewal (延续): the number of the certificate it replaces.
    replaces: Annotated[Code, AfterValidator(_optional_cma_number)] = ""
    # A branch or subsidiary: the USCC of the entity it belongs to.
    parent_uscc: Annotated[str, AfterValidator(_optional_uscc)] = ""

    @field_validator("parent_uscc")
    @classmethod
    def _not_its_own_parent(cls, parent: str, info: ValidationInfo) -> str:
        if parent and parent == info.data.get("institution_uscc"):
            raise ValueError("an institution is not its own parent: leave it empty")
        return parent

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
    # Declared by the person: a close relative there, or shares in it.
    KINSHIP = "KINSHIP"
    SHAREHOLDING = "SHAREHOLDING"


class DateRange(DomainModel):
    """Whole days, both ends included."""

    start_date: RequiredDate
    end_date: RequiredDate

    _end_after_start = field_validator("end_date")(not_before("start_date"))


class Affiliation(DomainModel):
    """An assessor's tie to an organization; end_date None while it lasts."""

    organization_uscc: Uscc
    relation: Annotated[AffiliationRelation, BeforeValidator(unspecified_is_missing)]
    start_date: RequiredDate
    end_date: OptionalDate = None

    _end_after_start = field_validator("end_date")(not_before("start_date"))


class PastAssignment(DomainModel):
    """A review or inspection made outside the hub."""

    institution_uscc: Uscc
    start_date: RequiredDate
    end_date: RequiredDate
    reference: OptionalText = ""

    _end_after_start = field_validator("end_date")(not_before("start_date"))


class Assessor(DomainModel):
    """An assessor as every province may see them: pseudonymous, no personal data."""

    assessor_id: PersonId
    home_province: Annotated[Province, BeforeValidator(unspecified_is_missing)]
    employer_uscc: Uscc
    level: Annotated[AssessorLevel, BeforeValidator(unspecified_is_missing)]
    fields: Annotated[
        tuple[FieldCode, ...], BeforeValidator(at_least_one), Field(max_length=MAX_FIELDS)
    ]
    status: Annotated[AssessorStatus, BeforeValidator(unspecified_is_missing)]
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


_PERSON_KEY_PREFIXES = (record_key(RecordKind.ASSESSOR, ""), record_key(RecordKind.OFFICER, ""))


def pseudonym_of(record_key: str) -> str:
    """The person's pseudonym in an assessor's or an officer's record key
    (`assessor_id`, `officer_id`); empty for other records."""
    for prefix in _PERSON_KEY_PREFIXES:
        if record_key.startswith(prefix):
            return record_key.removeprefix(prefix)
    return ""


class EnforcementOfficer(DomainModel):
    """An officer in a province's directory (执法检查人员名录库), pseudonymous."""

    officer_id: PersonId
    home_province: Annotated[Province, BeforeValidator(unspecified_is_missing)]
    authority: Text
    certificate_number: Annotated[
        str, Field(min_length=1, max_length=64), AfterValidator(single_line)
    ]
    certificate_valid_from: RequiredDate
    certificate_valid_until: RequiredDate
    status: Annotated[AssessorStatus, BeforeValidator(unspecified_is_missing)]
    status_reason: OptionalText = ""
    status_since: OptionalDate = None
    affiliations: Annotated[tuple[Affiliation, ...], Field(max_length=MAX_HISTORY)] = ()
    unavailable: Annotated[tuple[DateRange, ...], Field(max_length=MAX_HISTORY)] = ()

    _valid_until_after_from = field_validator("certificate_valid_until")(
        not_before("certificate_valid_from")
    )

    @property
    def key(self) -> str:
        return record_key(RecordKind.OFFICER, self.officer_id)


class GreenCertification(_Validity):
    # The body's approval number: it is the authority for the certificate.
    body_code: Annotated[Code, AfterValidator(check_body_approval_number)]
    body_name: Text
    certificate_number: Annotated[Code, Field(min_length=4, max_length=64)]
    label_code: Annotated[
        Code,
        matching(r"^[A-Z0-9-]{6,64}$", "6 to 64 letters, digits or '-' once spaces are removed"),
    ]
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
    list_type: Annotated[CreditListType, BeforeValidator(unspecified_is_missing)]
    action: Annotated[CreditAction, BeforeValidator(unspecified_is_missing)]
    reason: Text
    effective_from: RequiredDate
    effective_until: OptionalDate = None
    listing_province: Annotated[Province, BeforeValidator(unspecified_is_missing)]
    # A removal or repair: the reference of the listing it lifts.
    lifts_reference: Annotated[str, Field(max_length=128), AfterValidator(single_line)] = ""

    _until_after_from = field_validator("effective_until")(not_before("effective_from"))

    @field_validator("lifts_reference")
    @classmethod
    def _names_the_listing_lifted(cls, lifted: str, info: ValidationInfo) -> str:
        return _lifts(info.data.get("action"), lifted, info.data.get("reference"))

    @property
    def key(self) -> str:
        return record_key(RecordKind.CREDIT_EVENT, self.listing_province.value, self.reference)


def _lifts(action: CreditAction | None, lifted: str, reference: str | None) -> str:
    """A listing lifts nothing; a removal or repair names the listing it lifts."""
    if action is CreditAction.LISTED and lifted:
        raise ValueError("a listing lifts nothing: leave it empty")
    if action in (CreditAction.REMOVED, CreditAction.REPAIRED) and not lifted:
        raise ValueError("required for a removal or repair: the reference of the listing it lifts")
    if lifted and lifted == reference:
        raise ValueError("an event does not lift itself")
    return lifted


class SignatoryBan(DomainModel):
    """A ban on a signatory (谁签字谁担责), or its removal: in force in every
    province from effective_from."""

    reference: Annotated[str, Field(min_length=1, max_length=128), AfterValidator(single_line)]
    person_id: PersonId
    institution_uscc: Uscc
    reason: Text
    effective_from: RequiredDate
    effective_until: OptionalDate = None
    action: Annotated[CreditAction, BeforeValidator(unspecified_is_missing)]
    lifts_reference: Annotated[str, Field(max_length=128), AfterValidator(single_line)] = ""
    listing_province: Annotated[Province, BeforeValidator(unspecified_is_missing)]

    _until_after_from = field_validator("effective_until")(not_before("effective_from"))

    @field_validator("action")
    @classmethod
    def _not_a_repair(cls, action: CreditAction) -> CreditAction:
        if action is CreditAction.REPAIRED:
            raise ValueError("a ban is LISTED or REMOVED")
        return action

    @field_validator("lifts_reference")
    @classmethod
    def _names_the_ban_lifted(cls, lifted: str, info: ValidationInfo) -> str:
        return _lifts(info.data.get("action"), lifted, info.data.get("reference"))

    @property
    def key(self) -> str:
        return record_key(RecordKind.SIGNATORY_BAN, self.listing_province.value, self.reference)


Record = (
    Qualification
    | Assessor
    | GreenCertification
    | CreditEvent
    | TestReport
    | ProficiencyResult
    | RiskClassification
    | EnforcementOfficer
    | InspectionResult
    | SignatoryBan
)

MODEL_OF_KIND: dict[RecordKind, type[Record]] = {
    RecordKind.QUALIFICATION: Qualification,
    RecordKind.ASSESSOR: Assessor,
    RecordKind.GREEN_CERT: GreenCertification,
    RecordKind.CREDIT_EVENT: CreditEvent,
    RecordKind.REPORT: TestReport,
    RecordKind.PROFICIENCY: ProficiencyResult,
    RecordKind.RISK_CLASSIFICATION: RiskClassification,
    RecordKind.OFFICER: EnforcementOfficer,
    RecordKind.INSPECTION_RESULT: InspectionResult,
    RecordKind.SIGNATORY_BAN: SignatoryBan,
}

KIND_OF_MODEL: dict[type[Record], RecordKind] = {v: k for k, v in MODEL_OF_KIND.items()}


def kind_of(record: Record) -> RecordKind:
    return KIND_OF_MODEL[type(record)]
