"""Soak: thousands of animation frames through the real window, with flat memory.

Frames are driven directly (the controller's frame slot, then the event loop paints what
changed; the timer takes none), so the run is the same on any machine and 20,000 frames
take a minute or two rather than 20,000 / 60 s. The default
run's 6,000 frames are well past the ~5,000 repaints after which PySide6-Essentials 6.12
on CPython 3.11 aborts with "Fatal Python error: none_dealloc"; the full 20,000 are opt-in
(``pytest -m slow``).
"""

from __future__ import annotations

import gc
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import hold_descent_clock  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402

from ce_desktop.gui.state import ExplorerState  # noqa: E402
from ce_desktop.gui.views.descent_panel import build_descent_views  # noqa: E402
from ce_desktop.model import presets  # noqa: E402

#: Allowed growth of the resident set over the measured frames.
MAX_GROWTH_MB = 4.0


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def drive(window, frames: int) -> dict:
    """Play runs frame by frame; when one stops, scrub it a little, reset and play again."""
    app = QtWidgets.QApplication.instance()
    c = window.descent
    s = window.state
    counts = {"frames": 0, "runs": 0, "scrubs": 0}
    while counts["frames"] < frames:
        if not c.playing:
            run = c.run
            if run is not None and run.finished:
                # Use the scrubber and step back on the finished run, then start over.
                c.go_to(run.last // 2)
                c.step_back()
                counts["scrubs"] += 1
                c.reset()
            counts["runs"] += 1
            c.play()
            assert c.playing, c.status
        c.advance_frame()
        app.processEvents()  # paint every view that changed, as a real frame would
        counts["frames"] += 1
        if counts["frames"] % 500 == 0:
            assert np.isfinite(s.evaluation.cross_entropy)
            assert abs(s.prediction.sum() - 1) < 1e-9
    c.pause()
    return counts


class DescentDock(QtWidgets.QMainWindow):
    """Just the descent dock as the window builds it (panel + loss/logits/simplex tabs)."""

    def __init__(self, state):
        super().__init__()
        self.state = state
        views = build_descent_views(state, self)
        self.descent = views.controller
        self.descent_views = views.as_dict()
        self.setCentralWidget(views.splitter)


def drive_with_tabs(window, frames: int) -> dict:
    """:func:`drive`, showing the next tab of the dock every 1,000 frames."""
    tabs = window.descent_views["tabs"]
    counts = {"frames": 0, "runs": 0, "scrubs": 0}
    while counts["frames"] < frames:
        part = drive(window, min(1000, frames - counts["frames"]))
        for k in counts:
            counts[k] += part[k]
        tabs.setCurrentIndex((tabs.currentIndex() + 1) % tabs.count())
    return counts


def soak(qtbot, tmp_path, frames: int, full_window: bool) -> None:
    from ce_desktop.gui.window import MainWindow

    state = ExplorerState(presets.get("good-prediction").scenario())
    if full_window:
        window = MainWindow(state, settings_dir=tmp_path, theme="light", font_scale=100)
    else:
        window = DescentDock(state)
    qtbot.addWidget(window)
    window.resize(1280, 720 if full_window else 320)
    window.show()
    qtbot.waitExposed(window)
    # The test, not the clock, takes the frames. Hard target, 400 steps per run.
    hold_descent_clock(window.descent)
    window.state.set_descent(steps_per_second=0.25, max_steps=400, tolerance=0.0, learning_rate=2.0)
    warm = min(1500, frames // 4)
    drive_with_tabs(window, warm)
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    counts = drive_with_tabs(window, frames - warm)
    elapsed = time.perf_counter() - t0
    gc.collect()
    growth = rss_mb() - before
    assert counts["runs"] >= 2 and counts["scrubs"] >= 1
    assert growth <= MAX_GROWTH_MB, f"RSS grew by {growth:.1f} MB over {frames - warm} frames ({elapsed:.0f} s)"
    # The undo history holds no more than one entry per run (resets leave none).
    assert len(window.state.history) <= counts["runs"] + 2
    window.close()


def test_soak_descent_dock_6000_frames(qtbot, tmp_path):
    soak(qtbot, tmp_path, 6000, full_window=False)


@pytest.mark.slow
def test_soak_window_20000_frames(qtbot, tmp_path):
    soak(qtbot, tmp_path, 20_000, full_window=True)
