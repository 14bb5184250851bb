"""LabelService over gRPC: parse, call the label queries, map the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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
from services.registry.labels import LabelQueries, LabelResult, LabelRow
from services.registry.mapping import freshness_messages
from yrdhub.v1 import events_pb2, labels_pb2, labels_pb2_grpc

_PROVINCE_PB = {p.value: PROVINCE_TO_PB[p] for p in Province}
_ALL_PROVINCES = list(_PROVINCE_PB.values())
_VALID = STATUS_TO_PB[CertificateStatus.VALID]


def fill_match(match: labels_pb2.LabelMatch, row: LabelRow, today: dt.date) -> None:
    """Fills a LabelMatch in place (a batch builds a thousand: no copies)."""
    event = events_pb2.Event.FromString(row.payload)
    g = event.record.green_cert
    until = dt.date.fromisoformat(g.valid_until) if g.valid_until else None
    status = STATUS_FROM_PB.get(g.status.canonical, CertificateStatus.VALID)
    match.province = _PROVINCE_PB[row.province]
    match.record_key = row.record_key
    match.body_code = g.body_code
    match.certificate_number = g.certificate_number
    match.label_code = g.label_code
    match.enterprise_uscc = g.enterprise_uscc
    match.enterprise_name = g.enterprise_name
    match.product = g.product
    match.model = g.model
    match.evaluation_standard = g.evaluation_standard
    match.valid_from = g.valid_from
    match.valid_until = g.valid_until
    match.status.CopyFrom(g.status)
    match.effective_status = STATUS_TO_PB[effective_status(status, until, today)]
    match.revision = row.revision
    match.accepted_at.CopyFrom(event.accepted_at)


def label_match(row: LabelRow, today: dt.date) -> labels_pb2.LabelMatch:
    match = labels_pb2.LabelMatch()
    fill_match(match, row, today)
    return match


def verdict_of(matches: Sequence[labels_pb2.LabelMatch]) -> Verdict:
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


def fill_check(check: labels_pb2.LabelCheck, result: LabelResult, today: dt.date) -> None:
    check.query = result.query
    check.code = result.code
    for row in result.matches:
        fill_match(check.matches.add(), row, today)
    check.found = bool(result.matches)
    if len(check.matches) == 1:
        # One province, one certificate: the verdict is its status (what
        # label_verdict answers for a single finding, without building one).
        only = check.matches[0]
        check.verdict = _VERDICT_OF_STATUS[only.effective_status]
        if only.effective_status == _VALID:
            check.recognized_in.extend(_ALL_PROVINCES)
        return
    verdict = verdict_of(check.matches)
    check.verdict = _VERDICT_BY_NAME[verdict.status]
    check.recognized_in.extend(PROVINCE_TO_PB[p] for p, ok in verdict.recognized_in.items() if ok)
    check.conflicts.extend(verdict.conflicts)


_VERDICT_BY_NAME: dict[str, Any] = {
    name.removeprefix("LABEL_VERDICT_"): value for name, value in labels_pb2.LabelVerdict.items()
}
_VERDICT_OF_STATUS = {pb: _VERDICT_BY_NAME[status.value] for status, pb in STATUS_TO_PB.items()}


def label_check(result: LabelResult, today: dt.date) -> labels_pb2.LabelCheck:
    check = labels_pb2.LabelCheck()
    fill_check(check, result, today)
    return check


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
        response = labels_pb2.CheckLabelsResponse(
            as_of=timestamp(answer.as_of),
            freshness=self._labels.feed_cache.derived(freshness_messages),
        )
        for result in answer.results:
            fill_check(response.checks.add(), result, today)
        return response
