"""Entry point: ``python main.py [options]`` opens the window; ``python main.py report|descend ...`` does not.

Command-line errors exit with status 2 and one clear line on stderr; an unexpected
internal failure exits with 1 after writing the traceback to a log file whose path it prints.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

SUBCOMMANDS = ("report", "descend")


class UsageError(Exception):
    """A mistake in the command line: exit 2 with this message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit 2 itself; we want one line
        raise UsageError(message)


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
    p = _Parser(
        prog="ce-desktop",
        description="CE Explorer: drag a target and a prediction and watch cross-entropy, entropy and KL respond. "
        "Subcommands without a window: report, descend (see `ce-desktop report --help`).",
    )
    p.add_argument("--preset", help="open with a built-in preset (see --list-presets)")
    p.add_argument("--list-presets", action="store_true", help="print the presets (name<TAB>description) and exit")
    p.add_argument("--scenario", metavar="FILE", help="open a saved scenario file")
    p.add_argument("--lesson", metavar="NAME", help="open a built-in lesson or a lesson file")
    p.add_argument("--slide", type=_nonneg_int, metavar="K", help="start the lesson at slide K (1-based)")
    p.add_argument("--list-lessons", action="store_true", help="print the lessons (name<TAB>slides<TAB>title) and exit")
    p.add_argument("--steps", type=_nonneg_int, default=0, metavar="N", help="run N descent steps before showing")
    p.add_argument("--screenshot", metavar="FILE", help="render the window to FILE (.png or .svg) and exit")
    p.add_argument("--size", type=_size, default=None, metavar="WxH", help="window size, e.g. 1280x720")
    p.add_argument("--theme", choices=("light", "dark", "projector"), help="colour theme")
    p.add_argument("--font-scale", type=_percent, metavar="PERCENT", help="font scale, 50..300")
    p.add_argument("--presentation", action="store_true", help="start in presentation mode (full screen)")
    p.add_argument("--units", choices=("nats", "bits"), help="show losses in nats or bits")
    p.add_argument("--settings-dir", metavar="DIR", help=argparse.SUPPRESS)  # tests: never the user's settings
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    # The arrays here have at most 1000 entries: BLAS threads only cost start-up time
    # (~50 ms of CPU to start them when numpy is imported). Set before numpy's first import.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        if argv and argv[0] in SUBCOMMANDS:
            from . import cli

            return cli.main(argv)
        args = gui_parser().parse_args(argv)
        if args.list_presets:
            from . import presets

            for preset in presets.PRESETS:
                print(f"{preset.name}\t{preset.description}")
            return 0
        if args.list_lessons:
            from . import lessons

            for lesson in lessons.LESSONS:
                print(f"{lesson.name}\t{len(lesson.slides)}\t{lesson.title}")
            return 0
        # No cyclic garbage collection while the window is being built: start-up makes
        # hundreds of thousands of objects that all stay alive, and collecting them costs
        # ~7 % of the time to the first paint. run_gui turns it back on once the window
        # shows (and it is back on here for anyone calling main() in-process).
        gc.disable()
        try:
            from . import main_window

            return main_window.run_gui(args)
        finally:
            gc.enable()
    except UsageError as exc:
        print(f"ce-desktop: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:  # a genuine internal failure: log it, say where, exit 1
        path = write_crash_log()
        print(f"ce-desktop: internal error; details written to {path}", file=sys.stderr)
        return 1


def write_crash_log() -> str:
    """Write the current exception's traceback to a log file and return its path."""
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="ce-desktop-crash-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        traceback.print_exc(file=fh)
    return path
