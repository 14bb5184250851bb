"""Mutual TLS for the hub's gRPC servers and clients, and authorization of
each call from the caller's certificate (services/core/authorization.py).

A server with TLS checks every call before its servicer runs: the method's
rule decides, from the identity in the client certificate's URI SAN. Public
methods (label and certificate checks, health) are not wrapped at all, so the
hottest calls pay nothing for it. Certificates come from a folder laid out as
`yrdhub certs` writes it: ca.pem, and <role>[-<province>].pem/.key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from services.core.authorization import RULES, Refusal, authorize
from services.core.errors import PermissionDenied, Unauthenticated
from services.core.identity import Identity, identity_of
from services.core.provinces import Province

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where one party's certificate, key and the CA are."""

    folder: Path
    stem: str  # e.g. "exchange-SH": exchange-SH.pem and exchange-SH.key

    @property
    def certificate(self) -> Path:
        return self.folder / f"{self.stem}.pem"

    @property
    def key(self) -> Path:
        return self.folder / f"{self.stem}.key"

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    def read(self) -> tuple[bytes, bytes, bytes]:
        return self.certificate.read_bytes(), self.key.read_bytes(), self.ca.read_bytes()


@dataclass(frozen=True, slots=True)
class ServerTls:
    files: TlsFiles
    # The province this process serves (an exchange), None for hub-wide services.
    serving: Province | None = None
    # False on the public endpoint: a client certificate is optional there.
    require_client_certificate: bool = True

    def credentials(self) -> grpc.ServerCredentials:
        cert, key, ca = self.files.read()
        return grpc.ssl_server_credentials(
            [(key, cert)],
            root_certificates=ca,
            require_client_auth=self.require_client_certificate,
        )


def channel_credentials(files: TlsFiles | None, ca: Path | None = None) -> grpc.ChannelCredentials:
    """A client's credentials: its certificate when given (mTLS), else only the CA
    (the public endpoint)."""
    if files is None:
        if ca is None:
            raise ValueError("a client needs at least the CA certificate")
        return grpc.ssl_channel_credentials(root_certificates=ca.read_bytes())
    cert, key, root = files.read()
    return grpc.ssl_channel_credentials(
        root_certificates=root, private_key=key, certificate_chain=cert
    )


def caller(context: grpc.aio.ServicerContext[Any, Any]) -> Identity | None:
    """The identity in the client certificate, None without one (or with one
    that names none)."""
    return _named(context)[0]


def _named(context: grpc.aio.ServicerContext[Any, Any]) -> tuple[Identity | None, str]:
    """The caller's identity, or None and why a certificate the CA signed
    names none ("" when no certificate was presented)."""
    auth = context.auth_context()
    uris = [
        v.decode()
        for k in ("x509_uri", "x509_subject_alternative_name", "peer_spiffe_id")
        for v in auth.get(k, [])
    ]
    presented = bool(auth.get("x509_pem_cert"))
    try:
        return identity_of(sorted(set(uris))), ""
    except ValueError as why:
        return None, str(why) if presented else ""


def authorization_check(
    method: str, serving: Province | None
) -> Callable[[grpc.aio.ServicerContext[Any, Any]], Identity | None] | None:
    """What a call to `method` must pass before its servicer runs: the caller's
    identity admitted by the method's rule (refusals raised as domain errors,
    which grpc_errors.with_domain_errors maps); it returns the identity. None
    for public methods: the hottest calls pay nothing for it."""
    rule = RULES.get(method)
    if rule is not None and rule.public:
        return None

    def check(context: grpc.aio.ServicerContext[Any, Any]) -> Identity | None:
        who, why_unnamed = _named(context)
        if why_unnamed:
            # A certificate the CA signed that names no identity: refused for
            # what it is, not as a call without a certificate.
            reason = f"{method}: the client certificate names no hub identity ({why_unnamed})"
            log.warning("refused %s to %s: %s", method, context.peer(), reason)
            raise PermissionDenied(reason)
        verdict = authorize(who, method, serving)
        if not verdict.allowed:
            log.warning("refused %s to %s: %s", method, context.peer(), verdict.reason)
            refused = (
                Unauthenticated if verdict.refusal is Refusal.UNAUTHENTICATED else PermissionDenied
            )
            raise refused(verdict.reason)
        return who

    return check
