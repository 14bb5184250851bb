"""Child processes of the embedded hub: start, wait until serving, stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


class ServiceProcess:
    """One service (`python -m MODULE ...`) that writes its port to a ready file."""

    def __init__(
        self, name: str, module: str, args: list[str], workdir: Path, *, niceness: int = 0
    ) -> None:
        """`niceness` above 0 (at most 19): the process gets less of a busy
        machine's CPU (lower_priority)."""
        if not 0 <= niceness <= MAX_NICENESS:
            raise ValueError(f"niceness {niceness} is not between 0 and {MAX_NICENESS}")
        self.name = name
        self._niceness = niceness
        self._module = module
        self._args = args
        self.ready_file = workdir / f"{name}.port"
        self.log_file = workdir / f"{name}.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._extra_args: list[str] = []
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, extra_args: list[str] | None = None) -> None:
        """Launches the process; extra_args are those known only now (e.g. --kafka)."""
        self._extra_args = list(extra_args or [])
        self.ready_file.unlink(missing_ok=True)
        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    self._module,
                    *self._args,
                    *(extra_args or []),
                    "--ready-file",
                    str(self.ready_file),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Own process group: Ctrl-C reaches the supervisor, which then
                # stops the children in order instead of all at once.
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        if self._niceness > 0:
            lower_priority(self._proc.pid, self._niceness)

    def wait_ready(
        self, timeout: float = 60.0, cancelled: Callable[[], bool] = lambda: False
    ) -> str:
        """Until it serves (its ready file), for at most `timeout` s; raises if
        it exits first, or as soon as `cancelled`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cancelled():
                raise RuntimeError(f"{self.name}: start given up, the hub is stopping")
            if self._proc is None or self._proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited during start-up:\n{self.log_tail()}")
            if self.ready_file.exists():
                self.port = int(self.ready_file.read_text())
                return self.address
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start within {timeout:.0f}s:\n{self.log_tail()}")

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def exited(self) -> int | None:
        """Its exit status once it has exited on its own (reaped), else None;
        a process never started or stopped on purpose has not exited."""
        if self._proc is None:
            return None
        return self._proc.poll()

    def restart(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Starts it again with the arguments it had, and waits until it serves
        (on the port it had: its listen address is fixed), or until `cancelled`."""
        self._proc = None
        self.start(self._extra_args)
        self.wait_ready(cancelled=cancelled)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (graceful: drain calls, flush the relay), then SIGKILL."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def kill(self) -> None:
        """SIGKILL: a crash, for tests that prove nothing acknowledged is lost."""
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            self._proc.wait()
            self._proc = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


MAX_NICENESS = 19
# Linux lets an unprivileged process set an autogroup's nice value once in a
# tenth of a second, machine-wide (EAGAIN otherwise).
_AUTOGROUP_TRIES = 5
_AUTOGROUP_PAUSE_S = 0.11


def lower_priority(pid: int, niceness: int) -> None:
    """Runs `pid`, a child started in a session of its own
    (start_new_session), at `niceness` at least (0 to 19; higher gets less CPU
    when the machine is busy), where the system allows it, else as it was.

    Two settings. Its own nice value, inherited by the threads it starts (it
    has started none when Popen returns: the interpreter is loading), counts
    between all processes when Linux's autogroup scheduling is off, or when
    the processes sit in a CPU cgroup other than the root one (a container, a
    systemd slice with the CPU controller). Where autogroups apply (on by
    default on most kernels, for processes in the root cgroup), CPU is shared
    between sessions first, each weighed as one: there its session's group
    takes the nice value too.
    """
    with contextlib.suppress(OSError, AttributeError):
        # Never back up from what it inherited: only a privileged process may.
        os.setpriority(os.PRIO_PROCESS, pid, max(niceness, os.getpriority(os.PRIO_PROCESS, pid)))
    with contextlib.suppress(OSError, AttributeError):
        if os.getsid(pid) != pid:
            return  # not a session of its own: its group is its parent's too
    autogroup = Path(f"/proc/{pid}/autogroup")
    for _ in range(_AUTOGROUP_TRIES):
        try:
            autogroup.write_text(str(niceness))
            return
        except BlockingIOError:  # another group's value was set just before
            time.sleep(_AUTOGROUP_PAUSE_S)
        except OSError:  # no autogroups here, or not allowed: as it was
            return


def exit_on_sigterm() -> None:
    """From now on a SIGTERM raises SystemExit in the main thread, as Ctrl-C
    does KeyboardInterrupt: a command's with-blocks then stop the processes it
    started. They run in sessions of their own, which a signal to the command
    alone (a scheduler's, `kill`'s) never reaches: left alone, they run on."""
    signal.signal(signal.SIGTERM, _exit_terminated)


def _exit_terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)
