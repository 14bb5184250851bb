"""Identities as certificates name them, and who may call which RPC."""

from __future__ import annotations

import pytest

from services.core.authorization import RULES, Refusal, authorize
from services.core.identity import Identity, Role, identity_of, parse_identity
from services.core.provinces import Province
from yrdhub.v1 import (
    assessor_pool_pb2,
    exchange_pb2,
    home_assignments_pb2,
    labels_pb2,
    registry_pb2,
)

SH_SYSTEM = Identity(Role.SYSTEM, Province.SH)
JS_SYSTEM = Identity(Role.SYSTEM, Province.JS)
SH_REGULATOR = Identity(Role.REGULATOR, Province.SH)
PUBLISH = "/yrdhub.v1.ExchangeService/PublishRecords"


def test_identities_round_trip_through_their_uri() -> None:
    for identity in (SH_SYSTEM, Identity(Role.REGISTRY), Identity(Role.EXCHANGE, Province.AH)):
        assert parse_identity(identity.uri) == identity
    assert SH_SYSTEM.uri == "spiffe://yrdhub/province/SH/role/system"
    assert identity_of(["urn:other", Identity(Role.OPERATOR).uri]) == Identity(Role.OPERATOR)


@pytest.mark.parametrize(
    "uri",
    [
        "spiffe://other/role/registry",
        "spiffe://yrdhub/role/system",  # a provincial role without its province
        "spiffe://yrdhub/province/SH/role/registry",  # a hub-wide role with one
        "spiffe://yrdhub/province/XX/role/system",
        "spiffe://yrdhub/province/SH/role/king",
    ],
)
def test_malformed_identities_are_refused(uri: str) -> None:
    with pytest.raises(ValueError):
        parse_identity(uri)


def test_a_certificate_names_exactly_one_identity() -> None:
    with pytest.raises(ValueError):
        identity_of([])
    with pytest.raises(ValueError):
        identity_of([SH_SYSTEM.uri, JS_SYSTEM.uri])


def test_a_province_publishes_only_to_its_own_exchange() -> None:
    assert authorize(SH_SYSTEM, PUBLISH, Province.SH).allowed
    wrong = authorize(JS_SYSTEM, PUBLISH, Province.SH)
    assert (wrong.allowed, wrong.refusal) == (False, Refusal.PERMISSION_DENIED)
    assert "JS" in wrong.reason and "SH" in wrong.reason
    assert authorize(SH_REGULATOR, PUBLISH, Province.SH).refusal is Refusal.PERMISSION_DENIED
    assert authorize(None, PUBLISH, Province.SH).refusal is Refusal.UNAUTHENTICATED


def test_identities_leave_home_only_for_the_home_regulators() -> None:
    method = "/yrdhub.v1.HomeAssignmentService/ListHomeAssignments"
    assert authorize(SH_REGULATOR, method, Province.SH).allowed
    assert not authorize(Identity(Role.REGULATOR, Province.ZJ), method, Province.SH).allowed
    assert not authorize(SH_SYSTEM, method, Province.SH).allowed
    assert not authorize(Identity(Role.OPERATOR), method, Province.SH).allowed


def test_checks_are_public_and_queries_are_for_regulators() -> None:
    for method in (
        "/yrdhub.v1.LabelService/CheckLabels",
        "/yrdhub.v1.RegistryService/CheckCertificate",
    ):
        assert authorize(None, method).allowed
    decide = "/yrdhub.v1.RegistryService/DecideRecognition"
    assert authorize(Identity(Role.REGULATOR, Province.ZJ), decide).allowed
    assert authorize(None, decide).refusal is Refusal.UNAUTHENTICATED
    assert authorize(SH_SYSTEM, decide).refusal is Refusal.PERMISSION_DENIED
    assert not authorize(
        Identity(Role.OPERATOR), "/yrdhub.v1.AssessorPoolService/RequestTeam"
    ).allowed


def test_every_rpc_of_the_contracts_has_a_rule_and_nothing_else_is_open() -> None:
    methods = {
        f"/yrdhub.v1.{service.name}/{m.name}"
        for module in (
            exchange_pb2,
            registry_pb2,
            labels_pb2,
            assessor_pool_pb2,
            home_assignments_pb2,
        )
        for service in module.DESCRIPTOR.services_by_name.values()
        for m in service.methods
    }
    assert methods <= set(RULES)
    refused = authorize(SH_REGULATOR, "/yrdhub.v1.RegistryService/DropEverything")
    assert refused.refusal is Refusal.PERMISSION_DENIED
