"""How an exchange obtains assessor ids: from the registry's PseudonymService,
over mutual TLS with the exchange's own certificate (the registry holds the
key; services/registry/pseudonyms/)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import grpc

from services.common.tls import TlsFiles, channel_credentials
from services.core.errors import ResourceExhausted, Unavailable
from yrdhub.v1 import pseudonyms_pb2, pseudonyms_pb2_grpc

log = logging.getLogger(__name__)


class RegistryPseudonyms:
    """Derives ids for identity numbers (already validated) by asking the
    registry; failures become errors the publish call answers with, so a
    batch is refused whole and can be sent again."""

    def __init__(self, address: str, tls: TlsFiles | None, timeout: float = 10.0) -> None:
        self._channel = (
            grpc.insecure_channel(address)
            if tls is None
            else grpc.secure_channel(address, channel_credentials(tls))
        )
        # The generated stub has no type annotations.
        self._stub = pseudonyms_pb2_grpc.PseudonymServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._address = address
        self._timeout = timeout

    def __call__(self, id_numbers: Sequence[str]) -> list[str]:
        try:
            reply = self._stub.DerivePseudonyms(
                pseudonyms_pb2.DerivePseudonymsRequest(id_numbers=id_numbers),
                timeout=self._timeout,
            )
        except grpc.RpcError as exc:
            code = exc.code()
            # The registry's messages name no identity number (it audits them).
            log.warning("pseudonymisation at %s failed: %s %s", self._address, code, exc.details())
            if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                raise ResourceExhausted(
                    "this exchange has used up its allowance of assessor ids at the registry; "
                    "retry later"
                ) from None
            raise Unavailable(
                f"the registry could not derive assessor ids ({code.name}: {exc.details()}); "
                "nothing was stored, retry later"
            ) from None
        if len(reply.assessor_ids) != len(id_numbers):
            raise Unavailable("the registry answered a different number of assessor ids")
        return list(reply.assessor_ids)

    def close(self) -> None:
        self._channel.close()
