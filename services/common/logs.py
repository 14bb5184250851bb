"""How every service logs: to stdout, one JSON object per line in production
(`--log-format json`, for a log pipeline) or readable lines locally (text).

Request ids tie one publish together across processes: an exchange takes
the caller's `x-request-id` (or makes one), answers with it, logs it, and
sends it with each event as a Kafka header; the registry logs the ids of the
events each apply wrote. Log lines carry ids, keys, fields and reasons, never
a person's identity (assessors' identities stay in the exchange's vault).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from services.core.errors import InvalidRequest, Violation

FORMATS = ("text", "json")
REQUEST_ID_METADATA = "x-request-id"
REQUEST_ID_HEADER = "request-id"
# What a caller's id may be: short and printable, so that it cannot forge
# log lines or grow a Kafka header.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def configure(log_format: str = "text", level: str | None = None) -> None:
    """Logs of this process to stdout, as JSON lines or as text."""
    handler = logging.StreamHandler(sys.stdout)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("YRDHUB_LOG_LEVEL", "INFO"))
    # kafka-python logs every reconnect at INFO.
    logging.getLogger("kafka").setLevel(logging.WARNING)


def asked_request_id(metadata: Sequence[tuple[str, Any]] | None) -> str:
    """The caller's x-request-id ("" when it sent none), or InvalidRequest
    naming it when it is not an acceptable one: replaced without a word, a
    call sent again under it would not be known for the same call."""
    for key, value in metadata or ():
        if key != REQUEST_ID_METADATA or value == "":
            continue
        if isinstance(value, str) and _ACCEPTABLE_ID.fullmatch(value):
            return value
        raise InvalidRequest(
            "unacceptable request id",
            [
                Violation(
                    REQUEST_ID_METADATA,
                    "1 to 64 letters, digits and ._:- (or none, and one is made for the call)",
                )
            ],
        )
    return ""


def request_id_of_headers(headers: Sequence[tuple[str, bytes]] | None) -> str:
    """The request id a Kafka message carries ("" when none)."""
    for key, value in headers or ():
        if key == REQUEST_ID_HEADER:
            return value.decode("ascii", "replace")
    return ""
