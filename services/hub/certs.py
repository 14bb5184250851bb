"""`yrdhub certs`: a development certificate authority and every certificate
the hub needs, each naming one identity (services/core/identity.py).

For development and tests only: production certificates come from the
provinces' own CAs or cert-manager, with the same identity scheme. Private
keys are written with mode 0600 into the folder asked for, never anywhere in
the repository.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from services.common.signing import FOLDER, create_keys
from services.core.identity import Identity, Role
from services.core.provinces import Province

VALIDITY = dt.timedelta(days=365)
# Servers listen on 127.0.0.1 here; a cluster adds its service names.
LOCAL_NAMES = ("localhost",)
LOCAL_ADDRESSES = ("127.0.0.1",)


@dataclass(frozen=True, slots=True)
class Issued:
    identity: Identity
    certificate: Path
    key: Path


def hub_identities() -> list[Identity]:
    """Every identity the hub's processes and users need: per province its
    systems, its exchange and its regulators; the registry; an operator."""
    provincial = [
        Identity(role, province)
        for province in Province
        for role in (Role.SYSTEM, Role.EXCHANGE, Role.REGULATOR)
    ]
    return [
        *provincial,
        Identity(Role.REGISTRY),
        Identity(Role.OPERATOR),
        Identity(Role.BROKER),
    ]


def file_stem(identity: Identity) -> str:
    """e.g. "exchange-SH", "registry"."""
    return identity.role.value + ("" if identity.province is None else f"-{identity.province}")


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def create_ca(out: Path, now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "yrdhub development CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_cert(out / "ca.pem", cert)
    _write_key(out / "ca.key", key)
    return cert, key


def issue(
    out: Path,
    identity: Identity,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    now: dt.datetime,
    dns_names: Iterable[str] = LOCAL_NAMES,
    addresses: Iterable[str] = LOCAL_ADDRESSES,
) -> Issued:
    """A certificate for `identity`, usable as TLS client and server, its one
    URI SAN naming the identity (and the local names a server answers on)."""
    ca_cert, ca_key = ca
    key = _key()
    names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(identity.uri)]
    names += [x509.DNSName(n) for n in dns_names]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(identity))]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    stem = file_stem(identity)
    issued = Issued(identity, out / f"{stem}.pem", out / f"{stem}.key")
    _write_cert(issued.certificate, cert)
    _write_key(issued.key, key)
    return issued


def create_all(out: Path, now: dt.datetime | None = None) -> list[Issued]:
    """A new CA and a certificate per hub identity in `out` (created if need be),
    and a signing key per province (services/common/signing.py)."""
    now = now or dt.datetime.now(dt.UTC)
    out.mkdir(parents=True, exist_ok=True)
    ca = create_ca(out, now)
    issued = [issue(out, identity, ca, now) for identity in hub_identities()]
    create_keys(out / FOLDER)
    return issued
