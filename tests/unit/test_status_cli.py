"""Where `yrdhub status` looks for the hub: flags, then the environment, then
the hub file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from services.core.provinces import Province
from services.hub import cli
from services.hub.cli_errors import CliInputError
from services.hub.status import Report, add_parser, as_json, targets
from yrdhub.v1 import exchange_pb2


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(["status", *argv])


def _hub_file(tmp_path: Path) -> Path:
    path = tmp_path / "hub.json"
    path.write_text(
        json.dumps(
            {
                "registry": {"grpc": "file:1"},
                "exchanges": {"SH": {"grpc": "file:2"}, "JS": {"grpc": "file:3"}},
                "tls": {"enabled": True, "certificates": "/certs/from/file"},
            }
        )
    )
    return path


def test_flags_come_before_the_environment_and_the_environment_before_the_file(
    tmp_path: Path,
) -> None:
    hub_file = _hub_file(tmp_path)
    env = {"YRDHUB_EXCHANGE_JS": "env:3", "YRDHUB_HUB_FILE": str(hub_file)}
    found = targets(_args("--exchange", "sh=flag:2"), env)
    assert found.exchanges == {Province.SH: "flag:2", Province.JS: "env:3"}
    assert found.registry == "file:1"
    assert found.tls_dir == Path("/certs/from/file")
    assert targets(_args("--tls-dir", "/mine"), env).tls_dir == Path("/mine")


def test_the_workdir_of_yrdhub_up_is_read_when_nothing_else_names_the_hub(
    tmp_path: Path,
) -> None:
    _hub_file(tmp_path)
    found = targets(_args("--workdir", str(tmp_path)), {})
    assert found.registry == "file:1" and set(found.exchanges) == {Province.SH, Province.JS}


def test_no_hub_named_anywhere_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CliInputError, match="no hub to ask"):
        targets(_args("--workdir", str(tmp_path)), {})


def test_a_stopped_hubs_exported_variables_are_asked_and_its_gone_file_said(
    tmp_path: Path,
) -> None:
    """`yrdhub up --print-env` exports the hub file beside the addresses; once
    the hub stopped (removing the file), status said only "hub.json: No such
    file or directory". The addresses are asked (and answer that they are
    down); with none, it says the hub is not running."""
    gone = str(tmp_path / "hub.json")
    env = {"YRDHUB_HUB_FILE": gone, "YRDHUB_REGISTRY": "env:1"}
    assert targets(_args("--workdir", str(tmp_path)), env).registry == "env:1"
    with pytest.raises(CliInputError, match="which is gone: that hub is not running"):
        targets(_args("--workdir", str(tmp_path)), {"YRDHUB_HUB_FILE": gone})
    # A file named by the flag is read, or its absence said, as before.
    with pytest.raises(FileNotFoundError):
        targets(_args("--hub-file", gone), {})


def test_a_hub_file_naming_no_service_is_named_in_the_error(tmp_path: Path) -> None:
    empty = tmp_path / "site.json"
    empty.write_text("{}")
    with pytest.raises(CliInputError, match=r"site\.json: names no registry and no exchange"):
        targets(_args("--hub-file", str(empty)), {})


def test_an_exchange_flag_needs_a_province_and_an_address() -> None:
    with pytest.raises(SystemExit):
        _args("--exchange", "sh")


def test_an_exchange_flag_of_an_unknown_province_names_the_provinces(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        _args("--exchange", "XX=host:1")
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unknown province 'XX': one of SH, JS, ZJ, AH" in err
    assert "_province_address" not in err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("[]", "not a hub file: a JSON object as `yrdhub up` writes it, not []"),
        ('{"exchanges": []}', "exchanges: a JSON object by province, not []"),
        ('{"exchanges": {"SH": "h:1"}}', 'exchanges.SH: a JSON object, not "h:1"'),
        ('{"registry": "x"}', 'registry: a JSON object, not "x"'),
        ('{"tls": "yes"}', 'tls: a JSON object, not "yes"'),
        ('{"tls": {"certificates": 1}}', "tls.certificates: a folder as a string, not 1"),
        ('{"registry": {"grpc": 5}}', "registry.grpc: host:port as a string, not 5"),
    ],
)
def test_a_hub_file_of_the_wrong_shape_is_named_in_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, said: str
) -> None:
    """The tester's files: each was a traceback (AttributeError, exit 1)."""
    path = tmp_path / "hub.json"
    path.write_text(content)
    with pytest.raises(SystemExit) as exited:
        cli.main(["status", "--hub-file", str(path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("yrdhub status: ")
    assert "hub.json: not a hub file" in err and said in err


def test_a_site_that_names_only_its_exchange_is_judged_by_it_alone() -> None:
    ready = exchange_pb2.GetExchangeStatusResponse(ready=True)
    assert Report(exchanges={Province.SH: ready}).healthy
    assert as_json(Report(exchanges={Province.SH: ready}))["registry"] is None
    assert not Report(exchanges={Province.SH: "127.0.0.1:1: UNAVAILABLE: down"}).healthy
