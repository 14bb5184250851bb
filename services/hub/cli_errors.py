"""What the `yrdhub` commands say about input or a source they cannot read or
reach: exit status 2 and one line on stderr, `yrdhub <command>: <what>`, not a
traceback (0 is success, 1 a check that failed).

A command raises CliInputError saying what and why; main() also answers so a
file that is missing, not readable or not JSON, wherever the command opened
it. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json

from services.core.provinces import Province

UNREADABLE = 2


class CliInputError(Exception):
    """Input or a source the command cannot read or reach, said in `why`."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


# What main() turns into one line and exit status 2.
INPUT_ERRORS: tuple[type[BaseException], ...] = (
    CliInputError,
    FileNotFoundError,
    PermissionError,
    NotADirectoryError,
    IsADirectoryError,
    json.JSONDecodeError,
)


def said(exc: BaseException) -> str:
    """One line naming what could not be read and why."""
    if isinstance(exc, CliInputError):
        return exc.why
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc})"
    return " ".join(str(exc).split()) or type(exc).__name__


def province_arg(text: str) -> Province:
    """argparse `type=` for a province: SH, JS, ZJ or AH (or an admin code)."""
    try:
        return Province.parse(text)
    except ValueError:
        choices = ", ".join(p.value for p in Province)
        raise argparse.ArgumentTypeError(f"unknown province {text!r}: one of {choices}") from None
