"""Risk classes A-D of laboratories for random inspections, and the record in
which a province publishes one (分级分类监管)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator

from services.core.fields import (
    DomainModel,
    OptionalText,
    RecordKind,
    RequiredDate,
    Uscc,
    record_key,
    unspecified_is_missing,
)


class CreditClass(StrEnum):
    """A (lowest risk) to D (highest)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class RiskClassification(DomainModel):
    """A laboratory's risk class as the province that qualifies it publishes it."""

    institution_uscc: Uscc
    risk_class: Annotated[CreditClass, BeforeValidator(unspecified_is_missing)]
    effective_from: RequiredDate
    basis: OptionalText = ""

    @property
    def key(self) -> str:
        return record_key(RecordKind.RISK_CLASSIFICATION, self.institution_uscc)
