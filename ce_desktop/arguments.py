"""Command-line arguments: the parser every command uses and the error a mistake in them raises.

No Qt: the command line (:mod:`ce_desktop.cli`), the window's start-up options
(:mod:`ce_desktop.app`) and the window code that opens what they name raise
:class:`UsageError`, which the entry point turns into status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, NoReturn

from ce_desktop.console import write_output

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["UsageError", "ArgumentParser"]


class UsageError(Exception):
    """A mistake in the command line: exit 2 with this message."""


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser for this app: a mistake raises :class:`UsageError` (one line, exit 2)
    instead of printing the usage and exiting, and ``--help`` that cannot be written raises
    :class:`~ce_desktop.console.OutputError` instead of being lost."""

    def error(self, message: str) -> NoReturn:  # argparse would print usage and exit 2 itself; we want one line
        raise UsageError(message)

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        # argparse would swallow a failed write of --help
        if file is None or file is sys.stdout:
            write_output(self.format_help())
        else:
            super().print_help(file)
