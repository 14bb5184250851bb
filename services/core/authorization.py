"""Who may call which RPC: one table, decided from the caller's identity.

Each gRPC method names the roles that may call it and whether the caller must
belong to the province the serving process is for (a province's exchange and
its home-assignment listener). Checks of one request's own fields (a draw
requested for the caller's province, a cancellation by the province that
requested) belong to the use case, which receives the identity.
Methods absent from the table are refused: a new RPC is closed until a rule
opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.core.identity import Identity, Role
from services.core.provinces import Province


class Refusal(StrEnum):
    # No client certificate where one is needed (gRPC UNAUTHENTICATED).
    UNAUTHENTICATED = "UNAUTHENTICATED"
    # A certificate whose role or province may not call this (PERMISSION_DENIED).
    PERMISSION_DENIED = "PERMISSION_DENIED"


@dataclass(frozen=True, slots=True)
class Rule:
    # Empty: anyone, with or without a certificate (the public checks).
    roles: frozenset[Role]
    # On a province's service (an exchange), the caller must be of that province.
    own_province: bool = False

    @property
    def public(self) -> bool:
        return not self.roles


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    refusal: Refusal | None = None
    reason: str = ""


ALLOWED = Verdict(True)

PUBLIC = Rule(frozenset())
_REGULATORS = frozenset({Role.REGULATOR})
_READERS = frozenset({Role.REGULATOR, Role.OPERATOR})

_V1 = "/yrdhub.v1."
RULES: dict[str, Rule] = {
    # A province's exchange: its own systems publish; its regulators and the
    # operator read its status.
    f"{_V1}ExchangeService/PublishRecords": Rule(frozenset({Role.SYSTEM}), own_province=True),
    f"{_V1}ExchangeService/GetExchangeStatus": Rule(
        frozenset({Role.SYSTEM, Role.REGULATOR, Role.OPERATOR}), own_province=True
    ),
    # Assessors' identities: only the home province's regulators.
    f"{_V1}HomeAssignmentService/ListHomeAssignments": Rule(_REGULATORS, own_province=True),
    # Public checks, on their own endpoint: no certificate needed.
    f"{_V1}LabelService/CheckLabel": PUBLIC,
    f"{_V1}LabelService/CheckLabels": PUBLIC,
    f"{_V1}RegistryService/CheckCertificate": PUBLIC,
    f"{_V1}RegistryService/VerifyReport": PUBLIC,
    # The registry's queries and reconciliation: regulators of any province
    # (mutual recognition is about the others' records) and the operator.
    f"{_V1}RegistryService/GetRecord": Rule(_READERS),
    f"{_V1}RegistryService/ListInstitutionRecords": Rule(_READERS),
    f"{_V1}RegistryService/GetRegistryStatus": Rule(
        frozenset({Role.REGULATOR, Role.OPERATOR, Role.SYSTEM, Role.EXCHANGE})
    ),
    f"{_V1}RegistryService/GetInstitution": Rule(_READERS),
    f"{_V1}RegistryService/ListConflicts": Rule(_READERS),
    f"{_V1}RegistryService/GetRecordHistory": Rule(_READERS),
    f"{_V1}RegistryService/DecideRecognition": Rule(_READERS),
    f"{_V1}RegistryService/WatchChanges": Rule(_READERS),
    f"{_V1}RegistryService/ListQuarantine": Rule(_READERS),
    f"{_V1}RegistryService/ExportChain": Rule(_READERS),
    # The audit trails: the registry's for regulators (each sees its own
    # province's callers) and the operator; an exchange's for its own province's.
    f"{_V1}AuditService/ListAuditEntries": Rule(_READERS, own_province=True),
    # The pool acts for a province's regulators (the request's province is
    # checked against the caller's by the use case); the operator may read.
    f"{_V1}AssessorPoolService/RequestTeam": Rule(_REGULATORS),
    f"{_V1}AssessorPoolService/PlanInspections": Rule(_REGULATORS),
    f"{_V1}AssessorPoolService/CancelAssignment": Rule(_REGULATORS),
    f"{_V1}AssessorPoolService/GetDraw": Rule(_READERS),
    f"{_V1}AssessorPoolService/ListDraws": Rule(_READERS),
    f"{_V1}AssessorPoolService/ListAssignments": Rule(_READERS),
    # Assessors' pseudonyms: only the exchanges, which take identities.
    f"{_V1}PseudonymService/DerivePseudonyms": Rule(frozenset({Role.EXCHANGE})),
    # Health and reflection: for probes and tools, everywhere.
    "/grpc.health.v1.Health/Check": PUBLIC,
    "/grpc.health.v1.Health/Watch": PUBLIC,
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": PUBLIC,
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": PUBLIC,
}


def authorize(caller: Identity | None, method: str, serving: Province | None = None) -> Verdict:
    """Whether `caller` (None: no client certificate) may call `method` on a
    process serving `serving`'s province (None: a hub-wide service)."""
    rule = RULES.get(method)
    if rule is None:
        return Verdict(False, Refusal.PERMISSION_DENIED, f"no access rule for {method}")
    if rule.public:
        return ALLOWED
    if caller is None:
        return Verdict(
            False,
            Refusal.UNAUTHENTICATED,
            f"{method} needs a client certificate, on an endpoint that asks for one "
            "(the public endpoint serves the public checks alone)",
        )
    if caller.role not in rule.roles:
        wanted = ", ".join(sorted(r.value for r in rule.roles))
        return Verdict(
            False, Refusal.PERMISSION_DENIED, f"{caller} may not call {method} (needs {wanted})"
        )
    if (
        rule.own_province
        and serving is not None
        and caller.role is not Role.OPERATOR
        and caller.province != serving
    ):
        return Verdict(
            False,
            Refusal.PERMISSION_DENIED,
            f"{caller} may not call {method} on the service of {serving.value}",
        )
    return ALLOWED
