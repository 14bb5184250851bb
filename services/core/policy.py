"""The recognition policy: which findings block recognition, which make it conditional.

The policy is data, not code: a versioned TOML file (see
services/registry/policy/recognition-v1.toml) parsed here into an immutable
model. Every decision names the policy version and the digest of the file it
used, so a decision can be checked against the exact rules that made it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.core.conflicts import ConflictType
from services.core.provinces import Province
from services.core.records import CreditListType
from services.core.results import ProficiencyOutcome
from services.core.status import CertificateStatus


class Outcome(StrEnum):
    RECOGNIZED = "RECOGNIZED"
    CONDITIONAL = "CONDITIONAL"
    NOT_RECOGNIZED = "NOT_RECOGNIZED"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Outcome.RECOGNIZED: 0, Outcome.CONDITIONAL: 1, Outcome.NOT_RECOGNIZED: 2}

Finding = Literal[Outcome.CONDITIONAL, Outcome.NOT_RECOGNIZED]


class PolicyError(ValueError):
    """The policy file is not a valid policy; the message says where."""


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _disjoint(blocking: frozenset[Any], conditional: frozenset[Any], what: str) -> None:
    both = blocking & conditional
    if both:
        raise ValueError(f"{what} both blocking and conditional: {sorted(map(str, both))}")


class StatusRules(_Part):
    blocking: frozenset[CertificateStatus] = frozenset(
        {CertificateStatus.REVOKED, CertificateStatus.CANCELLED, CertificateStatus.EXPIRED}
    )
    conditional: frozenset[CertificateStatus] = frozenset({CertificateStatus.SUSPENDED})

    @model_validator(mode="after")
    def _check(self) -> StatusRules:
        _disjoint(self.blocking, self.conditional, "statuses")
        if CertificateStatus.VALID in self.blocking | self.conditional:
            raise ValueError("VALID cannot block recognition")
        return self

    def effect(self, status: CertificateStatus) -> Outcome:
        if status in self.blocking:
            return Outcome.NOT_RECOGNIZED
        if status in self.conditional:
            return Outcome.CONDITIONAL
        return Outcome.RECOGNIZED


class ListLifecycle(_Part):
    """How long a listing with no end date is published, and how soon after
    it was listed a repair (信用修复) may lift it; 0: no bound."""

    publication_years: int = Field(default=0, ge=0, le=50)
    earliest_repair_years: int = Field(default=0, ge=0, le=50)


class CreditRules(_Part):
    blocking_lists: frozenset[CreditListType] = frozenset({CreditListType.SERIOUS_VIOLATION})
    conditional_lists: frozenset[CreditListType] = frozenset({CreditListType.ABNORMAL_OPERATIONS})
    # 严重违法失信名单: published for three years; repaired no earlier than one
    # year after listing.
    serious_violation: ListLifecycle = ListLifecycle(publication_years=3, earliest_repair_years=1)
    abnormal_operations: ListLifecycle = ListLifecycle()

    def lifecycle(self, list_type: CreditListType) -> ListLifecycle:
        if list_type is CreditListType.SERIOUS_VIOLATION:
            return self.serious_violation
        return self.abnormal_operations

    @model_validator(mode="after")
    def _check(self) -> CreditRules:
        _disjoint(self.blocking_lists, self.conditional_lists, "credit lists")
        return self

    def effect(self, list_type: CreditListType) -> Outcome:
        if list_type in self.blocking_lists:
            return Outcome.NOT_RECOGNIZED
        if list_type in self.conditional_lists:
            return Outcome.CONDITIONAL
        return Outcome.RECOGNIZED


class ConflictRules(_Part):
    blocking: frozenset[ConflictType] = frozenset()
    conditional: frozenset[ConflictType] = frozenset(ConflictType)

    @model_validator(mode="after")
    def _check(self) -> ConflictRules:
        _disjoint(self.blocking, self.conditional, "conflict types")
        return self

    def effect(self, conflict_type: ConflictType) -> Outcome:
        if conflict_type in self.blocking:
            return Outcome.NOT_RECOGNIZED
        if conflict_type in self.conditional:
            return Outcome.CONDITIONAL
        return Outcome.RECOGNIZED


def _standard_code(code: str) -> str:
    return " ".join(code.split()).upper()


class WithdrawnStandard(_Part):
    """A standard version no longer in force from `withdrawn_on`."""

    code: str = Field(min_length=1)
    year: int = Field(ge=1949, le=2100)
    withdrawn_on: dt.date
    replaced_by: str = ""
    # Whether the entry covers the standard's parts too (GB/T 5750 -> GB/T 5750.4).
    include_parts: bool = False

    def covers(self, code: str, year: int) -> bool:
        mine, theirs = _standard_code(self.code), _standard_code(code)
        same = theirs == mine or (self.include_parts and theirs.startswith(mine + "."))
        return same and year == self.year


class ScopeRules(_Part):
    require_standard_in_force: bool = True
    withdrawn_effect: Finding = Outcome.CONDITIONAL
    withdrawn: tuple[WithdrawnStandard, ...] = ()

    def withdrawal(self, code: str, year: int, on: dt.date) -> WithdrawnStandard | None:
        """The entry saying standard `code`-`year` was withdrawn on or before `on`, if any."""
        for entry in self.withdrawn:
            if entry.covers(code, year) and entry.withdrawn_on <= on:
                return entry
        return None


class ProficiencyRules(_Part):
    """A proficiency-testing result that makes recognition of the items its
    round tested less than full: which outcomes, how recent, with what effect."""

    lookback_months: int = Field(default=24, ge=1, le=120)
    outcomes: frozenset[ProficiencyOutcome] = frozenset({ProficiencyOutcome.UNSATISFACTORY})
    effect: Finding = Outcome.CONDITIONAL


class SourceRules(_Part):
    # Target province -> provinces whose records it accepts. Provinces left out
    # accept all four; national certificates (issuer 00) count as their publisher's.
    accept_from: dict[Province, frozenset[Province]] = Field(default_factory=dict)

    def accepts(self, target: Province, publisher: Province) -> bool:
        return publisher in self.accept_from.get(target, frozenset(Province))


class RecognitionPolicy(_Part):
    version: str = Field(min_length=1, max_length=100)
    description: str = ""
    status: StatusRules = StatusRules()
    credit: CreditRules = CreditRules()
    conflicts: ConflictRules = ConflictRules()
    scope: ScopeRules = ScopeRules()
    sources: SourceRules = SourceRules()
    proficiency: ProficiencyRules = ProficiencyRules()
    # SHA-256 of the file the policy came from; set by from_toml, not in the file.
    digest: str = ""

    @classmethod
    def from_toml(cls, text: str) -> RecognitionPolicy:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"not valid TOML: {exc}") from None
        if "digest" in data:
            raise PolicyError("digest: computed from the file, not set in it")
        data["digest"] = hashlib.sha256(text.encode()).hexdigest()
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
                for err in exc.errors()
            )
            raise PolicyError(f"not a valid recognition policy: {problems}") from None
