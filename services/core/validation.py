"""Validation of incoming records against the publishing province's rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from services.core.errors import Violation, quoted
from services.core.fields import PATTERN_WORDS
from services.core.identifiers import NOT_A_USCC
from services.core.inspection_results import InspectionResult
from services.core.provinces import Province
from services.core.records import (
    MODEL_OF_KIND,
    Assessor,
    CreditAction,
    CreditEvent,
    EnforcementOfficer,
    GreenCertification,
    Qualification,
    Record,
    RecordKind,
    SignatoryBan,
    cited_year,
)
from services.core.results import ProficiencyResult, TestReport


@dataclass(frozen=True, slots=True)
class Validated:
    """A record fit to store, with any non-fatal findings."""

    record: Record
    warnings: list[Violation] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Refused:
    violations: list[Violation]


def validate_record(
    kind: RecordKind, data: Mapping[str, Any], province: Province, today: dt.date | None = None
) -> Validated | Refused:
    """Validates one record published by `province`.

    `data` holds the record's fields by name; field paths in violations are
    prefixed with the kind, e.g. "qualification.scope[0].standard_year".
    Province-owned fields (an assessor's home, a credit event's listing
    province) default to the publisher and must not name another province.
    With `today` (the day in China the exchange accepts it), a status cannot
    take effect and a report cannot be issued after it.
    """
    values = dict(data)
    for owned in _PROVINCE_OWNED.get(kind, ()):
        if values.get(owned) in ("", None, "UNSPECIFIED"):
            values[owned] = province.value
    try:
        record = MODEL_OF_KIND[kind].model_validate(values)
    except ValidationError as exc:
        return Refused([_violation(kind, err) for err in exc.errors()])
    violations = _province_violations(kind, record, province)
    if today is not None:
        violations += _future_violations(kind, record, today)
    if isinstance(record, InspectionResult):
        violations += _finding_date_violations(record, today)
    if violations:
        return Refused(violations)
    warnings = _province_warnings(kind, record, province)
    if isinstance(record, Qualification | GreenCertification):
        warnings += _unlikely_date_warnings(kind, record, today)
    elif (
        isinstance(record, CreditEvent | SignatoryBan)
        and record.action is not CreditAction.LISTED
        and record.effective_until is not None
    ):
        warnings.append(
            Violation(
                f"{kind.value}.effective_until",
                "a removal lifts from its effective_from on and has no end: this date is not read",
            )
        )
    return Validated(record, warnings)


_PROVINCE_OWNED = {
    RecordKind.ASSESSOR: ("home_province",),
    RecordKind.CREDIT_EVENT: ("listing_province",),
    RecordKind.OFFICER: ("home_province",),
    RecordKind.SIGNATORY_BAN: ("listing_province",),
}


def _province_violations(kind: RecordKind, record: Record, province: Province) -> list[Violation]:
    if isinstance(record, Assessor | EnforcementOfficer) and record.home_province != province:
        who = "assessors" if isinstance(record, Assessor) else "enforcement officers"
        return [
            Violation(
                f"{kind.value}.home_province",
                f"{province.name_en}'s exchange publishes only its own {who}, "
                f"not {record.home_province.name_en}'s",
            )
        ]
    if isinstance(record, TestReport | ProficiencyResult):
        issuer = record.issuing_province
        if issuer is not None and issuer != province:
            what = "reports" if isinstance(record, TestReport) else "proficiency results"
            return [
                Violation(
                    f"{kind.value}.cma_number",
                    f"CMA {record.cma_number} was issued by {issuer.name_en}: its "
                    f"{what} are registered by {issuer.name_en}'s exchange, which "
                    f"supervises the laboratory, not {province.name_en}'s",
                )
            ]
    if isinstance(record, CreditEvent | SignatoryBan) and record.listing_province != province:
        what = "credit listings" if isinstance(record, CreditEvent) else "signatory bans"
        return [
            Violation(
                f"{kind.value}.listing_province",
                f"{province.name_en}'s exchange publishes only its own {what}",
            )
        ]
    return []


# Days that cannot be after the day a record is accepted, per kind: only the
# fields each model has (asking a pydantic model for a field it lacks raises
# inside, which cost more than the rest of these checks together).
_NOT_IN_FUTURE = {
    kind: tuple(
        name
        for name in (
            "status_effective_date",
            "status_since",
            "issue_date",
            "result_date",
            "inspection_date",
            "closed_date",
        )
        if name in model.model_fields
    )
    for kind, model in MODEL_OF_KIND.items()
}


def _future_violations(kind: RecordKind, record: Record, today: dt.date) -> list[Violation]:
    for name in _NOT_IN_FUTURE[kind]:
        day = getattr(record, name)
        if isinstance(day, dt.date) and day > today:
            return [Violation(f"{kind.value}.{name}", f"{day} is after today ({today})")]
    return []


def _finding_date_violations(result: InspectionResult, today: dt.date | None) -> list[Violation]:
    """A finding's correction is due and verified on or after the inspection
    that found it, and verified no later than today."""
    found: list[Violation] = []
    inspected = result.inspection_date
    for i, finding in enumerate(result.findings):
        where = f"{RecordKind.INSPECTION_RESULT.value}.findings[{i}]"
        for name in ("due_date", "corrected_date"):
            day = getattr(finding, name)
            if day is not None and day < inspected:
                found.append(
                    Violation(f"{where}.{name}", f"{day} is before inspection_date ({inspected})")
                )
        corrected = finding.corrected_date
        if today is not None and corrected is not None and corrected > today:
            found.append(
                Violation(f"{where}.corrected_date", f"{corrected} is after today ({today})")
            )
    return found


def _province_warnings(kind: RecordKind, record: Record, province: Province) -> list[Violation]:
    # A province may hold records on certificates another province issued (a
    # branch laboratory, a transferred institution): accept them, but flag
    # them so the registry records an issuer conflict for officials to check.
    if isinstance(record, Qualification):
        issuer = record.issuing_province
        if issuer is not None and issuer != province:
            return [
                Violation(
                    f"{kind.value}.issuer",
                    f"issuer {record.issuer} is {issuer.name_en}, not the publishing "
                    f"province {province.name_en}: flagged as an issuer conflict",
                )
            ]
    return []


def _unlikely_date_warnings(
    kind: RecordKind, record: Qualification | GreenCertification, today: dt.date | None
) -> list[Violation]:
    """Dates that pass the rules but are likely typing slips: stored as sent,
    and the answer says what to check."""
    found: list[Violation] = []
    since = record.status_effective_date
    if since is not None and since < record.valid_from:
        found.append(
            Violation(
                f"{kind.value}.status_effective_date",
                f"{since} is before valid_from ({record.valid_from}), a day the certificate "
                "did not hold yet: check the date",
            )
        )
    if not isinstance(record, Qualification):
        return found
    for i, item in enumerate(record.scope):
        if today is not None and item.standard_year > today.year:
            found.append(
                Violation(
                    f"{kind.value}.scope[{i}].standard_year",
                    f"{item.standard_year} is after this year ({today.year}): no edition of "
                    "that year can have been published yet; check the year",
                )
            )
        cited = cited_year(item.standard_code)
        if cited:
            # Stored as sent: a request asking for the code alone, as the
            # contract has it, does not find this item.
            found.append(
                Violation(
                    f"{kind.value}.scope[{i}].standard_code",
                    f"{item.standard_code!r} carries a year: the code alone is "
                    f"{cited[0]!r}, its year goes in standard_year ({item.standard_year} "
                    "here); a decision asked for the code alone does not find this item",
                )
            )
    return found


def _violation(kind: RecordKind, err: Any) -> Violation:
    path = kind.value
    for part in err["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    message = str(err["msg"]).removeprefix("Value error, ")
    empty = str(err.get("input", "")).strip() == ""
    person_id = bool(err["loc"]) and err["loc"][-1] in _PERSON_IDS
    if (
        err["type"] == "missing"
        or (err["type"] in ("string_too_short", "string_pattern_mismatch", "too_short") and empty)
        or (err["type"] == "value_error" and empty and message.startswith(NOT_A_USCC))
    ):
        message = "required"
        if person_id:
            message += ": the person's identity, or the id the hub gave them"
    elif err["type"] == "enum":
        # A value the contract does not define (a newer one, or a typo's number).
        message = f"{err.get('input')} is not one of {err.get('ctx', {}).get('expected')}"
    elif err["type"] in ("too_short", "too_long") and isinstance(err.get("input"), str):
        # A length checked after a normalising validator (a code without its
        # spaces): pydantic words it for lists ("items").
        ctx = err.get("ctx", {})
        bound = ctx.get("min_length") if err["type"] == "too_short" else ctx.get("max_length")
        side = "at least" if err["type"] == "too_short" else "at most"
        message = (
            f"{side} {bound} characters once spaces are removed, not {ctx.get('actual_length')}"
        )
    elif err["type"] == "string_pattern_mismatch":
        words = PATTERN_WORDS.get(str(err.get("ctx", {}).get("pattern", "")))
        if words is not None:
            message = words
            # What was sent, but never in a person's id field: a system may
            # have put an identity number there, and refusals are logged.
            if not person_id:
                message += f", not {quoted(str(err['input']))}"
    return Violation(path, message)


# Fields a person's pseudonym goes in: empty when the record came with neither.
_PERSON_IDS = {"assessor_id", "officer_id", "person_id"}
