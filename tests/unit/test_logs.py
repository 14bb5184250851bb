"""Log lines as production reads them: JSON objects on stdout carrying the
request id, and a caller's id taken only when it is a safe one."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from services.common import logs
from services.core.errors import InvalidRequest, Violation
from services.exchange.publishing import Outcome, RecordResult, log_outcomes


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_level_the_logger_and_the_extra_fields(
    restore_logging: object, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("json", "INFO")
    logging.getLogger("yrdhub.test").info(
        "request %s: %d refused", "r-1", 2, extra={"request_id": "r-1"}
    )
    logging.getLogger("yrdhub.test").debug("not at INFO")
    [line] = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["message"] == "request r-1: 2 refused"
    assert (entry["level"], entry["logger"], entry["request_id"]) == ("INFO", "yrdhub.test", "r-1")
    assert entry["time"]


def test_text_lines_are_readable(
    restore_logging: object, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("text", "INFO")
    logging.getLogger("yrdhub.test").warning("relay failed")
    out = capsys.readouterr().out
    assert "yrdhub.test WARNING relay failed" in out and not out.startswith("{")


def test_a_callers_short_plain_request_id_is_taken_and_none_is_none() -> None:
    given = "sync-2026-12-03:0001"
    assert logs.asked_request_id((("other", "v"), ("x-request-id", given))) == given
    assert logs.asked_request_id((("other", "v"),)) == ""
    assert logs.asked_request_id((("x-request-id", ""),)) == ""


@pytest.mark.parametrize("given", ["x" * 65, 'ok\n{"forged": 1}', "空格 id", b"bytes-id"])
def test_a_request_id_not_taken_is_refused_naming_it_not_replaced(given: object) -> None:
    """Replaced by a made one without a word, the caller's id could not be
    used to send the call again safely: it is refused, naming it."""
    with pytest.raises(InvalidRequest) as refused:
        logs.asked_request_id((("x-request-id", given),))
    [violation] = refused.value.violations
    assert violation.field == "x-request-id" and "64 letters" in violation.description


def test_a_kafka_message_without_the_header_has_no_request_id() -> None:
    assert logs.request_id_of_headers(None) == ""
    assert logs.request_id_of_headers([("request-id", b"r-9")]) == "r-9"


def test_a_refused_record_is_one_line_with_its_reasons_but_never_an_identity(
    caplog: pytest.LogCaptureFixture,
) -> None:
    number = "110101199003074514"
    results = [
        RecordResult(0, Outcome.ACCEPTED, "qualification/09/190902010004", 1),
        RecordResult(
            1,
            Outcome.REJECTED,
            violations=[
                Violation("assessor.identity.id_number", f"{number} is not a valid number"),
                Violation("assessor.level", "unknown level"),
            ],
        ),
    ]
    with caplog.at_level(logging.INFO, logger="services.exchange.publishing"):
        log_outcomes("req-7", results)
    refused, summary = caplog.records
    assert refused.__dict__["request_id"] == "req-7" and refused.__dict__["record_index"] == 1
    assert (
        refused.__dict__["reasons"] == "assessor.identity.id_number; assessor.level: unknown level"
    )
    assert number not in caplog.text
    assert summary.__dict__["records_accepted"] == 1 and summary.__dict__["records_rejected"] == 1
