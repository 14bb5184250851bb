"""What a random inspection found, as the province that carried it out
records it (一公开): the outcome, each finding with its corrective action
(整改), and the closing of the case; and when a planned visit's result is
due and how its publication stands (visit_result).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
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
from services.core.workdays import add_working_days


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


class ResultStanding(StrEnum):
    """Where a planned visit's published result stands on a day."""

    PENDING = "PENDING"  # not published, and not yet due (or the visit is ahead)
    PUBLISHED = "PUBLISHED"  # published by the due date
    PUBLISHED_LATE = "PUBLISHED_LATE"  # published after the due date
    OVERDUE = "OVERDUE"  # past the due date and not published


@dataclass(frozen=True, slots=True)
class ResultVersion:
    """One revision of a visit's result as its province published it: the day
    (in China) its exchange accepted that revision."""

    revision: int
    accepted_on: dt.date
    result: InspectionResult


@dataclass(frozen=True, slots=True)
class VisitResult:
    """A planned visit's result on a day: the one published (its latest
    revision by then, and the day its first revision was published), the day
    it is due and how it stands."""

    due_date: dt.date
    standing: ResultStanding
    result: InspectionResult | None = None
    published_on: dt.date | None = None


def result_due_date(visit_day: dt.date, within_working_days: int) -> dt.date:
    """The last day a visit's result may be published: the visit day plus
    `within_working_days` working days (statutory holidays off, adjusted
    working days on: core.workdays). Counted from the planned day: the plan
    is the public commitment, and a visit held later does not move it."""
    return add_working_days(visit_day, within_working_days)


def visit_result(
    visit_day: dt.date,
    within_working_days: int,
    versions: Iterable[ResultVersion],
    on: dt.date,
) -> VisitResult:
    """How a visit's result stands on `on`, from the revisions its province
    published (only those accepted by `on` count). Published on time when its
    first revision was accepted on or before the due date; later revisions
    (corrections verified, the case closed) change what it says, not when it
    was published."""
    due = result_due_date(visit_day, within_working_days)
    held = published(versions, on)
    if held is None:
        return VisitResult(due, ResultStanding.OVERDUE if on > due else ResultStanding.PENDING)
    result, published_on = held
    standing = ResultStanding.PUBLISHED if published_on <= due else ResultStanding.PUBLISHED_LATE
    return VisitResult(due, standing, result, published_on)


def published(
    versions: Iterable[ResultVersion], on: dt.date
) -> tuple[InspectionResult, dt.date] | None:
    """A result as published by `on`: its latest revision accepted by then,
    and the day its first revision was; None: not published by then."""
    known = [v for v in versions if v.accepted_on <= on]
    if not known:
        return None
    return max(known, key=lambda v: v.revision).result, min(v.accepted_on for v in known)
