"""A command stopped with SIGTERM stops what it started (services/hub/processes.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path


def test_a_command_sent_sigterm_runs_its_with_blocks_and_exits_143(tmp_path: Path) -> None:
    """The hub's children run in sessions of their own: only the command's
    with-blocks stop them, so a SIGTERM must unwind them as Ctrl-C does."""
    stopped = tmp_path / "stopped"
    script = textwrap.dedent(
        f"""
        import contextlib, os, signal, time
        from services.hub.processes import exit_on_sigterm

        @contextlib.contextmanager
        def started():
            try:
                yield
            finally:
                open({str(stopped)!r}, "w").close()

        exit_on_sigterm()
        with started():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).parents[2], timeout=60, check=False
    )
    assert done.returncode == 128 + signal.SIGTERM
    assert stopped.exists()
