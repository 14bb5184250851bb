"""What a random inspection found, as the province that carried it out
records it (一公开): the outcome, each finding with its corrective action
(整改), and the closing of the case."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from services.core.fields import (
    MAX_HISTORY,
    DomainModel,
    OptionalDate,
    OptionalText,
    RecordKind,
    RequiredDate,
    Text,
    Uscc,
    not_before,
    record_key,
    unspecified_is_missing,
)
from services.core.text import single_line


class InspectionOutcome(StrEnum):
    """The categories results are published under."""

    NO_PROBLEM = "NO_PROBLEM"  # 未发现问题
    CORRECTION_ORDERED = "CORRECTION_ORDERED"  # 发现问题已责令改正
    FURTHER_ACTION = "FURTHER_ACTION"  # 发现问题待后续处理
    NOT_OPERATING = "NOT_OPERATING"  # 未发现开展本次抽查涉及的经营活动
    REFUSED = "REFUSED"  # 不配合检查


class InspectionFinding(DomainModel):
    description: Text
    basis: OptionalText = ""
    corrective_action: OptionalText = ""
    due_date: OptionalDate = None
    corrected_date: OptionalDate = None


class InspectionResult(DomainModel):
    """One visit's result; a later revision (corrections, closing) replaces it."""

    plan_draw_id: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(single_line)]
    institution_uscc: Uscc
    inspection_date: RequiredDate
    outcome: Annotated[InspectionOutcome, BeforeValidator(unspecified_is_missing)]
    findings: Annotated[tuple[InspectionFinding, ...], Field(max_length=MAX_HISTORY)] = ()
    closed_date: OptionalDate = None
    summary: OptionalText = ""

    _closed_after_inspection = field_validator("closed_date")(not_before("inspection_date"))

    @field_validator("closed_date")
    @classmethod
    def _closed_when_all_corrected(
        cls, closed: dt.date | None, info: ValidationInfo
    ) -> dt.date | None:
        findings = info.data.get("findings", ())
        if closed is not None and any(f.corrected_date is None for f in findings):
            raise ValueError("a case closes once every finding's correction is verified")
        return closed

    @field_validator("findings")
    @classmethod
    def _findings_fit_the_outcome(
        cls, findings: tuple[InspectionFinding, ...], info: ValidationInfo
    ) -> tuple[InspectionFinding, ...]:
        outcome = info.data.get("outcome")
        if outcome is InspectionOutcome.CORRECTION_ORDERED and not findings:
            raise ValueError("a correction ordered names at least one finding")
        if outcome is InspectionOutcome.NO_PROBLEM and findings:
            raise ValueError("an inspection that found no problem lists no findings")
        return findings

    @property
    def open_findings(self) -> tuple[InspectionFinding, ...]:
        return tuple(f for f in self.findings if f.corrected_date is None)

    @property
    def key(self) -> str:
        return record_key(RecordKind.INSPECTION_RESULT, self.plan_draw_id, self.institution_uscc)
