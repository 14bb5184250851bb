"""Mutual TLS and authorization on a real socket: an exchange served with the
certificates `yrdhub certs` makes admits only its own province's systems to
publish, tells a wrong province why it is refused, and completes no handshake
without a client certificate."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.audit_log import AuditLog
from services.common.auditing import Auditor
from services.common.db import make_engine
from services.common.grpc_server import GrpcServer
from services.common.record_mapping import to_record_pb
from services.common.tls import ServerTls, TlsFiles, channel_credentials
from services.core.identity import Identity, Role, identity_of
from services.core.provinces import Province
from services.exchange.outbox import Outbox
from services.exchange.publishing import Publisher
from services.exchange.servicer import ExchangeServicer
from services.hub.certs import create_all, file_stem
from services.hub.ports import free_port
from tests.factories import qualification
from yrdhub.v1 import exchange_pb2, exchange_pb2_grpc


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("certs")
    create_all(folder)
    return folder


# Each served exchange's audit trail and plaintext health address, by
# whether certificates are required.
trails: dict[bool, AuditLog] = {}
health_addresses: dict[bool, str] = {}


@pytest.fixture(scope="module", params=[True, False], ids=["mtls", "public"])
def served(
    request: pytest.FixtureRequest, certs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, bool]]:
    """Shanghai's exchange on a real port, with TLS requiring client
    certificates (mtls) or not asking for them (as on a public endpoint);
    yields its address and whether certificates are required."""
    required: bool = request.param
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sh')}/exchange.db")
    outbox = Outbox(engine, "SH")
    outbox.create_schema()
    trail = AuditLog(engine)
    trail.create_schema()
    trails[required] = trail
    servicer = ExchangeServicer(Province.SH, Publisher(Province.SH, outbox), outbox)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    servers: list[GrpcServer] = []
    port: list[int] = []
    health_addresses[required] = f"127.0.0.1:{free_port()}"

    async def run() -> None:
        server = GrpcServer(  # made in the loop it serves on
            "127.0.0.1:0",
            [
                (
                    exchange_pb2.DESCRIPTOR.services_by_name["ExchangeService"].full_name,
                    lambda s: exchange_pb2_grpc.add_ExchangeServiceServicer_to_server(  # type: ignore[no-untyped-call]
                        servicer, s
                    ),
                )
            ],
            tls=ServerTls(
                TlsFiles(certs, "exchange-SH"),
                serving=Province.SH,
                require_client_certificate=required,
            ),
            auditor=Auditor(trail),
            health_listen=health_addresses[required],
        )
        servers.append(server)
        port.append(await server.start())
        started.set()
        await asyncio.Event().wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert started.wait(10)
    yield f"127.0.0.1:{port[0]}", required
    asyncio.run_coroutine_threadsafe(servers[0].stop(0), loop).result(10)


def _stub(
    address: str, certs: Path, identity: Identity | None
) -> exchange_pb2_grpc.ExchangeServiceStub:
    files = None if identity is None else TlsFiles(certs, file_stem(identity))
    channel = grpc.secure_channel(address, channel_credentials(files, ca=certs / "ca.pem"))
    return exchange_pb2_grpc.ExchangeServiceStub(channel)  # type: ignore[no-untyped-call]


def _publish(stub: exchange_pb2_grpc.ExchangeServiceStub) -> exchange_pb2.PublishRecordsResponse:
    request = exchange_pb2.PublishRecordsRequest(records=[to_record_pb(qualification(serial=7))])
    response: exchange_pb2.PublishRecordsResponse = stub.PublishRecords(request, timeout=10)
    return response


def test_certificates_name_one_identity_each_and_keys_are_private(certs: Path) -> None:
    ca = x509.load_pem_x509_certificate((certs / "ca.pem").read_bytes())
    pems = sorted(p for p in certs.glob("*.pem") if p.name != "ca.pem")
    # Per province its systems, exchange and regulators; the registry, the
    # operator and the Kafka broker.
    assert len(pems) == 15
    for pem in pems:
        cert = x509.load_pem_x509_certificate(pem.read_bytes())
        cert.verify_directly_issued_by(ca)
        uris = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        identity = identity_of(uris.get_values_for_type(x509.UniformResourceIdentifier))
        assert file_stem(identity) == pem.stem
        assert (pem.with_suffix(".key").stat().st_mode & 0o077) == 0


@pytest.fixture
def exchange(served: tuple[str, bool]) -> str:
    address, required = served
    if not required:
        pytest.skip("certificates are not asked for on a public endpoint")
    return address


def test_the_province_publishes_to_its_own_exchange(exchange: str, certs: Path) -> None:
    [result] = _publish(_stub(exchange, certs, Identity(Role.SYSTEM, Province.SH))).results
    assert result.outcome == exchange_pb2.RECORD_OUTCOME_ACCEPTED


def test_another_province_or_role_is_refused_with_the_reason(exchange: str, certs: Path) -> None:
    for who in (Identity(Role.SYSTEM, Province.JS), Identity(Role.REGULATOR, Province.SH)):
        with pytest.raises(grpc.RpcError) as refused:
            _publish(_stub(exchange, certs, who))
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
        assert str(who) in (refused.value.details() or "")
    # Shanghai's regulators may read the exchange's status.
    status = _stub(exchange, certs, Identity(Role.REGULATOR, Province.SH)).GetExchangeStatus(
        exchange_pb2.GetExchangeStatusRequest(), timeout=10
    )
    assert status.province


def test_no_client_certificate_completes_no_handshake(exchange: str, certs: Path) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        _publish(_stub(exchange, certs, None))
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


def test_probes_get_plaintext_health_and_nothing_else(exchange: str, certs: Path) -> None:
    # A kubelet's gRPC probe speaks no TLS: health alone answers it.
    plain = grpc.insecure_channel(health_addresses[True])
    health = health_pb2_grpc.HealthStub(plain)
    reply = health.Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as refused:
        _publish(exchange_pb2_grpc.ExchangeServiceStub(plain))  # type: ignore[no-untyped-call]
    assert refused.value.code() is grpc.StatusCode.UNIMPLEMENTED


def test_a_public_endpoint_refuses_protected_calls_as_unauthenticated(
    served: tuple[str, bool], certs: Path
) -> None:
    address, required = served
    if required:
        pytest.skip("the mutual-TLS endpoint refuses at the handshake")
    with pytest.raises(grpc.RpcError) as refused:
        _publish(_stub(address, certs, None))
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "certificate" in (refused.value.details() or "")


def test_refusals_of_callers_without_a_certificate_cannot_flood_the_audit_trail(
    served: tuple[str, bool], certs: Path
) -> None:
    """Anyone can call a public endpoint: its anonymous refusals are recorded at
    a bounded rate, and the entry after a pause counts those left out."""
    address, required = served
    if required:
        pytest.skip("without a certificate the mutual-TLS endpoint completes no handshake")
    stub = _stub(address, certs, None)
    before = len(trails[required].entries(None, limit=10_000))
    calls = 3 * Auditor.ANONYMOUS_BURST
    for _ in range(calls):
        with pytest.raises(grpc.RpcError):
            _publish(stub)
    recorded = len(trails[required].entries(None, limit=10_000)) - before
    # A burst, and what refilled while the calls went on (a second or two).
    assert 0 < recorded <= Auditor.ANONYMOUS_BURST + 5 < calls
    time.sleep(1.5 / Auditor.ANONYMOUS_PER_SECOND)
    with pytest.raises(grpc.RpcError):
        _publish(stub)
    [latest] = trails[required].entries(None, limit=1)
    assert latest.facts.caller == "anonymous" and latest.facts.outcome == "UNAUTHENTICATED"
    assert "were not recorded" in latest.facts.touched


def _unnamed_certificate(certs: Path, stem: str, uris: list[str]) -> None:
    """A client certificate the hub's CA signed that names no hub identity."""
    ca = x509.load_pem_x509_certificate((certs / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((certs / "ca.key").read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "operator")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if uris:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(u) for u in uris]),
            critical=False,
        )
    (certs / f"{stem}.pem").write_bytes(
        builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    )
    (certs / f"{stem}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.mark.parametrize(
    ("uris", "why"),
    [
        ([], "exactly one"),
        (["spiffe://yrdhub/province/XX/role/regulator"], "XX"),
        (
            ["spiffe://yrdhub/role/operator", "spiffe://yrdhub/province/SH/role/regulator"],
            "exactly one",
        ),
    ],
)
def test_a_certificate_naming_no_identity_is_refused_as_such(
    exchange: str, certs: Path, uris: list[str], why: str
) -> None:
    stem = f"unnamed-{len(uris)}-{abs(hash(tuple(uris)))}"
    _unnamed_certificate(certs, stem, uris)
    channel = grpc.secure_channel(exchange, channel_credentials(TlsFiles(certs, stem)))
    stub = exchange_pb2_grpc.ExchangeServiceStub(channel)  # type: ignore[no-untyped-call]
    with pytest.raises(grpc.RpcError) as refused:
        stub.GetExchangeStatus(exchange_pb2.GetExchangeStatusRequest(), timeout=10)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    details = refused.value.details() or ""
    assert "names no hub identity" in details and why in details
    assert "needs a client certificate" not in details
