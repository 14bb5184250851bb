"""LabelService over gRPC: parse, call the label queries, answer in wire form.

Answers are assembled from the LabelMatch bytes stored at apply time (see
answers.py): a batch of a thousand codes builds no protobuf objects unless a
label sits on several certificates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import grpc

from services.common.convert import PROVINCE_FROM_PB, PROVINCE_TO_PB, STATUS_FROM_PB, STATUS_TO_PB
from services.common.wire import (
    bytes_field,
    field_key,
    packed_field,
    string_field,
    varint,
    varint_field,
)
from services.core.labels import LabelFinding, Verdict, label_verdict
from services.core.provenance import china_date
from services.core.provinces import Province
from services.core.status import CertificateStatus
from services.registry import answers
from services.registry.labels import LabelAnswer, LabelQueries, LabelResult, LabelRow
from services.registry.mapping import label_freshness
from yrdhub.v1 import labels_pb2, labels_pb2_grpc

_ALL_PROVINCES = [int(PROVINCE_TO_PB[p]) for p in Province]
_VALID = int(STATUS_TO_PB[CertificateStatus.VALID])
_VERDICT_BY_NAME: dict[str, int] = {
    name.removeprefix("LABEL_VERDICT_"): value for name, value in labels_pb2.LabelVerdict.items()
}
_VERDICT_OF_STATUS = {
    int(pb): _VERDICT_BY_NAME[status.value] for status, pb in STATUS_TO_PB.items()
}
_CHECK = labels_pb2.LabelCheck
_RESPONSE = labels_pb2.CheckLabelsResponse


def label_match(row: LabelRow, today: dt.date) -> labels_pb2.LabelMatch:
    """One province's certificate as a message (the verify page reads it)."""
    return labels_pb2.LabelMatch.FromString(
        answers.label_match(row.answer, row.answer.effective_status(today))
    )


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


def _verdict_tail(status: int) -> bytes:
    """verdict and recognized_in of a label on one certificate: its status decides
    (what label_verdict answers for a single finding)."""
    tail = varint_field(_CHECK.VERDICT_FIELD_NUMBER, _VERDICT_OF_STATUS[status])
    if status == _VALID:
        tail += packed_field(_CHECK.RECOGNIZED_IN_FIELD_NUMBER, _ALL_PROVINCES)
    return tail


# What a batch repeats a thousand times, encoded once.
_ONE_MATCH_TAIL = {status: _verdict_tail(status) for status in _VERDICT_OF_STATUS}
_NOT_FOUND_TAIL = varint_field(_CHECK.VERDICT_FIELD_NUMBER, _VERDICT_BY_NAME["NOT_FOUND"])
_FOUND = varint_field(_CHECK.FOUND_FIELD_NUMBER, 1)
_QUERY_KEY = field_key(_CHECK.QUERY_FIELD_NUMBER)
_CODE_KEY = field_key(_CHECK.CODE_FIELD_NUMBER)
_MATCH_KEY = field_key(_CHECK.MATCHES_FIELD_NUMBER)
_CHECKS_KEY = field_key(_RESPONSE.CHECKS_FIELD_NUMBER)


def label_check(result: LabelResult, today: dt.date) -> bytes:
    """A serialized LabelCheck."""
    query = result.query.encode()
    code = query if result.code == result.query else result.code.encode()
    head = _QUERY_KEY + varint(len(query)) + query + _CODE_KEY + varint(len(code)) + code
    if not result.matches:
        return head + _NOT_FOUND_TAIL
    if len(result.matches) == 1:
        answer = result.matches[0].answer
        status = answer.effective_status(today)
        match = answers.label_match(answer, status)
        return head + _FOUND + _MATCH_KEY + varint(len(match)) + match + _ONE_MATCH_TAIL[status]
    matches = [
        answers.label_match(row.answer, row.answer.effective_status(today))
        for row in result.matches
    ]
    parts = [head, _FOUND, *(bytes_field(_CHECK.MATCHES_FIELD_NUMBER, m) for m in matches)]
    verdict = verdict_of([labels_pb2.LabelMatch.FromString(m) for m in matches])
    parts.append(varint_field(_CHECK.VERDICT_FIELD_NUMBER, _VERDICT_BY_NAME[verdict.status]))
    recognized = [int(PROVINCE_TO_PB[p]) for p, ok in verdict.recognized_in.items() if ok]
    parts.append(packed_field(_CHECK.RECOGNIZED_IN_FIELD_NUMBER, recognized))
    parts.extend(string_field(_CHECK.CONFLICTS_FIELD_NUMBER, c) for c in verdict.conflicts)
    return b"".join(parts)


class LabelServicer(labels_pb2_grpc.LabelServiceServicer):
    # Methods returning serialized responses (see grpc_server.preserialized).
    PRESERIALIZED = ("CheckLabel", "CheckLabels")

    def __init__(self, labels: LabelQueries) -> None:
        self._labels = labels

    async def CheckLabel(
        self, request: labels_pb2.CheckLabelRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bytes:
        return self._response(self._labels.check([request.code]))

    async def CheckLabels(
        self, request: labels_pb2.CheckLabelsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bytes:
        return self._response(self._labels.check(list(request.codes)))

    def _response(self, answer: LabelAnswer) -> bytes:
        # CheckLabelResponse is CheckLabelsResponse with one check: same field numbers.
        today = china_date(answer.as_of)
        checks = [
            _CHECKS_KEY + varint(len(check)) + check
            for check in (label_check(result, today) for result in answer.results)
        ]
        checks.append(answers.as_of_field(_RESPONSE.AS_OF_FIELD_NUMBER, answer.as_of))
        checks.append(self._labels.feed_cache.derived(label_freshness))
        return b"".join(checks)
