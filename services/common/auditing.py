"""What the audit trail records of a call, and the hook every guarded method
handler calls (grpc_errors.with_domain_errors): the audited methods' results
and every refusal, with the caller's identity from its certificate.

Summaries name ids and counts, never personal data: an identity read records
which assessors' identities went out, not the identities.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import grpc

from services.common.audit_log import AuditLog
from services.common.grpc_errors import AuditHook, status_name
from services.common.rate_limit import RateLimiter
from services.common.tls import caller
from services.core.audit import AuditFacts
from services.core.authorization import RULES
from services.core.errors import DomainError, PermissionDenied, Unauthenticated
from services.core.identity import Identity
from services.core.provenance import utcnow

log = logging.getLogger(__name__)

_V1 = "/yrdhub.v1."
_KEYS_NAMED = 20


PUBLISH = f"{_V1}ExchangeService/PublishRecords"


def publish_summary(
    records: int, accepted: int, unchanged: int, rejected: int, keys: list[str]
) -> str:
    """What a publish touched: its counts, and the keys of the records it stored or found."""
    more = f" and {len(keys) - _KEYS_NAMED} more" if len(keys) > _KEYS_NAMED else ""
    return (
        f"{records} records: {accepted} accepted, {unchanged} unchanged, {rejected} rejected; "
        f"{', '.join(keys[:_KEYS_NAMED])}{more}"
    )


def facts_of(who: Identity | None, method: str, outcome: str, touched: str) -> AuditFacts:
    """An entry's facts for a call by `who` (None: a caller without a certificate)."""
    return AuditFacts(
        at=utcnow(),
        caller="anonymous" if who is None else who.uri,
        caller_province="" if who is None or who.province is None else who.province.value,
        method=method,
        outcome=outcome,
        touched=touched,
    )


def _identities(request: Any, response: Any) -> str:
    named = sorted({a.assignment.assessor_id for a in response.assignments if a.identity.name})
    return (
        f"{len(response.assignments)} assignments, identities of {len(named)} assessors: "
        + ", ".join(named)
    )


def _draw(request: Any, response: Any) -> str:
    d = response.draw
    return f"draw {d.draw_id}: {len(d.team) or len(d.plan.inspections)} seats or visits"


def _cancel(request: Any, response: Any) -> str:
    # Not the reason: free text may name people.
    return f"assignment {request.assignment_id} cancelled"


def _pseudonyms(request: Any, response: Any) -> str:
    # How many, never which: the numbers are the personal data themselves.
    return f"{len(response.assessor_ids)} identity numbers pseudonymised"


AUDITED: dict[str, Callable[[Any, Any], str]] = {
    f"{_V1}HomeAssignmentService/ListHomeAssignments": _identities,
    f"{_V1}AssessorPoolService/RequestTeam": _draw,
    f"{_V1}AssessorPoolService/PlanInspections": _draw,
    f"{_V1}AssessorPoolService/CancelAssignment": _cancel,
    f"{_V1}PseudonymService/DerivePseudonyms": _pseudonyms,
}
# Methods whose answered calls their servicer records itself, in the
# transaction of their writes (a publish is stored and audited together, or
# neither): the hook records only their refusals and failures.
RECORDED_BY_THE_SERVICER = frozenset({PUBLISH})


class Auditor:
    # Refusals of callers without a certificate (only the public endpoint has
    # them) are recorded at this rate at most: anyone can make them, and an
    # entry apiece would let anyone fill the database. The entry after a
    # pause says how many went unrecorded.
    ANONYMOUS_PER_SECOND = 1.0
    ANONYMOUS_BURST = 60

    def __init__(self, audit_log: AuditLog) -> None:
        self._log = audit_log
        self._anonymous = RateLimiter(self.ANONYMOUS_PER_SECOND, self.ANONYMOUS_BURST)
        self._unrecorded = 0

    def hook(self, method: str) -> AuditHook | None:
        """What a handler of `method` calls after the call: records it when the
        method is audited, and any refusal of any method. None for public
        methods, which refuse nobody: the hottest calls pay nothing for the trail."""
        rule = RULES.get(method)
        if rule is not None and rule.public:
            return None
        summary = AUDITED.get(method)
        own_record = method in RECORDED_BY_THE_SERVICER

        async def record(
            context: grpc.aio.ServicerContext[Any, Any],
            request: Any,
            response: Any,
            error: DomainError | None,
        ) -> None:
            refused = isinstance(error, Unauthenticated | PermissionDenied)
            if error is None and summary is None:
                return  # not audited, or recorded by its servicer with its writes
            if error is not None and not refused and summary is None and not own_record:
                return  # a failure of a method that is not audited
            try:
                if error is None:
                    outcome, touched = "OK", summary(request, response) if summary else ""
                else:
                    outcome, touched = status_name(error), str(error)
                who = caller(context)
                if who is None and refused:
                    if not self._anonymous.allow("anonymous"):
                        self._unrecorded += 1
                        return
                    if self._unrecorded:
                        touched += (
                            f" ({self._unrecorded} more refusals of callers without a "
                            "certificate before this one were not recorded)"
                        )
                        self._unrecorded = 0
                await asyncio.to_thread(self._log.append, facts_of(who, method, outcome, touched))
            except Exception:
                # The call itself is done (and committed): say so loudly rather
                # than fail it after the fact.
                log.exception("could not record %s in the audit trail", method)

        return record
