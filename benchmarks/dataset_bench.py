"""The dataset workspace's speed (issue 17), measured by ``benchmarks/run.py`` (``--only dataset``).

Each measure runs in a fresh process (``run.py --child dataset-KIND 0``), on the real window
at the benchmark's size with the dataset workspace shown (``window.workspaces.set_current``),
as the descent and drag measures run on the explorer:

* ``train-linear`` / ``train-mlp`` -- one training frame is ``state.advance_frame()`` (one
  step, every view of the workspace fed: the regions on their 200 × 200 grid, the worst points'
  rings, the curves, the controls' scrubber) followed by :func:`run.settle`, the event loop
  run until it is idle (every view Qt was asked to repaint has been painted), as the drag
  benchmark follows a move. Timed are the whole frame, and its two parts: ``update`` (the
  ``advance_frame`` call: the step and the views fed) and ``paint`` (the event loop after it).
  Linear: blobs, N = 10,000, C = 10. MLP: spirals, N = 2,000, C = 10, 32 tanh units, random
  start. Plain gradient descent with learning rate 0.1 and no stop rule that can end the run.
* ``point-drag`` -- real mouse events into the plane's viewport (run.py's ``Dragger``): a press
  on a point of a 10,000-point set (blobs, C = 10), then moves around a circle of 40 px, each
  timed from sending the event until the event loop is idle (the state has a new run, every
  view is fed and repainted).
* ``open-csv`` -- ``dataset_csv.read_csv`` of a 100,000-row file, ``state.open_data`` and the
  event loop until idle; the resident memory above the baseline (the window shown with the
  dataset workspace, before the file is read) after it, measured as run.py's memory measure
  does (``/proc/self/statm`` after ``gc.collect()``).

Beside each, :func:`plain_numpy_frame` times the same arithmetic in a plain NumPy loop (no app
code, no Qt): for a frame the training step (one pass over the data for the loss, the gradient
and the per-sample losses, then the update) and the region probabilities on the grid; for a
drag move the pass over the moved data. The gap between it and the app's ``update`` is the
app's own overhead; ``paint`` is the drawing.
"""

from __future__ import annotations

import gc
import math
import statistics
import tempfile
import time
from pathlib import Path

import run as bench

KINDS = ("train-linear", "train-mlp", "point-drag", "open-csv")
GRID = 200
LINEAR = {"generator": "blobs", "samples": 10_000, "classes": 10}
MLP = {"generator": "spirals", "samples": 2_000, "classes": 10, "hidden": 32}
CSV_ROWS = 100_000
TARGETS = {"train-linear": 55.0, "train-mlp": 30.0, "point-drag": 16.0, "open-csv": 2.0, "csv_mb": 100.0}


class DatasetCounts:
    def __init__(self, quick: bool):
        self.rounds = 1 if quick else 3
        self.frames = 10 if quick else 100  # timed frames (or drag moves) per round
        self.warmup = 5 if quick else 30
        self.csv_rows = 2_000 if quick else CSV_ROWS
        self.maths_frames = 5 if quick else 60


def _page(app: bench.App):
    """The real window with the dataset workspace shown, and its page."""
    w = app.window()
    w.workspaces.set_current("dataset")
    page = w.workspaces.dataset_page()
    bench.settle()
    import pyqtgraph as pg

    for view in page.findChildren(pg.GraphicsView):
        view.scene().minDragTime = 0  # a drag starts at the first move (as run.App does)
    return w, page


def _setup(state, kind: str) -> None:
    from ce_desktop.model.training import TrainingSettings
    from ce_desktop.model.workspace import GeneratorSpec, ModelSettings

    if kind == "train-mlp":
        state.generate(GeneratorSpec(MLP["generator"], MLP["samples"], MLP["classes"], 0))
        state.set_model(ModelSettings("mlp", 1, MLP["hidden"], "tanh", "random", 0))
    else:
        state.generate(GeneratorSpec(LINEAR["generator"], LINEAR["samples"], LINEAR["classes"], 0))
    state.set_training(TrainingSettings(learning_rate=0.1, max_steps=1_000_000, tolerance=0.0))
    bench.settle()


def _paints(window, frame, n: int) -> dict[str, float]:
    """Paint events per frame and widget class over ``n`` calls of ``frame`` (untimed)."""
    from PySide6 import QtCore, QtWidgets

    counts: dict[str, int] = {}

    class Filter(QtCore.QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
            if ev.type() == QtCore.QEvent.Type.Paint:
                owner = obj.parent() if type(obj) is QtWidgets.QWidget and obj.parent() is not None else obj
                name = type(owner).__name__
                counts[name] = counts.get(name, 0) + 1
            return False

    f = Filter()
    widgets = [window] + window.findChildren(QtWidgets.QWidget)
    for wd in widgets:
        wd.installEventFilter(f)
    for _ in range(n):
        frame()
    for wd in widgets:
        wd.removeEventFilter(f)
    return {k: round(v / n, 2) for k, v in sorted(counts.items())}


def bench_training(app: bench.App, kind: str, counts: DatasetCounts) -> dict:
    """Training frames: ``advance_frame`` then the event loop until idle, each timed."""
    w, page = _page(app)
    state = page.state
    _setup(state, kind)

    def frame():
        state.advance_frame()
        bench.settle()

    for _ in range(counts.warmup):
        frame()
    paints = _paints(w, frame, min(10, counts.warmup))
    start = state.position
    totals, updates, paints_ms = [], [], []
    gc.collect()
    for _ in range(counts.frames):
        t0 = time.perf_counter()
        state.advance_frame()
        t1 = time.perf_counter()
        bench.settle()
        t2 = time.perf_counter()
        totals.append((t2 - t0) * 1e3)
        updates.append((t1 - t0) * 1e3)
        paints_ms.append((t2 - t1) * 1e3)
    stepped = state.position - start
    status = state.status
    finished = state.run.finished
    app.close(w)
    return {"times": totals, "update_times": updates, "paint_times": paints_ms, "frames": len(totals),
            "steps": stepped, "still_training": not finished and stepped == len(totals), "status": status,
            "paints_per_frame": paints}


def bench_point_drag(app: bench.App, counts: DatasetCounts) -> dict:
    """Real mouse moves dragging one point of 10,000 on the plane, each followed until idle."""
    w, page = _page(app)
    state = page.state
    _setup(state, "point-drag")
    plane = page.plane
    drag = bench.Dragger(plane)
    pts = state.setup.data.points
    (x0, x1), (y0, y1) = plane.view_box().viewRange()
    mid = (0.5 * (x0 + x1), 0.5 * (y0 + y1))
    i = int(((pts[:, 0] - mid[0]) ** 2 + (pts[:, 1] - mid[1]) ** 2).argmin())  # a point near the middle
    px, py = (float(v) for v in pts[i])
    sx, sy = plane.view_box().viewPixelSize()
    n = counts.warmup + counts.frames
    path = [(px + 40 * sx * math.cos(2 * math.pi * k / 90), py + 40 * sy * math.sin(2 * math.pi * k / 90))
            for k in range(1, n + 1)]
    drag.press(px, py)
    bench.settle()
    times = []
    gc.collect()
    for k, (x, y) in enumerate(path):
        t0 = time.perf_counter()
        drag.move(x, y)
        bench.settle()
        t1 = time.perf_counter()
        if k >= counts.warmup:
            times.append((t1 - t0) * 1e3)
    dragged = state.selected
    moved = state.setup.data.points[dragged] if dragged >= 0 else None
    followed = moved is not None and abs(moved[0] - path[-1][0]) < 2 * sx and abs(moved[1] - path[-1][1]) < 2 * sy
    drag.release(*path[-1])
    bench.settle()
    undo = state.history.undo_text
    app.close(w)
    return {"times": times, "moves": len(times), "followed": bool(followed), "undo": undo, "point": dragged}


def _write_csv(path: Path, rows: int) -> None:
    import numpy as np

    from ce_desktop.model import dataset_csv
    from ce_desktop.model.dataset import Dataset

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, rows)
    points = rng.normal(0.0, 1.0, (rows, 2)) + 3.0 * np.stack([np.cos(labels * 2.1), np.sin(labels * 2.1)], axis=1)
    dataset_csv.write_csv(Dataset.from_labels(points, labels, 3), path)


def bench_open_csv(app: bench.App, counts: DatasetCounts) -> dict:
    """Opening a CSV of ``counts.csv_rows`` rows: read, open, painted; and the memory it takes."""
    from ce_desktop.model import dataset_csv

    with tempfile.TemporaryDirectory(prefix="ce-bench-csv-") as tmp:
        path = Path(tmp) / "points.csv"
        _write_csv(path, counts.csv_rows)
        w, page = _page(app)
        state = page.state
        gc.collect()
        base = bench.rss_mb()
        t0 = time.perf_counter()
        data = dataset_csv.read_csv(path)
        t1 = time.perf_counter()
        state.open_data(data, path.name)
        t2 = time.perf_counter()
        bench.settle()
        t3 = time.perf_counter()
        del data
        gc.collect()
        after = bench.rss_mb()
        n = state.num_samples
        size = path.stat().st_size
    app.close(w)
    return {"seconds": t3 - t0, "read_s": t1 - t0, "open_s": t2 - t1, "paint_s": t3 - t2,
            "baseline_mb": base, "after_mb": after, "growth_mb": after - base, "rows": n, "file_bytes": size}


# --------------------------------------------------------------------------- the maths alone


def plain_numpy_frame(kind: str, counts: DatasetCounts) -> dict:
    """Median ms of the frame's arithmetic written as a plain NumPy loop (no app code, no Qt).

    A training frame: one pass over the data (logits, log-softmax, the per-sample losses, the
    gradient, the accuracy), the update, and the region probabilities on the GRID × GRID grid
    (logits, softmax, the top class and its probability). A drag move: the pass over the data.
    """
    import numpy as np

    from ce_desktop.model.workspace import GeneratorSpec

    spec = MLP if kind == "train-mlp" else LINEAR
    data = GeneratorSpec(spec["generator"], spec["samples"], spec["classes"], 0).generate()
    x = np.ascontiguousarray(data.points, dtype=float)
    y = np.asarray(data.targets, dtype=float)
    labels = np.argmax(y, axis=1)
    n, c = y.shape
    lo, hi = x.min(axis=0), x.max(axis=0)
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    # (W Xᵀ)ᵀ rather than X Wᵀ: the same sums, many times faster on this BLAS for tall thin X
    xt, gt = np.ascontiguousarray(x.T), np.ascontiguousarray(grid.T)
    rng = np.random.default_rng(0)
    hidden = spec.get("hidden", 0)
    lr = 0.1

    def log_softmax(z):
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    if kind == "train-mlp":
        w1, b1 = rng.normal(0, 1 / math.sqrt(2), (hidden, 2)), np.zeros(hidden)
        w2, b2 = rng.normal(0, 1 / math.sqrt(hidden), (c, hidden)), np.zeros(c)

        def step(regions: bool) -> None:
            nonlocal w1, b1, w2, b2
            h = np.tanh((w1 @ xt).T + b1)
            logp = log_softmax((w2 @ h.T).T + b2)
            per_sample = -(y * logp).sum(axis=1)
            _ = per_sample.mean(), np.mean(logp.argmax(axis=1) == labels)
            gz = (np.exp(logp) - y) / n
            gpre = (gz @ w2) * (1 - h * h)
            w2, b2 = w2 - lr * (gz.T @ h), b2 - lr * gz.sum(axis=0)
            w1, b1 = w1 - lr * (gpre.T @ x), b1 - lr * gpre.sum(axis=0)
            if regions:
                p = np.exp(log_softmax((w2 @ np.tanh((w1 @ gt).T + b1).T).T + b2))
                _ = p.argmax(axis=1), p.max(axis=1)
    else:
        w, b = np.zeros((c, 2)), np.zeros(c)

        def step(regions: bool) -> None:
            nonlocal w, b
            logp = log_softmax((w @ xt).T + b)
            per_sample = -(y * logp).sum(axis=1)
            _ = per_sample.mean(), np.mean(logp.argmax(axis=1) == labels)
            gz = (np.exp(logp) - y) / n
            w, b = w - lr * (gz.T @ x), b - lr * gz.sum(axis=0)
            if regions:
                p = np.exp(log_softmax((w @ gt).T + b))
                _ = p.argmax(axis=1), p.max(axis=1)

    regions = kind != "point-drag"
    for _ in range(5):
        step(regions)
    times = []
    for _ in range(counts.maths_frames):
        t0 = time.perf_counter()
        step(regions)
        times.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(times)}


def child(kind: str, quick: bool) -> dict:
    """(In a fresh process) one dataset measure."""
    counts = DatasetCounts(quick)
    app = bench.App()
    if kind in ("train-linear", "train-mlp"):
        return bench_training(app, kind, counts)
    if kind == "point-drag":
        return bench_point_drag(app, counts)
    if kind == "open-csv":
        return bench_open_csv(app, counts)
    raise ValueError(f"no dataset measure called {kind!r}")


def run_all(quick: bool) -> dict:
    """Every dataset measure, the rounds taking turns in fresh processes, with the maths beside them."""
    counts = DatasetCounts(quick)
    flag = ["--quick"] if quick else []
    rounds: dict[str, list[dict]] = {k: [] for k in KINDS}
    for _ in range(counts.rounds):
        for kind in KINDS:
            rounds[kind].append(bench.run_child("--child", f"dataset-{kind}", "0", *flag))
    out: dict = {}
    for kind in ("train-linear", "train-mlp"):
        rs = rounds[kind]
        times = [t for r in rs for t in r["times"]]
        median = statistics.median(times)
        out[kind] = {
            "median_ms": median, "p90_ms": bench.percentile(times, 90), "fps": 1000.0 / median,
            "update_ms": statistics.median([t for r in rs for t in r["update_times"]]),
            "paint_ms": statistics.median([t for r in rs for t in r["paint_times"]]),
            "maths_ms": plain_numpy_frame(kind, counts)["median_ms"],
            "frames": len(times), "still_training": all(r["still_training"] for r in rs),
            "status": rs[-1]["status"], "paints_per_frame": rs[-1]["paints_per_frame"],
            "rounds": [round(statistics.median(r["times"]), 2) for r in rs],
        }
    rs = rounds["point-drag"]
    times = [t for r in rs for t in r["times"]]
    out["point-drag"] = {
        "median_ms": statistics.median(times), "p90_ms": bench.percentile(times, 90),
        "maths_ms": plain_numpy_frame("point-drag", counts)["median_ms"], "moves": len(times),
        "followed": all(r["followed"] for r in rs), "undo": rs[-1]["undo"],
        "rounds": [round(statistics.median(r["times"]), 2) for r in rs],
    }
    rs = rounds["open-csv"]
    out["open-csv"] = {
        "seconds": statistics.median(r["seconds"] for r in rs),
        "read_s": statistics.median(r["read_s"] for r in rs), "open_s": statistics.median(r["open_s"] for r in rs),
        "paint_s": statistics.median(r["paint_s"] for r in rs),
        "growth_mb": max(r["growth_mb"] for r in rs), "baseline_mb": rs[-1]["baseline_mb"],
        "rows": rs[-1]["rows"], "runs": [round(r["seconds"], 3) for r in rs],
    }
    return out


def table_rows(d: dict) -> list[tuple[str, str, str, str]]:
    """The dataset rows of run.py's table."""
    def ok(flag: bool) -> str:
        return "ok" if flag else "MISSED"

    rows = []
    for kind, title in (("train-linear", "training, linear N=10k C=10"), ("train-mlp", "training, MLP 32 N=2k")):
        if kind in d:
            r = d[kind]
            rows.append((title, f"{r['fps']:.1f} fps (median {r['median_ms']:.1f} ms, p90 {r['p90_ms']:.1f})",
                         f"≥ {TARGETS[kind]:g} fps", ok(r["fps"] >= TARGETS[kind] and r["still_training"])))
            rows.append(("  of which", f"update {r['update_ms']:.1f} + paint {r['paint_ms']:.1f} ms; "
                         f"plain NumPy {r['maths_ms']:.1f} ms", "", ""))
    if "point-drag" in d:
        r = d["point-drag"]
        rows.append(("point drag, N = 10,000", f"median {r['median_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms",
                     "≤ 16 ms", ok(r["median_ms"] <= TARGETS["point-drag"] and r["followed"])))
        rows.append(("  of which", f"plain NumPy {r['maths_ms']:.1f} ms", "", ""))
    if "open-csv" in d:
        r = d["open-csv"]
        met = r["seconds"] <= TARGETS["open-csv"] and r["growth_mb"] <= TARGETS["csv_mb"]
        rows.append((f"open CSV, {r['rows']:,} rows", f"{r['seconds']:.2f} s, +{r['growth_mb']:.1f} MB",
                     "≤ 2 s, ≤ 100 MB", ok(met)))
        rows.append(("  of which", f"read {r['read_s']:.2f} + open {r['open_s']:.2f} + paint {r['paint_s']:.2f} s",
                     "", ""))
    return rows
