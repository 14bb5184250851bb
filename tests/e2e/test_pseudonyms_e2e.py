"""End to end: assessor ids come from the registry, which alone holds the key.
A person has one id whichever province registers them; only exchanges may ask,
and every request is in the registry's audit trail without the numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import pytest
from stdnum.cn import ric

from services.common.grpc_errors import bad_request_violations
from services.common.signing import keyset_path
from services.core.identity import Identity, Role
from services.core.provinces import Province
from services.hub import client
from services.hub.demo_trust import wait_for
from services.hub.supervisor import Hub
from tests.integration.pool_records import days_ahead, uscc
from yrdhub.v1 import (
    assessor_pool_pb2,
    assessor_pool_pb2_grpc,
    audit_pb2,
    audit_pb2_grpc,
    common_pb2,
    exchange_pb2,
    pseudonyms_pb2,
    pseudonyms_pb2_grpc,
    records_pb2,
    registry_pb2,
)

pytestmark = pytest.mark.e2e

ID_NUMBER = "32010219850315002" + ric.calc_check_digit("320102198503150020")


def _pseudonyms(address: str, as_: Identity) -> Any:
    return pseudonyms_pb2_grpc.PseudonymServiceStub(client.channel(address, as_))  # type: ignore[no-untyped-call]


def _person(name: str) -> records_pb2.Record:
    return records_pb2.Record(
        assessor=records_pb2.Assessor(
            employer_uscc=uscc("91320100MA1XYW000"),
            level=records_pb2.ASSESSOR_LEVEL_ASSESSOR,
            fields=["01"],
            status=records_pb2.ASSESSOR_STATUS_ACTIVE,
            original_status="正常",
            available=True,
            identity=records_pb2.AssessorIdentity(name=name, id_number=ID_NUMBER),
        )
    )


def test_one_person_has_one_id_in_every_province_and_only_exchanges_may_ask(hub: Hub) -> None:
    ids = {}
    for province in (Province.SH, Province.JS):
        reply = client.exchange_stub(hub.exchanges[province].address).PublishRecords(
            exchange_pb2.PublishRecordsRequest(records=[_person("周晓岚")]), timeout=30
        )
        [result] = reply.results
        assert result.outcome == exchange_pb2.RECORD_OUTCOME_ACCEPTED, result.violations
        ids[province] = result.assessor_id
    assert ids[Province.SH] == ids[Province.JS] and ids[Province.SH].startswith("A")

    # The exchanges' own certificates may ask; a regulator, or nobody, may not.
    registry = hub.registry.address
    asked = pseudonyms_pb2.DerivePseudonymsRequest(id_numbers=[ID_NUMBER.lower()])
    derived = _pseudonyms(registry, Identity(Role.EXCHANGE, Province.JS)).DerivePseudonyms(
        asked, timeout=10
    )
    assert list(derived.assessor_ids) == [ids[Province.SH]]
    with pytest.raises(grpc.RpcError) as regulator:
        _pseudonyms(registry, Identity(Role.REGULATOR, Province.SH)).DerivePseudonyms(
            asked, timeout=10
        )
    assert regulator.value.code() == grpc.StatusCode.PERMISSION_DENIED
    public = pseudonyms_pb2_grpc.PseudonymServiceStub(  # type: ignore[no-untyped-call]
        grpc.secure_channel(
            hub.public_address,
            grpc.ssl_channel_credentials((hub.tls_dir / "ca.pem").read_bytes()),  # type: ignore[operator]
        )
    )
    with pytest.raises(grpc.RpcError) as anonymous:
        public.DerivePseudonyms(asked, timeout=10)
    # Not even served on the public endpoint (the main one wants a certificate).
    assert anonymous.value.code() == grpc.StatusCode.UNIMPLEMENTED
    with pytest.raises(grpc.RpcError) as malformed:
        _pseudonyms(registry, Identity(Role.EXCHANGE, Province.SH)).DerivePseudonyms(
            pseudonyms_pb2.DerivePseudonymsRequest(id_numbers=[ID_NUMBER[:-1] + "X"]),
            timeout=10,
        )
    assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in bad_request_violations(malformed.value)] == ["id_numbers[0]"]

    # The registry's trail names who asked and how many, never the numbers.
    trail = (
        audit_pb2_grpc.AuditServiceStub(  # type: ignore[no-untyped-call]
            client.channel(registry, Identity(Role.OPERATOR))
        )
        .ListAuditEntries(audit_pb2.ListAuditEntriesRequest(limit=1000), timeout=10)
        .entries
    )
    derivations = [e for e in trail if e.method.endswith("/DerivePseudonyms")]
    exchange = "spiffe://yrdhub/province/{}/role/exchange".format
    assert sorted((e.caller, e.outcome) for e in derivations) == sorted(
        [
            (exchange("SH"), "OK"),
            (exchange("JS"), "OK"),
            (exchange("JS"), "OK"),
            ("spiffe://yrdhub/province/SH/role/regulator", "PERMISSION_DENIED"),
            (exchange("SH"), "INVALID_ARGUMENT"),
        ]
    )
    assert {e.touched for e in derivations if e.outcome == "OK"} == {
        "1 identity numbers pseudonymised"
    }
    for entry in trail:
        assert ID_NUMBER not in entry.touched.upper()


def test_a_second_province_s_registration_is_kept_and_its_chain_verifies(hub: Hub) -> None:
    """Jiangsu registers a person Shanghai registered first: the registry keeps
    both registrations of the one id (it used to set Jiangsu's aside), and
    Jiangsu's signed chain exports and verifies offline without a gap."""
    assert hub.tls_dir is not None
    registry = client.registry_stub(hub.registry.address)
    keys = set()
    for province in (Province.SH, Province.JS):
        reply = client.exchange_stub(hub.exchanges[province].address).PublishRecords(
            exchange_pb2.PublishRecordsRequest(records=[_person("周晓岚")]), timeout=30
        )
        keys.add(reply.results[0].record_key)
    [key] = keys
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)
    held = registry.GetRecord(registry_pb2.GetRecordRequest(record_key=key), timeout=10)
    assert {r.provenance.province for r in held.records} == {
        common_pb2.PROVINCE_SH,
        common_pb2.PROVINCE_JS,
    }
    js = client.exchange_stub(hub.exchanges[Province.JS].address)
    last = js.GetExchangeStatus(exchange_pb2.GetExchangeStatusRequest(), timeout=10).last_sequence

    def verified_through() -> int:
        status = registry.GetRegistryStatus(registry_pb2.GetRegistryStatusRequest(), timeout=10)
        return max(
            (
                f.chain.verified_sequence
                for f in status.feeds
                if f.province == common_pb2.PROVINCE_JS
            ),
            default=0,
        )

    wait_for(lambda: verified_through() >= last, "Jiangsu's chain was not verified")
    saved = hub.config.workdir / "js-chain.jsonl"
    yrdhub = str(Path(sys.executable).with_name("yrdhub"))
    exported = subprocess.run(
        [yrdhub, "export-chain", "--registry", hub.registry.address, "--province", "JS",
         "--out", str(saved), "--tls-dir", str(hub.tls_dir)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stdout + exported.stderr
    keyset = str(keyset_path(hub.tls_dir / "signing"))
    verified = subprocess.run(
        [yrdhub, "verify-chain", str(saved), "--keyset", keyset],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"sequences 1..{last}" in verified.stdout, verified.stdout


def test_a_person_suspended_in_shanghai_is_never_drawn_for_anhui(hub: Hub) -> None:
    """One person registered by Shanghai and Jiangsu (one id, two
    registrations). Shanghai suspends them; Anhui's regulators request teams
    in their field and the person is never drawn, each draw naming why and
    which province said so."""
    number = "31010419780612003" + ric.calc_check_digit("310104197806120030")
    field = "21"

    def person(status: int, original: str, reason: str = "") -> records_pb2.Record:
        record = _person("沈一帆")
        record.assessor.identity.id_number = number
        record.assessor.level = records_pb2.ASSESSOR_LEVEL_TEAM_LEADER
        record.assessor.fields[:] = [field]
        record.assessor.status = status  # type: ignore[assignment]
        record.assessor.original_status = original
        record.assessor.status_reason = reason
        return record

    others = []
    for n in range(3):
        other = person(records_pb2.ASSESSOR_STATUS_ACTIVE, "正常")
        other.assessor.identity.id_number = f"3401021980010{n}00" + ric.calc_check_digit(
            f"3401021980010{n}000"
        )
        other.assessor.identity.name = f"评审员{n}"
        others.append(other)
    exchanges = {p: client.exchange_stub(s.address) for p, s in hub.exchanges.items()}
    ids = {}
    for province in (Province.SH, Province.JS):
        [result] = client.publish_all(
            exchanges[province], [person(records_pb2.ASSESSOR_STATUS_ACTIVE, "正常")]
        )
        assert result.outcome == exchange_pb2.RECORD_OUTCOME_ACCEPTED, result.violations
        ids[province] = result.assessor_id
    assert ids[Province.SH] == ids[Province.JS]
    person_id = ids[Province.SH]
    # (The hub of these tests runs Shanghai's and Jiangsu's exchanges; the
    # registry and its pool serve Anhui's regulators all the same.)
    results = client.publish_all(exchanges[Province.SH], others)
    assert all(r.outcome == exchange_pb2.RECORD_OUTCOME_ACCEPTED for r in results)
    [suspended] = client.publish_all(
        exchanges[Province.SH],
        [person(records_pb2.ASSESSOR_STATUS_SUSPENDED, "暂停", "评审中未遵守回避规定")],
    )
    assert suspended.revision == 2
    registry = client.registry_stub(hub.registry.address)
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    anhui = assessor_pool_pb2_grpc.AssessorPoolServiceStub(  # type: ignore[no-untyped-call]
        client.channel(hub.registry.address, Identity(Role.REGULATOR, Province.AH))
    )
    for n in range(4):
        day = days_ahead(7 + n).isoformat()
        draw = anhui.RequestTeam(
            assessor_pool_pb2.RequestTeamRequest(
                spec=assessor_pool_pb2.TeamSpec(
                    institution_uscc=uscc(f"91340100MA2PE0{n:03d}"),
                    institution_province=common_pb2.PROVINCE_AH,
                    fields=[field],
                    start_date=day,
                    end_date=day,
                )
            ),
            timeout=30,
        ).draw
        assert draw.state == assessor_pool_pb2.DRAW_STATE_DRAWN, draw.failure
        assert person_id not in {m.assessor_id for m in draw.team}
        [why] = [x for x in draw.exclusions if x.assessor_id == person_id]
        assert why.reason == "status"
        assert why.detail == "suspended by SH: 评审中未遵守回避规定"
