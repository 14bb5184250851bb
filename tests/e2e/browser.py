"""A real browser for the public pages: Debian's headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")

needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium is not installed (scripts/browser.sh)"
)


def browser(url: str, tmp: Path, *extra: str) -> str:
    assert CHROMIUM is not None
    # The flags keep Chromium off the network it cannot reach here.
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp}",
        "--window-size=412,915",
        *extra,
        url,
    ]
    done = subprocess.run(args, capture_output=True, timeout=90, check=True, text=True)
    return done.stdout


def visible_text(dom: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</div>', dom, re.S)
    assert match, f"no #{element_id} in the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())
