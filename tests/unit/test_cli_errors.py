"""Every `yrdhub` command answers input it cannot read with one line on stderr
and exit status 2, not a traceback; a bug keeps its traceback."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path
from typing import Any

import pytest

from services.hub import cli

BAD_INPUT: list[tuple[list[str], str]] = [
    (["status", "--hub-file", "{tmp}/none.json"], "none.json: No such file or directory"),
    (["status", "--hub-file", "{tmp}/garbage"], "garbage: not a hub file"),
    (["verify-chain", "{tmp}/none.jsonl", "--keyset", "{tmp}/keyset.json"], "none.jsonl: No such"),
    (["verify-chain", "{tmp}/empty.jsonl", "--keyset", "{tmp}/none.json"], "none.json: No such"),
    (["verify-chain", "{tmp}/garbage", "--keyset", "{tmp}/keyset.json"], "not a chain export"),
    (
        ["verify-chain", "{tmp}/empty.jsonl", "--keyset", "{tmp}/brace.json"],
        "not a readable key set",
    ),
    (["verify-chain", "--keyset", "{tmp}/keyset.json"], "give a chain export, or --kafka"),
    (["verify-chain", "{tmp}/empty.jsonl"], "no key set: give --keyset, or --tls-dir"),
    # The key set beside --tls-dir's certificates, as YRDHUB_TLS_DIR gives it.
    (["verify-chain", "{tmp}/empty.jsonl", "--tls-dir", "{tmp}"], "signing/keyset.json: No such"),
    (["verify-chain", "--kafka", "x:1", "--province", "XX"], "one of SH, JS, ZJ, AH"),
    (["export-chain", "--registry", "x:1", "--province", "XX", "--out", "{tmp}/x"], "one of SH"),
    (
        [
            "export-chain",
            "--registry",
            "x:1",
            "--province",
            "SH",
            "--out",
            "{tmp}/x",
            "--tls-dir",
            "{tmp}/none",
        ],
        "none: no such folder",
    ),
    (["registry", "digest", "--db", "garbage://x"], "garbage://x: not a database URL"),
    (["registry", "digest", "--db", "sqlite:///{tmp}/none.db"], "no such database file"),
    (["label-qr", "GP12345678901234", "--out", "{tmp}/l.gif"], "ending .png or .svg"),
    (["report-qr", "230904000001", "R-1", "--out", "{tmp}/none/qr.png"], "qr.png: No such file"),
    (["certs", "--out", "{tmp}/garbage/certs"], "garbage/certs: Not a directory"),
    # QR codes the verify page would answer 400, or that lead no phone to it:
    (["label-qr", "", "--out", "{tmp}/q.png"], "code: a label code or certificate number"),
    (["label-qr", "G" * 500, "--out", "{tmp}/q.png"], "of 1-64 characters"),
    (["report-qr", "12", "a/b", "--out", "{tmp}/q.png"], "cma_number: "),
    *(
        (["label-qr", "GP1", "--out", "{tmp}/q.png", "--base-url", url], "https:// URL with a host")
        for url in ("javascript:alert(1)", "not a url", "http://", "http://[x")
    ),
    (["status", "--exchange", "XX=host:1"], "unknown province 'XX': one of SH, JS, ZJ, AH"),
]


@pytest.mark.parametrize(("argv", "said"), BAD_INPUT)
def test_input_that_cannot_be_read_is_one_line_with_exit_status_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    said: str,
) -> None:
    for name in ("YRDHUB_SIGNING_DIR", "YRDHUB_TLS_DIR"):  # only what argv names
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "garbage").write_text("garbage\n")
    (tmp_path / "brace.json").write_text("{}")
    (tmp_path / "keyset.json").write_text('{"keys": []}')
    (tmp_path / "empty.jsonl").write_text('{"format": "yrdhub/chain-export/1", "province": "SH"}')
    with pytest.raises(SystemExit) as exited:
        cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and said in err
    assert not (tmp_path / "q.png").exists()
    if "error: argument" not in err:  # argparse adds its usage line
        assert err.count("\n") == 1 and err.startswith(f"yrdhub {argv[0]}")


def test_a_missing_sqlite_database_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        cli.main(["registry", "digest", "--db", f"sqlite:///{tmp_path}/none.db"])
    assert list(tmp_path.iterdir()) == []


def test_verify_chain_takes_the_key_set_of_the_tls_dir_flag_before_the_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--tls-dir was passed over for YRDHUB_TLS_DIR's key set: the flag names
    the hub asked about, the environment only its default."""
    monkeypatch.delenv("YRDHUB_SIGNING_DIR", raising=False)
    monkeypatch.setenv("YRDHUB_TLS_DIR", str(tmp_path / "hub-a"))
    (tmp_path / "empty.jsonl").write_text('{"format": "yrdhub/chain-export/1", "province": "SH"}')
    with pytest.raises(SystemExit):
        cli.main(
            ["verify-chain", str(tmp_path / "empty.jsonl"), "--tls-dir", str(tmp_path / "hub-b")]
        )
    assert "hub-b/signing/keyset.json: No such" in capsys.readouterr().err


def test_a_rebuild_that_cannot_reach_kafka_is_one_line_and_leaves_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It printed the registry's traceback, exited 1 and left the database it
    had begun. The registry's run is stood in for: it waits a minute for a
    Kafka out of reach before it gives up."""
    db = tmp_path / "rebuilt.db"

    def registry_run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        assert "--rebuild-and-exit" in command
        db.write_bytes(b"SQLite format 3\0")  # what the registry had made of it
        (tmp_path / "rebuilt.db-wal").write_bytes(b"")
        tail = "kafka.errors.KafkaTimeoutError: KafkaTimeoutError: Unable to bootstrap from []\n"
        return subprocess.CompletedProcess(command, 1, None, "Traceback (most recent…)\n" + tail)

    monkeypatch.setattr("services.hub.registry_tools.subprocess.run", registry_run)
    argv = ["registry", "rebuild", "--db", f"sqlite:///{db}", "--kafka", "127.0.0.1:1"]
    with pytest.raises(SystemExit) as exited:
        cli.main([*argv, "--insecure-plaintext"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert (
        err
        == "yrdhub registry rebuild: Kafka at 127.0.0.1:1 is out of reach: nothing was rebuilt\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: argparse.Namespace, console: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("services.hub.cli._certs", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["certs", "--out", "x"])


def test_label_qr_takes_every_code_the_page_answers(tmp_path: Path) -> None:
    """The page's rule (services.core.codes.well_formed), not one of its own: a
    code of 64 characters after normalising (spaces go) is a label code."""
    out = tmp_path / "q.svg"
    cli.main(["label-qr", "gp " + "1" * 62, "--out", str(out), "--base-url", "https://v.example"])
    assert out.exists()
