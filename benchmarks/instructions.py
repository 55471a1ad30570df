#!/usr/bin/env python3
"""Instructions per drag move and per descent frame, counted by callgrind (``make bench-instructions``).

A timing can only be as steady as the machine it runs on. This counts the work itself: it
runs the real window under valgrind's callgrind tool and has callgrind write its counters
out before every drag move and every descent frame, so each move and each frame gets its
own instruction count. The count does not depend on the machine's speed, its load or its
other tenants, so the spread of the counts is the spread of the app's own work: a p90 close
to the median says that the app does about the same work on every move, and that a spread
of the timings comes from the machine.

Each update is marked by a call to ``os.getppid()`` (one libc call the app never makes on
its own); ``--dump-before=getppid`` makes callgrind write one file per call. The first file
holds the start-up and the warm-up updates, the last the shut-down; the ones between hold one
update each. The script checks that it got exactly one file per update.

Usage: ``python benchmarks/instructions.py [--classes 10,1000] [--updates 120] [--json FILE]``.
valgrind is not a dependency of the app: without it the script says so and exits. Under
callgrind the app runs about 50 times slower; the default run takes several minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402 (the speed benchmark next to this file: its window, drag and percentile)

KINDS = ("drag", "frame")
MARK = "getppid"
WARMUP = 10


def parse_dumps(directory: Path) -> list[tuple[int, int]]:
    """``(part, instructions)`` of every callgrind dump in ``directory``, in part order."""
    out = []
    for f in directory.iterdir():
        if not f.name.startswith("callgrind.out"):
            continue
        part, total = None, None
        with f.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("part:"):
                    part = int(line.split()[1])
                elif line.startswith(("summary:", "totals:")):
                    total = int(line.split()[1])
        if part is None or total is None:
            raise ValueError(f"{f.name}: not a complete callgrind dump (no part or summary line)")
        out.append((part, total))
    return sorted(out)


def per_update(dumps: list[tuple[int, int]], updates: int) -> list[int]:
    """The instruction count of each marked update: every dump but the first and the last."""
    if len(dumps) != updates + 2:
        raise ValueError(f"expected {updates + 2} callgrind dumps (start-up, {updates} updates, shut-down), "
                         f"got {len(dumps)}: something else called {MARK}()")
    return [total for _, total in dumps[1:-1]]


def summarise(counts: list[int]) -> dict:
    """Median, p90 and maximum in millions of instructions, and the updates over 1.5x the median."""
    median = statistics.median(counts)
    p90 = bench.percentile(counts, 90)
    return {
        "updates": len(counts),
        "median_M": median / 1e6,
        "p90_M": p90 / 1e6,
        "max_M": max(counts) / 1e6,
        "p90_ratio": p90 / median,
        "over_1_5x_median": sum(1 for c in counts if c > 1.5 * median),
        "counts": counts,
    }


# --------------------------------------------------------------------------- the child (under callgrind)


def child(kind: str, num_classes: int, updates: int) -> None:
    """Build the real window, warm up, then mark and run ``updates`` drag moves or descent frames."""
    app = bench.App()
    if kind == "drag":
        w = app.window(bench.scenario_for(num_classes))
        drag = bench.Dragger(w.prediction_editor)
        heights = bench.drag_heights(WARMUP + updates)
        index = drag.grabbable(0)
        drag.press(index, float(w.state.prediction[index]))
        bench.settle()

        def update(k: int) -> None:
            drag.move(index, heights[k])
            bench.settle()
    else:
        w = app.window(bench.scenario_for(num_classes, optimizer="sgd", learning_rate=0.05,
                                          steps_per_second=60.0, max_steps=1_000_000, tolerance=0.0))
        controller, _ = bench.find_controller(w)
        controller.play()
        # Playing, but the frames come from here, one per update, not from the timer: under
        # callgrind every frame is late, and the timer would take frames inside the settles.
        controller.frames.hold()
        bench.settle()

        def update(k: int) -> None:
            controller.advance_frame()
            bench.settle()

    for k in range(WARMUP):
        update(k)
    for k in range(WARMUP, WARMUP + updates):
        os.getppid()
        update(k)
    os.getppid()
    app.close(w)


# --------------------------------------------------------------------------- the parent


def measure(kind: str, num_classes: int, updates: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ce-callgrind-") as tmp:
        cmd = ["valgrind", "--tool=callgrind", f"--dump-before={MARK}",
               f"--callgrind-out-file={tmp}/callgrind.out.%p",
               sys.executable, str(Path(__file__).resolve()), "--child", kind, str(num_classes), str(updates)]
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYQTGRAPH_QT_LIB="PySide6")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(f"{kind} C = {num_classes} under callgrind failed (exit {proc.returncode}): "
                               f"{proc.stderr.strip()[-800:]}")
        return summarise(per_update(parse_dumps(Path(tmp)), updates))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--classes", default="10,1000", help="class counts (default 10,1000)")
    ap.add_argument("--updates", type=int, default=120, help="marked updates per measurement (default 120)")
    ap.add_argument("--kinds", default=",".join(KINDS), help="drag, frame or both (default both)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "C", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if set(kinds) - set(KINDS) or not kinds:
        ap.error(f"--kinds takes drag and/or frame, got {args.kinds!r}")
    try:
        classes = [int(c) for c in args.classes.split(",")]
    except ValueError:
        ap.error(f"--classes takes whole numbers, e.g. 10,1000, got {args.classes!r}")
    if args.updates < 1:
        ap.error("--updates must be at least 1")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed, so nothing was counted (on Debian or Ubuntu: apt install valgrind).")
        if args.json:
            Path(args.json).write_text(json.dumps({"skipped": "valgrind not installed"}) + "\n", encoding="utf-8")
        return 0
    jobs = [(kind, c) for kind in kinds for c in classes]
    print(f"Counting instructions per update under callgrind: {len(jobs)} runs of {args.updates} updates "
          f"(several minutes) ...", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        results = dict(zip(jobs, pool.map(lambda job: measure(job[0], job[1], args.updates), jobs), strict=True))
    names = {"drag": "drag move", "frame": "descent frame"}
    print()
    for (kind, c), r in results.items():
        print(f"{names[kind]}, C = {c}: median {r['median_M']:.2f} M instructions, p90 {r['p90_M']:.2f} M "
              f"({r['p90_ratio']:.3f}× median), max {r['max_M']:.2f} M; "
              f"{r['over_1_5x_median']} of {r['updates']} over 1.5× the median")
    if args.json:
        out = {kind: {str(c): r for (k, c), r in results.items() if k == kind} for kind in kinds}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
