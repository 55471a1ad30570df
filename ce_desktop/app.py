"""Entry point: ``python main.py [options]`` opens the window; ``python main.py report|descend ...`` does not.

Command-line errors exit with status 2 and one clear line on stderr; an unexpected
internal failure exits with 1 after writing the traceback to a log file whose path it prints.

Output that cannot be written is the user's situation, not a bug: a full disk or a closed
standard output exits with 2 and ``ce-desktop: error: cannot write the output: <reason>``.
When the reader of a pipe leaves early (``report ... | head -c1``) the app stops quietly
with status 141 (128 + SIGPIPE), what a Unix tool killed by SIGPIPE gives, so that
``set -o pipefail`` treats it as it treats ``seq`` or ``cat``. If standard error is closed or
full as well, the status is the same and the line is dropped. The writing and the parser
live in :mod:`ce_desktop.console` and :mod:`ce_desktop.arguments`, which the command line
and the window import; this module is only the entry point, and nothing imports it.
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys

from ce_desktop.arguments import ArgumentParser, UsageError
from ce_desktop.console import (
    BROKEN_PIPE_STATUS,
    OutputError,
    discard_unwritten,
    print_error,
    print_stderr,
    write_output,
)

SUBCOMMANDS = ("report", "descend", "train")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, got {text!r}") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"size must lie between 200x200 and 8000x8000, got {text!r}")
    return w, h


def _percent(text: str) -> int:
    try:
        v = int(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"font scale must be a whole percentage, got {text!r}") from None
    if not 50 <= v <= 300:
        raise argparse.ArgumentTypeError(f"font scale must lie in 50..300 percent, got {text!r}")
    return v


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 0 or v > 1_000_000:
        raise argparse.ArgumentTypeError(f"expected a whole number in 0..1000000, got {text!r}")
    return v


def gui_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog="ce-desktop",
        description="CE Explorer: drag a target and a prediction and watch cross-entropy, entropy and KL respond. "
        "Subcommands without a window: report, descend, train (see `ce-desktop train --help`).",
    )
    p.add_argument("--preset", help="open with a built-in preset (see --list-presets)")
    p.add_argument("--list-presets", action="store_true", help="print the presets (name<TAB>description) and exit")
    p.add_argument("--scenario", metavar="FILE", help="open a saved scenario file")
    p.add_argument("--lesson", metavar="NAME", help="open a built-in lesson or a lesson file")
    p.add_argument("--slide", type=_nonneg_int, metavar="K", help="start the lesson at slide K (1-based)")
    p.add_argument("--list-lessons", action="store_true", help="print the lessons (name<TAB>slides<TAB>title) and exit")
    p.add_argument("--steps", type=_nonneg_int, default=0, metavar="N",
                   help="run N descent steps (dataset workspace: training steps) before showing")
    p.add_argument("--workspace", choices=("explorer", "dataset"),
                   help="open on the single-sample explorer (default) or the dataset workspace")
    p.add_argument("--data", metavar="FILE.csv",
                   help="open the dataset workspace on a CSV file of points (or a built-in data set's name)")
    p.add_argument("--screenshot", metavar="FILE", help="render the window to FILE (.png or .svg) and exit")
    p.add_argument("--size", type=_size, default=None, metavar="WxH", help="window size, e.g. 1280x720")
    p.add_argument("--theme", choices=("light", "dark", "projector"), help="colour theme")
    p.add_argument("--font-scale", type=_percent, metavar="PERCENT", help="font scale, 50..300")
    p.add_argument("--presentation", action="store_true", help="start in presentation mode (full screen)")
    p.add_argument("--units", choices=("nats", "bits"), help="show losses in nats or bits")
    p.add_argument("--settings-dir", metavar="DIR", help=argparse.SUPPRESS)  # tests: never the user's settings
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        status = _run(list(sys.argv[1:] if argv is None else argv))
        if sys.stdout is not None:  # the last output is written here, not at interpreter exit
            try:
                sys.stdout.flush()
            except OSError as exc:
                raise OutputError.from_os_error(exc) from None
    except OutputError as exc:
        discard_unwritten(sys.stdout)
        if exc.errno == errno.EPIPE:  # the reader left: stop quietly, as Unix tools do
            return BROKEN_PIPE_STATUS
        print_error(f"cannot write the output: {exc}")
        return 2
    return status


def _run(argv: list[str]) -> int:
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    # The arrays here have at most 1000 entries: BLAS threads only cost start-up time
    # (~50 ms of CPU to start them when numpy is imported). Set before numpy's first import.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        if argv and argv[0] in SUBCOMMANDS:
            from ce_desktop import cli

            return cli.main(argv)
        try:
            args = gui_parser().parse_args(argv)
        except SystemExit as exc:  # --help: argparse printed the help and wants to exit
            return exc.code if isinstance(exc.code, int) else 0
        if args.list_presets:
            from ce_desktop.model import presets

            write_output("".join(f"{preset.name}\t{preset.description}\n" for preset in presets.PRESETS))
            return 0
        if args.list_lessons:
            from ce_desktop.model import lessons

            write_output("".join(f"{lesson.name}\t{len(lesson.slides)}\t{lesson.title}\n"
                                 for lesson in lessons.LESSONS))
            return 0
        _check_display(args)
        # No cyclic garbage collection while the window is being built: start-up makes
        # hundreds of thousands of objects that all stay alive, and collecting them costs
        # ~7 % of the time to the first paint. run_gui turns it back on once the window
        # shows (and it is back on here for anyone calling main() in-process).
        gc.disable()
        try:
            from ce_desktop.gui import launch

            return launch.run_gui(args)
        finally:
            gc.enable()
    except UsageError as exc:
        print_error(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except OutputError:
        raise
    except Exception:  # a genuine internal failure: log it, say where, exit 1
        path = write_crash_log()
        print_stderr(f"ce-desktop: internal error; details written to {path}\n")
        return 1


def _check_display(args: argparse.Namespace) -> None:
    """Stop with a user error where Qt would abort the process for want of a display.

    ``--screenshot`` needs no screen: with no display and no QT_QPA_PLATFORM chosen, it
    renders on Qt's offscreen platform.
    """
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is not None and widgets.QApplication.instance() is not None:
        return  # Qt is up already (a test, or a host program calling main)
    from ce_desktop.qtcheck import display_problem

    problem = display_problem()
    if problem is None:
        return
    if args.screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    raise UsageError(problem)


def write_crash_log() -> str:
    """Write the current exception's traceback to a log file and return its path."""
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="ce-desktop-crash-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        traceback.print_exc(file=fh)
    return path
