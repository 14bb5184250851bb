"""The one place where domain errors become gRPC statuses."""

from __future__ import annotations

import contextlib
import inspect
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.common import handlers
from services.common.caller_quota import CallerQuota
from services.core.errors import (
    DomainError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from services.core.identity import Identity

log = logging.getLogger(__name__)


class Internal(DomainError):
    """An unexpected failure, as the audit trail records it: only its error id."""


_CODES: list[tuple[type[DomainError], int]] = [
    (Internal, code_pb2.INTERNAL),
    (InvalidRequest, code_pb2.INVALID_ARGUMENT),
    (NotFound, code_pb2.NOT_FOUND),
    (Unavailable, code_pb2.UNAVAILABLE),
    (Unauthenticated, code_pb2.UNAUTHENTICATED),
    (PermissionDenied, code_pb2.PERMISSION_DENIED),
    (ResourceExhausted, code_pb2.RESOURCE_EXHAUSTED),
]


def _code(error: DomainError) -> int:
    return next((c for cls, c in _CODES if isinstance(error, cls)), code_pb2.FAILED_PRECONDITION)


def status_name(error: DomainError) -> str:
    """The gRPC status a domain error becomes, by name (e.g. "PERMISSION_DENIED")."""
    return str(code_pb2.Code.Name(_code(error)))


# gRPC sends a status in the trailers, 16 KiB at most: the message, and again
# in the details (base64). Past that the client gets RESOURCE_EXHAUSTED instead
# of the refusal. Refusals quote what was sent cut short (core.errors.quoted);
# these bounds keep any refusal, however many violations it names, within them.
_MOST_TEXT = 500
_MOST_VIOLATION_BYTES = 5000


def _cut(text: str) -> str:
    return text if len(text) <= _MOST_TEXT else text[:_MOST_TEXT] + "…"


def _bad_request(error: InvalidRequest) -> error_details_pb2.BadRequest:
    """The violations, as many as fit; the rest counted in one more."""
    bad = error_details_pb2.BadRequest()
    for i, v in enumerate(error.violations):
        if bad.ByteSize() > _MOST_VIOLATION_BYTES:
            left = len(error.violations) - i
            bad.field_violations.add(description=f"and {left} more not shown")
            break
        bad.field_violations.add(field=_cut(v.field), description=_cut(v.description))
    return bad


def _message(error: DomainError) -> str:
    """The status message: a refusal's first violation is in it too, for
    clients that show the message alone (the details name every one)."""
    if not isinstance(error, InvalidRequest) or not error.violations:
        return _cut(str(error))
    first = error.violations[0]
    more = len(error.violations) - 1
    also = f" (and {more} more: see the BadRequest details)" if more else ""
    return _cut(f"{error}: {first.field}: {first.description}{also}")


def to_grpc_status(error: DomainError) -> grpc.Status:
    code = _code(error)
    status = status_pb2.Status(code=code, message=_message(error))
    if isinstance(error, InvalidRequest):
        detail = any_pb2.Any()
        detail.Pack(_bad_request(error))
        status.details.append(detail)
    if isinstance(error, Unavailable) and error.retry_after is not None:
        retry = any_pb2.Any()
        retry.Pack(
            error_details_pb2.RetryInfo(
                retry_delay=duration_pb2.Duration(seconds=int(error.retry_after))
            )
        )
        status.details.append(retry)
    return rpc_status.to_status(status)


def retry_delay(error: grpc.aio.AioRpcError | grpc.RpcError) -> float | None:
    """The RetryInfo detail of a status, in seconds, for clients and tests."""
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return float(info.retry_delay.seconds + info.retry_delay.nanos / 1e9)
    return None


def bad_request_violations(error: grpc.aio.AioRpcError | grpc.RpcError) -> list[tuple[str, str]]:
    """(field, description) pairs from a status's BadRequest detail, for clients and tests."""
    status = rpc_status.from_call(error)
    found: list[tuple[str, str]] = []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found.extend((v.field, v.description) for v in bad.field_violations)
    return found


async def _abort(context: grpc.aio.ServicerContext[Any, Any], error: DomainError) -> None:
    status = to_grpc_status(error)
    # abort's metadata replaces what the handler set (the request id it answers with).
    already = tuple(context.trailing_metadata() or ())
    await context.abort(status.code, status.details, (*already, *status.trailing_metadata))


AuditHook = Callable[
    [grpc.aio.ServicerContext[Any, Any], Any, Any, DomainError | None], Awaitable[None]
]
"""Called after a unary call with (context, request, response or None, the
domain error or None): see services/common/auditing.py."""


Check = Callable[[grpc.aio.ServicerContext[Any, Any]], Identity | None]
"""Admits a call or refuses it by raising a DomainError; returns the caller's
identity, if known (see services/common/tls.authorization_check)."""

_UNCOUNTED = contextlib.nullcontext()


def _admission(
    check: Check | None, quota: CallerQuota | None, stream: bool
) -> Callable[[grpc.aio.ServicerContext[Any, Any]], AbstractContextManager[None]] | None:
    """What lets a call in and counts it while it runs: `check`, then the
    caller's share of `quota` (callers `check` does not know are not counted)."""
    if check is None:
        return None
    if quota is None:

        def checked(context: grpc.aio.ServicerContext[Any, Any]) -> AbstractContextManager[None]:
            check(context)
            return _UNCOUNTED

        return checked

    def counted(context: grpc.aio.ServicerContext[Any, Any]) -> AbstractContextManager[None]:
        who = check(context)
        return _UNCOUNTED if who is None else quota.hold(who, stream)

    return counted


def with_domain_errors(
    handler: grpc.RpcMethodHandler,
    check: Check | None = None,
    audit: AuditHook | None = None,
    quota: CallerQuota | None = None,
) -> grpc.RpcMethodHandler:
    """The handler, after `check` (e.g. authorization, which refuses by raising a
    DomainError) passes and the caller is within its share of `quota`, turning
    a DomainError its servicer raises into its gRPC status, and any other
    exception into INTERNAL with only an error id, which the log carries
    beside the traceback (an exception's text may hold request data).
    `audit` hears of each unary call's result or domain error before the answer
    goes out (streams: of refusals).

    Applied once to each method handler when a service is registered (see
    grpc_server): a server interceptor would do the same work on every call.

    A unary method written as a plain function (it never waits) is called
    inline on the event loop, with no coroutine of its own: on the hottest
    path each call costs microseconds under load. grpc.aio alone would send
    such a method to a thread pool. Such a method reports failures by raising
    DomainError (it cannot await context.abort).
    """
    if handler.unary_unary is not None:
        unary = handler.unary_unary
        admit = _admission(check, quota, stream=False)
        call: Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
        if inspect.iscoroutinefunction(unary):

            async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                try:
                    with _UNCOUNTED if admit is None else admit(context):
                        response = await unary(request, context)
                    if audit is not None:
                        await audit(context, request, response, None)
                    return response
                except DomainError as exc:
                    if audit is not None:
                        await audit(context, request, None, exc)
                    await _abort(context, exc)
                except grpc.aio.AbortError:
                    raise
                except Exception:
                    await _internal(context, audit, request)

        else:

            async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                try:
                    with _UNCOUNTED if admit is None else admit(context):
                        response = unary(request, context)
                    if audit is not None:
                        await audit(context, request, response, None)
                    return response
                except DomainError as exc:
                    if audit is not None:
                        await audit(context, request, None, exc)
                    await _abort(context, exc)
                except grpc.aio.AbortError:
                    raise
                except Exception:
                    await _internal(context, audit, request)

        return handlers.unary(handler, call)
    if handler.unary_stream is not None:
        stream = handler.unary_stream
        admit_stream = _admission(check, quota, stream=True)

        async def unary_stream(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            try:
                with _UNCOUNTED if admit_stream is None else admit_stream(context):
                    async for item in stream(request, context):
                        yield item
            except DomainError as exc:
                if audit is not None:
                    await audit(context, request, None, exc)
                await _abort(context, exc)
            except grpc.aio.AbortError:
                raise
            except Exception:
                await _internal(context, audit, request)

        return handlers.unary_stream(handler, unary_stream)
    if check is not None:
        raise RuntimeError("client-streaming methods cannot be authorized")
    return handler


async def _internal(
    context: grpc.aio.ServicerContext[Any, Any], audit: AuditHook | None, request: Any
) -> None:
    """INTERNAL, naming only an id that the log line with the traceback (and
    the audit trail, for audited methods) carries."""
    error_id = uuid.uuid4().hex[:12]
    log.exception("unexpected error %s", error_id)
    failure = Internal(f"internal error {error_id}")
    if audit is not None:
        await audit(context, request, None, failure)
    await context.abort(grpc.StatusCode.INTERNAL, str(failure))
