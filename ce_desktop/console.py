"""Writing to the terminal: output that may fail, and one-line errors on standard error.

Output that cannot be written is the user's situation, not a bug: :func:`write_output`
raises :class:`OutputError`, which the entry point (``ce_desktop.app.main``) turns into
status 2 and ``ce-desktop: error: cannot write the output: <reason>``, or, when the reader
of a pipe left early (``report ... | head -c1``), into a quiet :data:`BROKEN_PIPE_STATUS`.
If standard error is closed or full as well, its line is dropped. No Qt.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TextIO

__all__ = ["BROKEN_PIPE_STATUS", "OutputError", "write_output", "print_error", "print_stderr", "discard_unwritten"]

#: Exit status when the reader of standard output left (a pipe into ``head``): 128 + SIGPIPE,
#: what a Unix tool killed by SIGPIPE gives, so that ``set -o pipefail`` treats it alike.
BROKEN_PIPE_STATUS = 141


class OutputError(Exception):
    """Standard output cannot be written; ``errno`` says why (EPIPE: the reader left)."""

    def __init__(self, reason: str, errno_: int | None = None):
        super().__init__(reason)
        self.errno = errno_

    @classmethod
    def from_os_error(cls, exc: OSError) -> OutputError:
        return cls(exc.strerror or str(exc), exc.errno)


def write_output(text: str) -> None:
    """Write ``text`` to standard output now (flushed); :class:`OutputError` if it cannot be."""
    out = sys.stdout
    if out is None:  # Python's stdout when descriptor 1 was closed at start (``>&-``)
        raise OutputError("standard output is closed", errno.EBADF)
    try:
        binary = getattr(out, "buffer", None)
        if binary is None:
            out.write(text)
        else:
            out.flush()  # whatever was printed before goes first
            # A pipe whose reader leaves mid-write takes part of the data and Python's
            # buffered write returns that count instead of failing: write the rest, so
            # that the next write reports the broken pipe rather than losing it silently.
            text = text.replace("\n", os.linesep) if os.linesep != "\n" else text  # as text mode would
            data = memoryview(text.encode(out.encoding or "utf-8", out.errors or "strict"))
            while data:
                data = data[binary.write(data):]
        out.flush()
    except OSError as exc:
        raise OutputError.from_os_error(exc) from None


def print_error(message: str) -> None:
    """``ce-desktop: error: <message>`` on standard error; silent if that is closed or full too."""
    print_stderr(f"ce-desktop: error: {message}\n")


def print_stderr(line: str) -> None:
    """Write ``line`` (with its newline) to standard error now; silent if that is closed or full."""
    err = sys.stderr
    if err is None:  # closed at start: print(file=None) would write to stdout instead
        return
    try:
        err.write(line)
        err.flush()
    except (OSError, ValueError):
        discard_unwritten(err)


def discard_unwritten(stream: TextIO | None) -> None:
    """Point ``stream``'s descriptor at the null device, so that what is still buffered in it
    cannot fail again when Python flushes it at exit ("Exception ignored ..." and status 120)."""
    if stream is None:
        return
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # not a real file (a test's capture): nothing flushes it at exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
