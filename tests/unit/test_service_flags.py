"""The flags every service shares, as a deployment gives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.common.db import sqlalchemy_url
from services.common.tls import TlsFiles
from services.exchange.app import parse_settings


def test_kafka_takes_its_own_certificate_folder_when_given_one(tmp_path: Path) -> None:
    common = ["--province", "SH", "--tls-dir", str(tmp_path / "grpc"), "--kafka-tls"]
    own = parse_settings([*common, "--kafka-tls-dir", str(tmp_path / "kafka")])
    assert own.kafka_tls == TlsFiles(tmp_path / "kafka", "exchange-SH")
    assert parse_settings(common).kafka_tls == TlsFiles(tmp_path / "grpc", "exchange-SH")


def test_kafka_tls_without_a_certificate_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_settings(["--province", "SH", "--insecure-plaintext", "--kafka-tls"])
    assert "--kafka-tls needs --tls-dir or --kafka-tls-dir" in capsys.readouterr().err


def test_production_flags_have_their_settings() -> None:
    settings = parse_settings(
        [
            "--province", "JS", "--insecure-plaintext", "--log-format", "json",
            "--metrics-listen", "0.0.0.0:9090", "--health-listen", "0.0.0.0:50059",
        ]
    )  # fmt: skip
    assert (settings.log_format, settings.metrics_listen, settings.health_listen) == (
        "json",
        "0.0.0.0:9090",
        "0.0.0.0:50059",
    )


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://app:pw@db-rw:5432/app", "postgresql+psycopg://app:pw@db-rw:5432/app"),
        ("postgres://app:pw@db:5432/app", "postgresql+psycopg://app:pw@db:5432/app"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///registry.db", "sqlite:///registry.db"),
    ],
)
def test_a_cloudnativepg_uri_is_taken_as_it_is(given: str, used: str) -> None:
    assert sqlalchemy_url(given) == used
