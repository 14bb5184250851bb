"""The recognition policy file, reloaded when it changes.

Decisions ask for the current policy; that costs one stat() of the file, and
the file is parsed again only when its modification time, size or inode
changed (an editor saving in place, or a Kubernetes ConfigMap swapping its
symlink). A file that no longer parses is logged and ignored: decisions go on
with the last good policy, whose version they report, rather than failing.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from services.core.policy import PolicyError, RecognitionPolicy

log = logging.getLogger(__name__)

DEFAULT_POLICY = Path(__file__).parent.parent / "policy" / "recognition-v1.toml"


def _signature(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class PolicySource:
    def __init__(self, path: Path = DEFAULT_POLICY) -> None:
        """Loads the policy now: a registry must not start with a broken one."""
        self.path = path
        self._lock = threading.Lock()
        self._signature = _signature(path)
        self._policy = RecognitionPolicy.from_toml(path.read_text(encoding="utf-8"))
        self.last_error: str | None = None
        log.info("recognition policy %s from %s", self._policy.version, path)

    def current(self) -> RecognitionPolicy:
        try:
            signature = _signature(self.path)
        except OSError as exc:
            self._failed(f"cannot stat {self.path}: {exc}", None)
            return self._policy
        if signature == self._signature:
            return self._policy
        with self._lock:
            if signature != self._signature:
                self._reload(signature)
            return self._policy

    def _reload(self, signature: tuple[int, int, int]) -> None:
        try:
            policy = RecognitionPolicy.from_toml(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, PolicyError) as exc:
            self._failed(f"{self.path}: {exc}", signature)
            return
        self._signature = signature
        self.last_error = None
        if policy.digest != self._policy.digest:
            log.info("recognition policy reloaded: %s -> %s", self._policy.version, policy.version)
        self._policy = policy

    def _failed(self, message: str, signature: tuple[int, int, int] | None) -> None:
        if message != self.last_error:
            log.error("keeping recognition policy %s: %s", self._policy.version, message)
        self.last_error = message
        if signature is not None:
            # Do not parse the same broken file on every decision.
            self._signature = signature
