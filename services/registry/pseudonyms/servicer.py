"""PseudonymService over gRPC: the calling exchange, from its certificate, and
the use case."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from services.common.tls import caller
from services.core.errors import DomainError
from services.registry.pseudonyms.derivation import Pseudonymisation
from yrdhub.v1 import pseudonyms_pb2, pseudonyms_pb2_grpc


class NoPseudonymKey(DomainError):
    """This registry was started without the pseudonym secret (FAILED_PRECONDITION)."""


class PseudonymServicer(pseudonyms_pb2_grpc.PseudonymServiceServicer):
    def __init__(self, derivation: Pseudonymisation | None) -> None:
        # None: no secret configured; every call says so.
        self._derivation = derivation

    async def DerivePseudonyms(
        self,
        request: pseudonyms_pb2.DerivePseudonymsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> pseudonyms_pb2.DerivePseudonymsResponse:
        if self._derivation is None:
            raise NoPseudonymKey(
                "this registry has no pseudonym secret (YRDHUB_PSEUDONYM_SECRET or "
                "--pseudonym-secret-file), so it derives no assessor ids"
            )
        who = caller(context)
        # A plaintext development registry knows no caller: one allowance for all.
        ids = await asyncio.to_thread(
            self._derivation.derive, "anonymous" if who is None else str(who), request.id_numbers
        )
        return pseudonyms_pb2.DerivePseudonymsResponse(assessor_ids=ids)
