"""`yrdhub verify-draw --registry`: a registry it cannot reach is a message, not a traceback."""

from __future__ import annotations

import argparse
import io

import pytest
from rich.console import Console

from services.hub import verify_draw


def test_a_draw_that_cannot_be_fetched_says_why_without_a_traceback() -> None:
    # Nothing listens on port 1: what a plaintext client meets at a TLS hub too.
    with pytest.raises(SystemExit) as stopped:
        verify_draw.fetch_draw("127.0.0.1:1", "team-9", secure=False)
    assert stopped.value.code == 2  # a source that cannot be read; 1 is a mismatch
    said = str(stopped.value)
    assert said.startswith("could not fetch draw team-9 from 127.0.0.1:1: UNAVAILABLE")
    assert "--tls-dir" in said


def test_a_registry_out_of_reach_is_exit_status_2_too(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    verify_draw.add_parser(parser.add_subparsers())
    args = parser.parse_args(["verify-draw", "--registry", "127.0.0.1:1", "--draw-id", "team-9"])
    args.tls_dir = None
    with pytest.raises(SystemExit) as exited:
        verify_draw.run(args, Console(file=io.StringIO()))
    assert exited.value.code == 2
    assert "could not fetch draw team-9 from 127.0.0.1:1: UNAVAILABLE" in capsys.readouterr().err
