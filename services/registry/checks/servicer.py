"""Checks over gRPC: LabelService, and RegistryService's CheckCertificate.

Both answer in wire form (see label_answers.py and answers.py): the handlers
parse, call the use case and return its bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from services.common.convert import as_of_asked
from services.registry.checks.answers import label_freshness
from services.registry.checks.certificates import CertificateChecks
from services.registry.checks.label_answers import label_response
from services.registry.checks.labels import LabelQueries, codes_field
from yrdhub.v1 import common_pb2, labels_pb2, labels_pb2_grpc, registry_pb2


class LabelServicer(labels_pb2_grpc.LabelServiceServicer):
    # Methods returning serialized responses (see grpc_server.preserialized).
    PRESERIALIZED = ("CheckLabel", "CheckLabels")

    def __init__(self, labels: LabelQueries) -> None:
        self._labels = labels

    async def CheckLabel(
        self, request: labels_pb2.CheckLabelRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bytes:
        return self._response([request.code], request.as_of, lambda _: "code")

    async def CheckLabels(
        self, request: labels_pb2.CheckLabelsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bytes:
        return self._response(list(request.codes), request.as_of)

    def _response(
        self, codes: list[str], when: common_pb2.AsOf, named: Callable[[int], str] = codes_field
    ) -> bytes:
        """`named`: how a malformed code is named in the refusal, by its index."""
        answer = self._labels.check(codes, *as_of_asked(when), named=named)
        return label_response(answer, self._labels.feed_cache.derived(label_freshness))


class CertificateCheckRpcs:
    """RegistryService.CheckCertificate, a mixin of the registry's servicer."""

    # Methods returning serialized responses (see grpc_server.preserialized).
    PRESERIALIZED = ("CheckCertificate",)
    # Set by the servicer's constructor.
    _checks: CertificateChecks

    def CheckCertificate(
        self,
        request: registry_pb2.CheckCertificateRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> bytes:
        """A serialized CheckCertificateResponse. A plain function, called inline
        on the event loop (see grpc_errors.with_domain_errors)."""
        return self._checks.answer(request.code, *as_of_asked(request.as_of))
