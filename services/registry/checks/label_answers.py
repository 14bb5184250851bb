"""LabelService answers in wire form, assembled from the LabelMatch bytes stored
at apply time (answers.py): a batch of a thousand codes builds no protobuf
objects unless a label sits on several certificates.

The verdict rule is the domain's (core.labels.label_verdict): the tables a
single match answers with are computed from it once, at import.
"""

from __future__ import annotations

import functools

from services.common.convert import CERTIFICATE_STATUS_TO_PB, PROVINCE_TO_PB
from services.common.wire import (
    bytes_field,
    field_key,
    packed_field,
    string_field,
    varint,
    varint_field,
)
from services.core.labels import CopyStanding, LabelFinding, Verdict, label_verdict
from services.core.provinces import Province
from services.core.standing import NOWHERE, Standing
from services.registry.checks import answers
from services.registry.checks.label_rows import (
    LabelAnswer,
    LabelResult,
    one_product_one_copy_each,
)
from yrdhub.v1 import labels_pb2

_VERDICT_BY_NAME: dict[str, int] = {
    name.removeprefix("LABEL_VERDICT_"): value for name, value in labels_pb2.LabelVerdict.items()
}
_CHECK = labels_pb2.LabelCheck
_RESPONSE = labels_pb2.CheckLabelsResponse


def _verdict_fields(v: Verdict) -> bytes:
    """verdict, conflicts and notes of a LabelCheck."""
    parts = [varint_field(_CHECK.VERDICT_FIELD_NUMBER, _VERDICT_BY_NAME[v.status])]
    parts.extend(string_field(_CHECK.CONFLICTS_FIELD_NUMBER, c) for c in v.conflicts)
    parts.extend(string_field(_CHECK.NOTES_FIELD_NUMBER, n) for n in v.notes)
    return b"".join(parts)


# LabelMatch.copy_standing, per standing: appended to a stored match (which
# says CURRENT), a later value of a field replaces the earlier one.
_COPY_STANDING = {
    standing: varint_field(
        labels_pb2.LabelMatch.COPY_STANDING_FIELD_NUMBER,
        labels_pb2.CopyStanding.Value(f"COPY_STANDING_{standing.value}"),
    )
    for standing in CopyStanding
}


@functools.lru_cache(maxsize=256)
def _standing_fields(standing: Standing) -> bytes:
    """recognized_in, conditionally_recognized_in, credit_listings and the
    notes saying what makes it conditional of a LabelCheck (a few dozen
    distinct standings answer every label: encoded once each)."""
    return (
        packed_field(
            _CHECK.RECOGNIZED_IN_FIELD_NUMBER,
            [int(PROVINCE_TO_PB[p]) for p in standing.recognized_in],
        )
        + packed_field(
            _CHECK.CONDITIONALLY_RECOGNIZED_IN_FIELD_NUMBER,
            [int(PROVINCE_TO_PB[p]) for p in standing.conditionally_recognized_in],
        )
        + b"".join(
            string_field(_CHECK.CREDIT_LISTINGS_FIELD_NUMBER, r) for r in standing.restricted_by
        )
        + b"".join(string_field(_CHECK.NOTES_FIELD_NUMBER, c) for c in standing.conditions)
    )


# What a batch repeats a thousand times, encoded once: the verdict of a label on
# one certificate, per effective status, as the domain rule gives it.
_ONE_MATCH_VERDICT = {
    int(pb): _verdict_fields(label_verdict([LabelFinding(Province.SH, "-", status)]))
    for status, pb in CERTIFICATE_STATUS_TO_PB.items()
}
_NOT_FOUND_TAIL = _verdict_fields(label_verdict([])) + _standing_fields(NOWHERE)
_FOUND = varint_field(_CHECK.FOUND_FIELD_NUMBER, 1)
_QUERY_KEY = field_key(_CHECK.QUERY_FIELD_NUMBER)
_CODE_KEY = field_key(_CHECK.CODE_FIELD_NUMBER)
_MATCH_KEY = field_key(_CHECK.MATCHES_FIELD_NUMBER)
_CHECKS_KEY = field_key(_RESPONSE.CHECKS_FIELD_NUMBER)


def label_check(result: LabelResult, answer: LabelAnswer) -> bytes:
    """A serialized LabelCheck."""
    query = result.query.encode()
    code = query if result.code == result.query else result.code.encode()
    head = _QUERY_KEY + varint(len(query)) + query + _CODE_KEY + varint(len(code)) + code
    kept = result.kept
    if kept is not None and kept.fields is not None:
        return head + kept.fields
    fields, lasting = _check_fields(result, answer)
    if kept is not None and lasting:
        kept.fields = fields
    return head + fields


def _check_fields(result: LabelResult, answer: LabelAnswer) -> tuple[bytes, bool]:
    """A LabelCheck's fields after its query and code, and whether they rest on
    the result alone (not on the feeds' freshness or the time of asking)."""
    if not result.matches:
        return _NOT_FOUND_TAIL, True
    # A certificate not yet valid takes the verdict's path, which notes why.
    early = not all(r.started for r in result.matches)
    if len(result.matches) == 1 and not result.standing.restricted_by and not early:
        row = result.matches[0]
        status = row.status
        match = answers.label_match(row.answer, status)
        return (
            b"".join(
                (
                    _FOUND,
                    _MATCH_KEY,
                    varint(len(match)),
                    match,
                    _ONE_MATCH_VERDICT[status],
                    _standing_fields(result.standing),
                )
            ),
            True,
        )
    matches = result.matches
    status = matches[0].status
    if (
        not result.standing.restricted_by
        and not early
        and all(r.status == status for r in matches)
        and one_product_one_copy_each(matches)
    ):
        # Several bodies' certificates of one product saying the same: the
        # verdict of one, each copy the newest word (as stored).
        parts = [_FOUND]
        for row in matches:
            match = answers.label_match(row.answer, status)
            parts += (_MATCH_KEY, varint(len(match)), match)
        parts += (_ONE_MATCH_VERDICT[status], _standing_fields(result.standing))
        return b"".join(parts), True
    decided = answer.verdict(result)
    parts = [_FOUND]
    parts.extend(
        bytes_field(
            _CHECK.MATCHES_FIELD_NUMBER,
            answers.label_match(row.answer, row.status) + _COPY_STANDING[copy],
        )
        for row, copy in zip(result.matches, decided.copies, strict=True)
    )
    parts.append(_verdict_fields(decided))
    parts.append(_standing_fields(result.standing))
    return b"".join(parts), False


def label_response(answer: LabelAnswer, freshness: bytes) -> bytes:
    """A serialized CheckLabelsResponse (and CheckLabelResponse, which has the same
    field numbers); `freshness` is label_freshness, built once per commit."""
    checks = [
        _CHECKS_KEY + varint(len(check)) + check
        for check in (label_check(result, answer) for result in answer.results)
    ]
    checks.append(answers.as_of_field(_RESPONSE.AS_OF_FIELD_NUMBER, answer.as_of))
    checks.append(freshness)
    return b"".join(checks)


def label_matches(result: LabelResult, answer: LabelAnswer) -> list[labels_pb2.LabelMatch]:
    """Each province's copy of each certificate as a message (what the verify page shows)."""
    copies = answer.verdict(result).copies
    return [
        labels_pb2.LabelMatch.FromString(
            answers.label_match(row.answer, row.status) + _COPY_STANDING[copy]
        )
        for row, copy in zip(result.matches, copies, strict=True)
    ]
