"""What the public inspection pages show (一公开): a plan's visits with their
published results, and an institution's visits across plans, as JSON
documents that checks/inspection_page.py renders (app.py hands them over).

Only what is published: the plan's commitment and campaign, each visit's
institution, province and day, its result, due date and standing. No teams,
exclusions, credit classes or snapshot: the public pages are for the results,
GetDraw (for certified callers) for the draw. Field names and enum values are
the contract's (PlannedInspection and InspectionResult in the protobuf JSON
mapping), so the pages and gRPC answer alike.

A visit is public from its day on (in China), or once its result is
published: the inspections are unannounced (双随机), so a plan's visits ahead
are for the officials (GetDraw), not for the laboratory to read weeks before.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from google.protobuf.json_format import MessageToDict

from services.common.inspection_mapping import inspection_result_message
from services.core.draws import DrawKind
from services.core.errors import InvalidRequest, Violation
from services.core.history import AsOf
from services.core.identifiers import check_uscc
from services.core.inspection_results import VisitResult, published
from services.registry.pool import mapping
from services.registry.pool.draws import DrawResult
from services.registry.pool.results import (
    InspectionResults,
    PlannedVisit,
    VisitResults,
    planned_visits,
)
from services.registry.pool.store import PoolStore
from services.registry.pool.tables import DrawRow
from yrdhub.v1 import assessor_pool_pb2 as pb

# The latest plans visiting an institution its page reads at most (an
# institution is visited a few times a year at most).
MAX_PLANS = 100
MAX_DRAW_ID = 64


def _json(message: Any) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


def _visit(visit: PlannedVisit, found: VisitResult) -> dict[str, Any]:
    message = pb.PlannedInspection(
        institution_uscc=visit.uscc,
        province=mapping.province_pb(visit.province),
        date=visit.day.isoformat(),
        failure=visit.failure,
    )
    mapping.visit_result_fields(message, found)
    doc = _json(message)
    if found.published_on is not None:
        doc["result_published_on"] = found.published_on.isoformat()
    return doc


def _public(visits: list[PlannedVisit], found: VisitResults, today: dt.date) -> list[PlannedVisit]:
    return [
        v for v in visits if v.day <= today or found[(v.province, v.uscc)].published_on is not None
    ]


class PublicInspections:
    def __init__(self, store: PoolStore, results: InspectionResults) -> None:
        self._store = store
        self._results = results

    def _head(self, when: AsOf) -> dict[str, Any]:
        return {
            "as_of": when.valid_on.isoformat(),
            "results_within_working_days": self._results.within_working_days,
        }

    def _plan_row(self, draw_id: str) -> DrawRow | None:
        if not draw_id or len(draw_id) > MAX_DRAW_ID:
            return None
        row = self._store.draw(draw_id, with_snapshot=False)
        return row if row is not None and row.kind is DrawKind.INSPECTION_PLAN else None

    def plan(self, draw_id: str) -> dict[str, Any] | None:
        """The plan's commitment and campaign, and each visit whose day has come
        (or whose result is out) with its result, due date and standing; None:
        no inspection plan by that id."""
        row = self._plan_row(draw_id.strip())
        if row is None:
            return None
        when = self._results.now()
        outcome = json.loads(row.outcome) if row.outcome else None
        visits = planned_visits(outcome)
        found = self._results.of_visits(row.draw_id, visits, when)
        visits = _public(visits, found, when.valid_on)
        draw = mapping.draw_pb(
            DrawResult(row, outcome, []), with_snapshot=False, with_details=False
        )
        doc = _json(draw)
        doc["plan"] = {"inspections": [_visit(v, found[(v.province, v.uscc)]) for v in visits]}
        return {**doc, **self._head(when)}

    def institution(self, uscc: str) -> dict[str, Any] | None:
        """The institution's visits in the hub's plans whose day has come (or
        whose result is out), newest first, each with
        its result, due date and standing, and the results provinces published
        of inspections planned outside the hub; None: neither."""
        try:
            uscc = check_uscc(uscc.strip().upper())
        except ValueError as exc:
            raise InvalidRequest("invalid institution", [Violation("uscc", str(exc))]) from None
        when = self._results.now()
        results = self._results.by_institution(uscc, when)
        plan_ids = set(self._store.plans_visiting(uscc, MAX_PLANS))
        plan_ids.update(r.plan_draw_id for r in results)
        inspections: list[dict[str, Any]] = []
        plans: set[str] = set()
        for draw_id in sorted(plan_ids):
            row = self._plan_row(draw_id)
            if row is None:
                continue
            plans.add(draw_id)
            visits = [
                v
                for v in planned_visits(json.loads(row.outcome) if row.outcome else None)
                if v.uscc == uscc
            ]
            found = self._results.of_visits(draw_id, visits, when)
            for v in _public(visits, found, when.valid_on):
                inspections.append({"draw_id": draw_id, **_visit(v, found[(v.province, v.uscc)])})
        inspections.sort(key=lambda d: (d["date"], d["draw_id"]), reverse=True)
        others: list[dict[str, Any]] = []
        for r in results:
            held = published(r.versions, when.valid_on)
            if r.plan_draw_id in plans or held is None:
                continue  # a hub plan's visit has its result above, from its own province
            result, published_on = held
            others.append(
                {
                    "plan_draw_id": r.plan_draw_id,
                    "province": f"PROVINCE_{r.province}",
                    "result": _json(inspection_result_message(result)),
                    "result_published_on": published_on.isoformat(),
                }
            )
        others.sort(key=lambda d: (d["result"]["inspection_date"], d["plan_draw_id"]), reverse=True)
        if not inspections and not others:
            return None
        return {
            "institution_uscc": uscc,
            **self._head(when),
            "inspections": inspections,
            "other_results": others,
        }
