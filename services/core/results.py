"""Records of results: test reports' registrations (报告编号查询) and
laboratories' proficiency-testing results (能力验证)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field

from services.core.fields import (
    MAX_FIELDS,
    MAX_SCOPE_ITEMS,
    Code,
    DomainModel,
    OptionalText,
    RecordKind,
    RequiredDate,
    Text,
    Uscc,
    at_least_one,
    matching,
    record_key,
    unspecified_is_missing,
    zero_is_none,
)
from services.core.identifiers import check_cma_number
from services.core.provinces import CMA_ISSUERS, Province


class ReportItem(DomainModel):
    """A parameter a report gives a result for, tested to a standard (any year when None)."""

    parameter: Text
    standard_code: Text
    standard_year: Annotated[int | None, BeforeValidator(zero_is_none)] = Field(
        default=None, ge=1949, le=2100
    )


# A report number as printed: no "/" (it is part of the record key and of the
# verify URL) and no white space (Code removes it).
ReportNumber = Annotated[
    Code, matching(r"^[^/\\?#%]{1,64}$", "1 to 64 characters, none of / \\ ? # %")
]


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
        tuple[ReportItem, ...], BeforeValidator(at_least_one), Field(max_length=MAX_SCOPE_ITEMS)
    ]
    signatory: Text
    sample_category: OptionalText = ""
    document_sha256: Annotated[
        str,
        BeforeValidator(_lower_hex),
        matching(r"^([0-9a-f]{64})?$", "a SHA-256 in 64 hexadecimal digits, or empty"),
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

    round_id: Annotated[
        Code,
        matching(
            r"^[A-Z0-9][A-Z0-9._-]{0,63}$",
            "a letter or digit, then up to 63 letters, digits, '.', '_' or '-'",
        ),
    ]
    provider: Text
    cma_number: Annotated[Code, AfterValidator(check_cma_number)]
    institution_uscc: Uscc
    items: Annotated[
        tuple[ReportItem, ...], BeforeValidator(at_least_one), Field(max_length=MAX_FIELDS)
    ]
    outcome: Annotated[ProficiencyOutcome, BeforeValidator(unspecified_is_missing)]
    result_date: RequiredDate

    @property
    def key(self) -> str:
        return record_key(RecordKind.PROFICIENCY, self.cma_number, self.round_id)

    @property
    def issuing_province(self) -> Province | None:
        return TestReport.issuer_of(self.cma_number)
