"""Command-line arguments: the parser every command uses and the error a mistake in them raises.

No Qt: the command line (:mod:`ce_desktop.cli`), the window's start-up options
(:mod:`ce_desktop.app`) and the window code that opens what they name raise
:class:`UsageError`, which the entry point turns into status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from ce_desktop.console import write_output
from ce_desktop.model import formatting

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


def number(text: str) -> float:
    """A finite number, written as ``0.25``, ``1e-3`` or a fraction ``1/3`` (no decimal comma, no %:
    commas separate the numbers of a list on the command line)."""
    try:
        return formatting.parse_number(text, decimal_comma=False, percent=False)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def number_list(text: str) -> list[float]:
    """Comma-separated numbers: ``0.7,0.2,0.1``."""
    parts = text.split(",")
    out = []
    for i, part in enumerate(parts):
        if not part.strip():
            raise argparse.ArgumentTypeError(f"entry {i + 1} of {text!r} is empty (write numbers separated by commas)")
        out.append(number(part))
    return out


def whole(low: int, high: int) -> Callable[[str], int]:
    """A reader of whole numbers from ``low`` to ``high`` (``2``, ``1e3``; not ``2.5``)."""

    def parse(text: str) -> int:
        value = number(text)
        if value != int(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low:,} to {high:,}, got {text.strip()!r}")
        return int(value)

    return parse
