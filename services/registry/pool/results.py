"""The published results of a plan's visits (一公开): read from the reconciled
records (InspectionResult, key inspection_result/<plan draw id>/<USCC>) and
judged by core.inspection_results against the inspection policy's deadline
(results_within_working_days after the planned visit day).

Only the result published by the visit's own province counts: the province
whose qualification of the institution the plan drew it under, which
supervises the laboratory and carries out the visit. A record another
province publishes under the same key is not attached to the visit (no
province can vouch for a visit that was not its own to make).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from google.protobuf.message import DecodeError
from pydantic import ValidationError

from services.common.inspection_mapping import inspection_result_fields
from services.core.fields import RecordKind, record_key
from services.core.history import AsOf, as_of
from services.core.inspection_results import (
    InspectionResult,
    ResultVersion,
    VisitResult,
    visit_result,
)
from services.core.inspections import InspectionPolicy
from services.core.provenance import china_date, utcnow
from services.registry.records.store import RecordStore, StoredRow
from yrdhub.v1 import events_pb2

log = logging.getLogger(__name__)

KIND = RecordKind.INSPECTION_RESULT


class PlannedVisit(NamedTuple):
    """A visit of a drawn plan, as its outcome states it."""

    province: str
    uscc: str
    day: dt.date
    failure: str = ""


def planned_visits(outcome: Mapping[str, Any] | None) -> list[PlannedVisit]:
    """The visits of a plan's outcome, in draw order ([province, uscc, class,
    day, team, failure, ...]); none for a team draw or a plan not drawn."""
    return [
        PlannedVisit(v[0], v[1], dt.date.fromisoformat(v[3]), v[5] if len(v) > 5 else "")
        for v in (outcome or {}).get("visits", ())
    ]


@dataclass(frozen=True, slots=True)
class PublishedResult:
    """A result a province published about an institution, every revision."""

    province: str
    plan_draw_id: str
    versions: tuple[ResultVersion, ...]


VisitResults = dict[tuple[str, str], VisitResult]


class InspectionResults:
    def __init__(
        self,
        records: RecordStore,
        policy: InspectionPolicy,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._records = records
        self._policy = policy
        self._clock = clock

    @property
    def within_working_days(self) -> int:
        return self._policy.results_within_working_days

    def now(self) -> AsOf:
        """The present: the hub's knowledge now, judged on today in China."""
        return as_of("", None, self._clock())

    def of_visits(
        self, draw_id: str, visits: Iterable[PlannedVisit], when: AsOf | None = None
    ) -> VisitResults:
        """(province, USCC) -> each visit's result, due date and standing on
        when.valid_on, from the versions the hub knew at when.known_at."""
        when = when or self.now()
        wanted = list(visits)
        if not wanted:
            return {}
        keys = sorted({record_key(KIND, draw_id, v.uscc) for v in wanted})
        by_visit = _grouped(self._records.versions_of(keys, None if when.latest else when.known_at))
        return {
            (v.province, v.uscc): visit_result(
                v.day,
                self.within_working_days,
                by_visit.get((v.province, draw_id, v.uscc), ()),
                when.valid_on,
            )
            for v in wanted
        }

    def by_institution(self, uscc: str, when: AsOf | None = None) -> list[PublishedResult]:
        """Every result published about the institution, by any province, with
        its versions known at when.known_at (by plan, then province)."""
        when = when or self.now()
        keys = sorted({r.record_key for r in self._records.by_uscc(uscc) if r.kind == KIND})
        rows = self._records.versions_of(keys, None if when.latest else when.known_at)
        return [
            PublishedResult(province, plan, tuple(versions))
            for (province, plan, held), versions in sorted(_grouped(rows).items())
            if held == uscc
        ]


def _grouped(rows: Iterable[StoredRow]) -> dict[tuple[str, str, str], list[ResultVersion]]:
    """(province, plan draw id, USCC) -> the result's versions that parse."""
    found: dict[tuple[str, str, str], list[ResultVersion]] = {}
    for row in rows:
        result = _parse(row)
        if result is not None:
            version = ResultVersion(row.revision, china_date(row.accepted_at), result)
            key = (row.province, result.plan_draw_id, result.institution_uscc)
            found.setdefault(key, []).append(version)
    return found


def _parse(row: StoredRow) -> InspectionResult | None:
    try:
        record = events_pb2.Event.FromString(row.payload).record.inspection_result
        return InspectionResult.model_validate(inspection_result_fields(record))
    except (DecodeError, ValidationError) as exc:
        # The exchange validated it; one that no longer parses is left out
        # rather than failing every answer about the plan.
        log.warning("inspection result %s/%s left out: %s", row.province, row.record_key, exc)
        return None
