"""Who is calling: a role, and for provincial roles the province, as a client
certificate states them.

The scheme (docs/trust.md): every certificate the hub issues carries exactly
one URI subject alternative name,

    spiffe://yrdhub/province/<SH|JS|ZJ|AH>/role/<system|exchange|regulator>
    spiffe://yrdhub/role/<registry|operator|broker>

in the form of a SPIFFE ID, so the identity is read from one field that
TLS libraries expose (gRPC's auth context lists the SANs), never from free
text such as the common name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.core.provinces import Province

TRUST_DOMAIN = "yrdhub"


class Role(StrEnum):
    # A province's own systems: publish to their exchange.
    SYSTEM = "system"
    # A province's exchange service (server, and Kafka producer).
    EXCHANGE = "exchange"
    # A province's regulators: queries, reconciliation, the pool, audit.
    REGULATOR = "regulator"
    # The shared registry (server, and Kafka consumer).
    REGISTRY = "registry"
    # Whoever runs the hub: status and operations, no records.
    OPERATOR = "operator"
    # The hub's Kafka brokers (server, and a client of one another).
    BROKER = "broker"


PROVINCIAL = frozenset({Role.SYSTEM, Role.EXCHANGE, Role.REGULATOR})


@dataclass(frozen=True, slots=True)
class Identity:
    role: Role
    province: Province | None = None

    def __post_init__(self) -> None:
        if (self.role in PROVINCIAL) != (self.province is not None):
            raise ValueError(
                f"role {self.role.value} "
                + ("needs a province" if self.role in PROVINCIAL else "has no province")
            )

    @property
    def uri(self) -> str:
        """The URI subject alternative name that carries this identity."""
        if self.province is None:
            return f"spiffe://{TRUST_DOMAIN}/role/{self.role.value}"
        return f"spiffe://{TRUST_DOMAIN}/province/{self.province.value}/role/{self.role.value}"

    def __str__(self) -> str:
        return self.role.value if self.province is None else f"{self.role.value}@{self.province}"


_PREFIX = f"spiffe://{TRUST_DOMAIN}/"


def parse_identity(uri: str) -> Identity:
    """The identity a URI SAN names, or ValueError saying why it names none."""
    if not uri.startswith(_PREFIX):
        raise ValueError(f"{uri!r} is not a {TRUST_DOMAIN} identity")
    parts = uri.removeprefix(_PREFIX).split("/")
    try:
        if len(parts) == 4 and parts[0] == "province" and parts[2] == "role":
            return Identity(Role(parts[3]), Province(parts[1]))
        if len(parts) == 2 and parts[0] == "role":
            return Identity(Role(parts[1]))
    except ValueError as exc:
        raise ValueError(f"{uri!r}: {exc}") from None
    raise ValueError(f"{uri!r} is not of the form {_PREFIX}[province/XX/]role/ROLE")


def identity_of(uris: list[str]) -> Identity:
    """The one hub identity among a certificate's URI SANs."""
    found = {parse_identity(u) for u in uris if u.startswith(_PREFIX)}
    if len(found) != 1:
        raise ValueError(f"a certificate must name exactly one {TRUST_DOMAIN} identity")
    return found.pop()
