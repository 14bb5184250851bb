"""Status transitions per record kind, as the rules have them: which statuses a
kind may be published with, and which are final (no later status for the same
certificate). Data, not code: a versioned TOML file
(services/common/policy/status-rules-v1.toml) parsed here.

The exchange refuses what the rules forbid; the registry sets aside what
arrives anyway (an exchange configured otherwise, or a hostile one), so a
revoked certificate cannot be revived by a later revision.
"""

from __future__ import annotations

import hashlib
import tomllib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.core.records import RecordKind
from services.core.status import PUBLISHABLE_STATUSES, CertificateStatus


class StatusRulesError(ValueError):
    """The file is not valid status rules; the message says where."""


class KindRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # What the kind may be published with.
    statuses: frozenset[CertificateStatus]
    # After one of these, the certificate's status never changes again.
    final: frozenset[CertificateStatus] = frozenset(
        {CertificateStatus.REVOKED, CertificateStatus.CANCELLED}
    )

    @model_validator(mode="after")
    def _publishable(self) -> KindRules:
        derived = (self.statuses | self.final) - PUBLISHABLE_STATUSES
        if derived:
            raise ValueError(f"{sorted(derived)} are derived by the hub, never published")
        if not self.final <= self.statuses:
            raise ValueError("every final status must be one the kind may be published with")
        return self


class StatusRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    qualification: KindRules
    green_cert: KindRules
    digest: str = ""

    @classmethod
    def from_toml(cls, text: str) -> StatusRules:
        try:
            data: dict[str, Any] = tomllib.loads(text)
            data["digest"] = hashlib.sha256(text.encode()).hexdigest()
            return cls.model_validate(data)
        except (tomllib.TOMLDecodeError, ValidationError) as exc:
            raise StatusRulesError(str(exc)) from None

    def of(self, kind: RecordKind) -> KindRules | None:
        if kind is RecordKind.QUALIFICATION:
            return self.qualification
        if kind is RecordKind.GREEN_CERT:
            return self.green_cert
        return None

    def refusal(self, kind: RecordKind, status: CertificateStatus) -> str | None:
        """Why `kind` may not be published with `status`, or None."""
        rules = self.of(kind)
        if rules is None or status in rules.statuses:
            return None
        allowed = ", ".join(sorted(s.value for s in rules.statuses))
        return (
            f"a {kind.value} is not published as {status.value} under the status rules "
            f"{self.version}: one of {allowed}"
        )

    def reopening(
        self, kind: RecordKind, previous: CertificateStatus, status: CertificateStatus
    ) -> str | None:
        """Why a certificate now `previous` may not become `status`, or None."""
        rules = self.of(kind)
        if rules is None or previous not in rules.final or status == previous:
            return None
        return (
            f"the certificate is {previous.value}, which is final under the status rules "
            f"{self.version}: it cannot become {status.value} (publish a new certificate)"
        )
