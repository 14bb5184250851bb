"""End to end: label answers and recognition decisions say the same thing.

Green certificates in every status (and expired, and not yet valid), each held
by an enterprise with no credit event, on the serious-violation list, on the
abnormal-operations list, or listed and then removed; and labels under open
conflicts. For every one, CheckLabels' recognized_in and
conditionally_recognized_in are exactly the provinces where DecideRecognition
answers RECOGNIZED and CONDITIONAL, on today and on a past day, and the verify
page's JSON says the same."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import urllib.request
from collections.abc import Sequence
from typing import Any

import pytest

from services.common.convert import PROVINCE_TO_PB
from services.common.record_mapping import to_record_pb
from services.core.provenance import china_date, utcnow
from services.core.provinces import Province
from services.core.records import CreditAction, CreditListType, GreenCertification, Record
from services.core.status import CertificateStatus
from services.hub import client
from services.hub.supervisor import Hub
from tests.factories import credit, green_cert, uscc
from yrdhub.v1 import common_pb2, labels_pb2, reconciliation_pb2, registry_pb2

pytestmark = pytest.mark.e2e

OUTCOME = reconciliation_pb2.RecognitionOutcome
STATUSES = ("VALID", "SUSPENDED", "REVOKED", "CANCELLED", "EXPIRED", "NOT_YET_VALID")
CREDIT = ("none", "serious", "abnormal", "lifted")
SEVERITY: list[int] = [
    OUTCOME.RECOGNITION_OUTCOME_RECOGNIZED,
    OUTCOME.RECOGNITION_OUTCOME_CONDITIONAL,
    OUTCOME.RECOGNITION_OUTCOME_NOT_RECOGNIZED,
]


def _publish(exchange: Any, records: Sequence[Record]) -> None:
    results = client.publish_all(exchange, [to_record_pb(r) for r in records])
    assert all(r.violations == [] for r in results), results


def _certificate(n: int, status: str, holder: str) -> GreenCertification:
    today = china_date(utcnow())
    cert = green_cert(
        number=f"CQC2024GP09{n:05d}",
        label=f"GP0000000009{n:04d}",
        holder=holder,
        name=f"长三角绿色制品{n}号有限公司",
    )
    if status == "EXPIRED":
        return cert.model_copy(
            update={"valid_from": dt.date(2020, 1, 1), "valid_until": dt.date(2023, 1, 1)}
        )
    if status == "NOT_YET_VALID":
        return cert.model_copy(update={"valid_from": today + dt.timedelta(days=30)})
    return cert.model_copy(update={"status": CertificateStatus(status)})


def _credit_events(n: int, kind: str, holder: str) -> list[Record]:
    if kind == "none":
        return []
    list_type = (
        CreditListType.ABNORMAL_OPERATIONS
        if kind == "abnormal"
        else CreditListType.SERIOUS_VIOLATION
    )
    listed = credit(
        f"苏市监信〔2026〕9{n:03d}号",
        holder=holder,
        province=Province.JS,
        list_type=list_type,
        effective_from=dt.date(2026, 1, 1),
    )
    if kind != "lifted":
        return [listed]
    lifted = credit(
        f"苏市监信〔2026〕9{n:03d}号-移出",
        holder=holder,
        province=Province.JS,
        list_type=list_type,
        action=CreditAction.REMOVED,
        effective_from=dt.date(2026, 2, 1),
    )
    return [listed, lifted]


def _decided(registry: Any, key: str, as_of: common_pb2.AsOf) -> dict[int, int]:
    return {
        PROVINCE_TO_PB[target]: registry.DecideRecognition(
            registry_pb2.DecideRecognitionRequest(
                record_key=key, target_province=PROVINCE_TO_PB[target], as_of=as_of
            )
        ).outcome
        for target in Province
    }


def _where(decided: dict[int, int], outcome: int) -> list[int]:
    return sorted(p for p, o in decided.items() if o == outcome)


def test_label_answers_and_decisions_agree_on_every_status_and_credit(hub: Hub) -> None:
    sh = client.exchange_stub(hub.exchanges[Province.SH].address)
    js = client.exchange_stub(hub.exchanges[Province.JS].address)
    registry = client.registry_stub(hub.registry.address)
    labels = client.label_stub(hub.registry.address)

    certs: list[GreenCertification] = []
    listings: list[Record] = []
    for n, (status, kind) in enumerate(itertools.product(STATUSES, CREDIT)):
        holder = uscc(f"9132050000009{n:04d}")
        certs.append(_certificate(n, status, holder))
        listings += _credit_events(n, kind, holder)
    # Open conflicts: one label on two products; Jiangsu disagreeing on a status.
    reused = _certificate(90, "VALID", uscc("91320500000099990"))
    twin = reused.model_copy(update={"certificate_number": "CQC2024GP0999999", "model": "JJ-999Z"})
    disputed = _certificate(91, "VALID", uscc("91320500000099991"))
    # One product certified by two bodies: one label, its answer resting on
    # the one still valid (a merged label on plain certificates).
    merged = _certificate(92, "VALID", uscc("91320500000099992"))
    merged_revoked = merged.model_copy(
        update={
            "body_code": "CNCA-R-2002-105",
            "certificate_number": "CEC-GP-24-000092",
            "status": CertificateStatus.REVOKED,
        }
    )
    _publish(sh, [*certs, reused, twin, disputed, merged, merged_revoked])
    _publish(js, [*listings, disputed.model_copy(update={"status": CertificateStatus.SUSPENDED})])
    exchanges = {Province.SH: sh, Province.JS: js}
    client.wait_until_applied(registry, client.published_counts(exchanges), timeout=60)

    checked = [*certs, disputed]
    codes = [c.label_code for c in checked] + [reused.label_code, merged.label_code]
    for as_of in (common_pb2.AsOf(), common_pb2.AsOf(valid_on="2026-01-15")):
        answers = labels.CheckLabels(labels_pb2.CheckLabelsRequest(codes=codes, as_of=as_of))
        by_code = {c.code: c for c in answers.checks}
        seen = set()
        for cert in checked:
            decided = _decided(registry, cert.key, as_of)
            seen.add(tuple(sorted(decided.values())))
            check = by_code[cert.label_code]
            assert sorted(check.recognized_in) == _where(
                decided, OUTCOME.RECOGNITION_OUTCOME_RECOGNIZED
            ), cert.key
            assert sorted(check.conditionally_recognized_in) == _where(
                decided, OUTCOME.RECOGNITION_OUTCOME_CONDITIONAL
            ), cert.key
        # The combinations reach all three outcomes (the test could not pass vacuously).
        assert {o for outcomes in seen for o in outcomes} == {
            OUTCOME.RECOGNITION_OUTCOME_RECOGNIZED,
            OUTCOME.RECOGNITION_OUTCOME_CONDITIONAL,
            OUTCOME.RECOGNITION_OUTCOME_NOT_RECOGNIZED,
        }
        # A label on two certificates: recognised where both are.
        both = [_decided(registry, c.key, as_of) for c in (reused, twin)]
        worst = {p: max((d[p] for d in both), key=SEVERITY.index) for p in both[0]}
        shared = by_code[reused.label_code]
        assert shared.verdict == labels_pb2.LABEL_VERDICT_CONFLICT
        assert sorted(shared.conditionally_recognized_in) == _where(
            worst, OUTCOME.RECOGNITION_OUTCOME_CONDITIONAL
        )
        assert sorted(shared.recognized_in) == _where(worst, OUTCOME.RECOGNITION_OUTCOME_RECOGNIZED)
        # Two bodies' certificates of one product: where the valid one is.
        one = by_code[merged.label_code]
        decided = _decided(registry, merged.key, as_of)
        assert one.verdict == labels_pb2.LABEL_VERDICT_VALID and len(one.matches) == 2
        assert sorted(one.recognized_in) == _where(decided, OUTCOME.RECOGNITION_OUTCOME_RECOGNIZED)
        assert sorted(one.conditionally_recognized_in) == _where(
            decided, OUTCOME.RECOGNITION_OUTCOME_CONDITIONAL
        )

    # The verify page's JSON states the same standing.
    suspended_clean = certs[STATUSES.index("SUSPENDED") * len(CREDIT)]
    with urllib.request.urlopen(
        f"{hub.verify_url}/api/v1/labels/{suspended_clean.label_code}"
    ) as r:
        doc = json.load(r)
    decided = _decided(registry, suspended_clean.key, common_pb2.AsOf())
    assert doc["recognition"] == {
        p.value: reconciliation_pb2.RecognitionOutcome.Name(
            decided[PROVINCE_TO_PB[p]]
        ).removeprefix("RECOGNITION_OUTCOME_")
        for p in Province
    }
    assert set(doc["recognition"].values()) == {"CONDITIONAL"}
