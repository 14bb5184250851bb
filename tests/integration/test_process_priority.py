"""lower_priority: a child in a session of its own gets less CPU, in both the
ways Linux weighs it, and nothing else does (its parent's session least of all)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from services.hub.processes import MAX_NICENESS, ServiceProcess, lower_priority
from tests.priorities import niceness


@contextmanager
def _sleeper(*, own_session: bool) -> Iterator[int]:
    proc = subprocess.Popen(["sleep", "30"], start_new_session=own_session)
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_a_child_in_its_own_session_gets_the_niceness_twice() -> None:
    inherited = os.getpriority(os.PRIO_PROCESS, 0)
    with _sleeper(own_session=True) as pid:
        lower_priority(pid, 7)
        assert os.getpriority(os.PRIO_PROCESS, pid) == max(7, inherited)
        assert niceness(pid)[1] in {7, None}


def test_a_child_sharing_its_parents_session_leaves_that_session_as_it_was() -> None:
    ours = niceness(os.getpid())[1]
    with _sleeper(own_session=False) as pid:
        lower_priority(pid, 7)
        assert os.getpriority(os.PRIO_PROCESS, pid) == max(7, os.getpriority(os.PRIO_PROCESS, 0))
    assert niceness(os.getpid())[1] == ours


@pytest.mark.parametrize("value", [-1, MAX_NICENESS + 1])
def test_a_niceness_out_of_range_is_refused(value: int, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="between 0 and 19"):
        ServiceProcess("x", "services.registry", [], tmp_path, niceness=value)
