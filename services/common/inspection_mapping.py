"""records.proto's InspectionResult and the domain's (core/inspection_results.py)."""

from __future__ import annotations

from typing import Any

from services.common.convert import enum_name, iso_date
from services.core.inspection_results import InspectionResult
from yrdhub.v1 import records_pb2


def inspection_result_fields(r: records_pb2.InspectionResult) -> dict[str, Any]:
    return {
        "plan_draw_id": r.plan_draw_id,
        "institution_uscc": r.institution_uscc,
        "inspection_date": r.inspection_date,
        "outcome": enum_name(records_pb2.InspectionOutcome, r.outcome, "INSPECTION_OUTCOME_"),
        "findings": [
            {
                "description": f.description,
                "basis": f.basis,
                "corrective_action": f.corrective_action,
                "due_date": f.due_date,
                "corrected_date": f.corrected_date,
            }
            for f in r.findings
        ],
        "closed_date": r.closed_date,
        "summary": r.summary,
    }


def inspection_result_message(record: InspectionResult) -> records_pb2.InspectionResult:
    return records_pb2.InspectionResult(
        plan_draw_id=record.plan_draw_id,
        institution_uscc=record.institution_uscc,
        inspection_date=iso_date(record.inspection_date),
        outcome=f"INSPECTION_OUTCOME_{record.outcome.value}",
        findings=[
            records_pb2.InspectionFinding(
                description=f.description,
                basis=f.basis,
                corrective_action=f.corrective_action,
                due_date=iso_date(f.due_date),
                corrected_date=iso_date(f.corrected_date),
            )
            for f in record.findings
        ],
        closed_date=iso_date(record.closed_date),
        summary=record.summary,
    )
