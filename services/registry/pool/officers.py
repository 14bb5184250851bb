"""The enforcement officers' directory (执法检查人员名录库) as the registry holds
it: every province's officer records, one Officer per person (core.officers),
re-read only as records are applied, like the assessor pool (pool/view.py)."""

from __future__ import annotations

import logging
import threading

from google.protobuf.message import DecodeError
from sqlalchemy.engine import Engine

from services.common.convert import officer_of
from services.core.fields import RecordKind
from services.core.officers import Officer, one_officer
from services.registry.pool.applied import AppliedRows
from yrdhub.v1 import events_pb2

log = logging.getLogger(__name__)


class OfficerDirectory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._rows = AppliedRows(RecordKind.OFFICER.value, _parse)
        self._officers: tuple[Officer, ...] = ()

    def current(self) -> tuple[Officer, ...]:
        """Every officer once, by id, with every officer record applied so far."""
        with self._lock:
            if self._rows.refresh(self._engine):
                by_id: dict[str, list[Officer]] = {}
                for _revision, officer in self._rows.held.values():
                    by_id.setdefault(officer.officer_id, []).append(officer)
                self._officers = tuple(one_officer(by_id[i]) for i in sorted(by_id))
            return self._officers


def _parse(payload: bytes) -> Officer | None:
    try:
        return officer_of(events_pb2.Event.FromString(payload).record.officer)
    except (DecodeError, ValueError, KeyError) as exc:
        # The exchange validated it; one that still does not parse stays out
        # of plans rather than breaking every plan.
        log.warning("officer record left out of the directory: %s", exc)
        return None
