"""LabelService over gRPC: parse, call the label queries, map the result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc

from services.common.convert import (
    PROVINCE_FROM_PB,
    PROVINCE_TO_PB,
    STATUS_FROM_PB,
    STATUS_TO_PB,
    timestamp,
)
from services.core.labels import LabelFinding, Verdict, label_verdict
from services.core.provenance import china_date
from services.core.provinces import Province
from services.core.status import CertificateStatus, effective_status
from services.registry.labels import LabelQueries, LabelResult
from services.registry.mapping import freshness_messages
from services.registry.store import StoredRow
from yrdhub.v1 import events_pb2, labels_pb2, labels_pb2_grpc


def label_match(row: StoredRow, today: dt.date) -> labels_pb2.LabelMatch:
    g = events_pb2.Event.FromString(row.payload).record.green_cert
    until = dt.date.fromisoformat(g.valid_until) if g.valid_until else None
    status = STATUS_FROM_PB.get(g.status.canonical, CertificateStatus.VALID)
    return labels_pb2.LabelMatch(
        province=PROVINCE_TO_PB[Province(row.province)],
        record_key=row.record_key,
        body_code=g.body_code,
        certificate_number=g.certificate_number,
        label_code=g.label_code,
        enterprise_uscc=g.enterprise_uscc,
        enterprise_name=g.enterprise_name,
        product=g.product,
        model=g.model,
        evaluation_standard=g.evaluation_standard,
        valid_from=g.valid_from,
        valid_until=g.valid_until,
        status=g.status,
        effective_status=STATUS_TO_PB[effective_status(status, until, today)],
        revision=row.revision,
        accepted_at=timestamp(row.accepted_at),
    )


def verdict_of(matches: list[labels_pb2.LabelMatch]) -> Verdict:
    return label_verdict(
        [
            LabelFinding(
                PROVINCE_FROM_PB[m.province],
                f"{m.body_code}/{m.certificate_number}",
                STATUS_FROM_PB[m.effective_status],
            )
            for m in matches
        ]
    )


def label_check(result: LabelResult, today: dt.date) -> labels_pb2.LabelCheck:
    matches = [label_match(row, today) for row in result.matches]
    verdict = verdict_of(matches)
    return labels_pb2.LabelCheck(
        query=result.query,
        code=result.code,
        found=bool(matches),
        matches=matches,
        verdict=f"LABEL_VERDICT_{verdict.status}",
        recognized_in=[PROVINCE_TO_PB[p] for p, ok in verdict.recognized_in.items() if ok],
        conflicts=verdict.conflicts,
    )


class LabelServicer(labels_pb2_grpc.LabelServiceServicer):
    def __init__(self, labels: LabelQueries) -> None:
        self._labels = labels

    async def CheckLabel(
        self, request: labels_pb2.CheckLabelRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> labels_pb2.CheckLabelResponse:
        answer = self._labels.check([request.code])
        return labels_pb2.CheckLabelResponse(
            check=label_check(answer.results[0], china_date(answer.as_of)),
            as_of=timestamp(answer.as_of),
            freshness=self._labels.feed_cache.derived(freshness_messages),
        )

    async def CheckLabels(
        self, request: labels_pb2.CheckLabelsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> labels_pb2.CheckLabelsResponse:
        answer = self._labels.check(list(request.codes))
        today = china_date(answer.as_of)
        return labels_pb2.CheckLabelsResponse(
            checks=[label_check(r, today) for r in answer.results],
            as_of=timestamp(answer.as_of),
            freshness=self._labels.feed_cache.derived(freshness_messages),
        )
