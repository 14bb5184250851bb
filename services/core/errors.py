"""Domain errors; the gRPC layer maps each to a status code in one place."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

QUOTED_MOST = 32


def quoted(sent: str, most: int = QUOTED_MOST) -> str:
    """A value the client sent, as a refusal quotes it: cut to `most`
    characters (a refusal travels in gRPC's trailers, 16 KiB at most, and
    goes to logs; a 9,000-character id quoted whole overflowed them)."""
    return repr(sent if len(sent) <= most else sent[:most] + "…")


@dataclass(frozen=True, slots=True)
class Violation:
    """A field and the reason it was refused (or flagged)."""

    field: str
    description: str


class DomainError(Exception):
    """Base of errors the domain raises on purpose."""


class InvalidRequest(DomainError):
    """The request as a whole is malformed; maps to INVALID_ARGUMENT."""

    def __init__(self, message: str, violations: list[Violation]) -> None:
        super().__init__(message)
        self.violations = violations


class NotFound(DomainError):
    """Maps to NOT_FOUND."""


class Unavailable(DomainError):
    """A dependency is down; maps to UNAVAILABLE (the caller may retry, after
    `retry_after` seconds when given: a google.rpc.RetryInfo detail says so)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def violations_of(exc: ValidationError, prefix: str) -> list[Violation]:
    """Field violations from a pydantic error, paths under `prefix` (e.g. "spec.fields[0]")."""
    found = []
    for err in exc.errors():
        path = prefix
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        message = str(err["msg"]).removeprefix("Value error, ")
        found.append(Violation(path, "required" if err["type"] == "missing" else message))
    return found


class Unauthenticated(DomainError):
    """The caller has no (valid) identity where one is needed; maps to UNAUTHENTICATED."""


class PermissionDenied(DomainError):
    """The caller's identity may not do this; maps to PERMISSION_DENIED."""


class ResourceExhausted(DomainError):
    """The caller used up an allowance (a rate limit); maps to RESOURCE_EXHAUSTED."""
