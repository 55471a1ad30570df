"""Soak: thousands of drag updates through the real window, with flat memory and no crash.

A "drag update" is one mouse move during a drag that changes the state (and is painted:
the event loop runs after every move, as a new frame would). The drags are long, real
press / move ... / release sequences on the viewport, sweeping each bar of the target
editor, the prediction editor and the logits editor up and down (past the plot's edges
too), so every view follows thousands of changes. Each whole drag is one undo step.

The default run makes 3,000 updates; the full 10,000 are opt-in (``pytest -m slow``,
``make test-long``). The resident set may grow by at most ``MAX_GROWTH_MB`` after a warm-up.
"""

from __future__ import annotations

import gc
import math
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402  (PySide6 before pyqtgraph)
from test_fuzz_gui import (  # noqa: E402
    LEFT,
    NO_BUTTON,
    T,
    instant_drags,
    mouse,
    plot_point,
    plot_problems,
    state_problems,
    text_problems,
)

from ce_desktop.gui.state import ExplorerState  # noqa: E402

pg.setConfigOption("mouseRateLimit", -1)

#: Allowed growth of the resident set over the measured updates.
MAX_GROWTH_MB = 4.0
#: Moves per drag (each one an update).
MOVES_PER_DRAG = 100


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class DragSoak:
    def __init__(self, window):
        self.w = window
        self.s = window.state
        self.updates = 0
        self.drags = 0
        self.k = 0

    def one_drag(self) -> None:
        """A long drag on one bar of one editor: down past the bottom, up past the top, back."""
        w, s = self.w, self.s
        kind = self.drags % 3
        if kind == 2 and not s.logits_mode:
            s.set_logits_mode(True)
        elif kind < 2 and s.logits_mode:
            s.set_logits_mode(False)
        editor = w.target_editor if kind == 0 else w.prediction_editor
        n = s.num_classes
        i = (self.drags // 3) % n
        vb = editor.getPlotItem().getViewBox()
        lo, hi = vb.viewRange()[1]
        span = hi - lo
        start = float(editor.values()[i])
        start = min(max(start, lo + 0.05 * span), hi - 0.05 * span)
        vp = editor.viewport()
        a = plot_point(editor, vb, i, start)
        mouse(vp, T.MouseMove, a, NO_BUTTON, NO_BUTTON)
        mouse(vp, T.MouseButtonPress, a, LEFT, LEFT)
        # A sweep: start -> below the plot -> above it -> the middle, as a triangle wave.
        for m in range(1, MOVES_PER_DRAG + 1):
            phase = m / MOVES_PER_DRAG
            y = lo - 0.2 * span + (1.4 * span) * abs(math.sin(math.pi * (phase * 1.5 + self.k * 0.013)))
            x = i + 0.3 * math.sin(m)
            before = s.revision
            mouse(vp, T.MouseMove, plot_point(editor, vb, x, y), NO_BUTTON, LEFT)
            QtWidgets.QApplication.processEvents()  # the frame: apply the move, paint
            if s.revision != before:
                self.updates += 1
        b = plot_point(editor, vb, x, y)
        mouse(vp, T.MouseButtonRelease, b, LEFT, NO_BUTTON)
        QtWidgets.QApplication.processEvents()
        assert not s.gesture_active, "the drag's undo step was not closed"
        self.drags += 1
        self.k += 1

    def run(self, updates: int) -> None:
        goal = self.updates + updates
        while self.updates < goal:
            self.one_drag()
            if self.drags % 10 == 0:
                problems = state_problems(self.s) + text_problems(self.w) + plot_problems(self.w)
                assert not problems, problems


def soak(qtbot, tmp_path, updates: int) -> None:
    from ce_desktop.gui.window import MainWindow

    window = MainWindow(ExplorerState(), settings_dir=tmp_path, theme="light", font_scale=100)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    instant_drags(window)
    start = window.state.scenario
    d = DragSoak(window)
    with qtbot.capture_exceptions() as exceptions:
        warm = min(1000, updates // 4)
        d.run(warm)
        gc.collect()
        before = rss_mb()
        t0 = time.perf_counter()
        d.run(updates - warm)
        elapsed = time.perf_counter() - t0
        gc.collect()
        growth = rss_mb() - before
    assert not exceptions, exceptions
    assert d.updates >= updates
    print(f"{d.updates} drag updates in {d.drags} drags; measured {updates - warm} in {elapsed:.0f} s "
          f"({1000 * elapsed / (updates - warm):.1f} ms each); RSS {before:.0f} MB, growth {growth:+.1f} MB")
    assert growth <= MAX_GROWTH_MB, f"RSS grew by {growth:.1f} MB over {updates - warm} drag updates"
    # One undo step per drag (plus the logits-mode switches), never one per move.
    assert len(window.state.history) <= 2 * d.drags
    # And the whole soak undoes back to where it started.
    while window.state.undo():
        pass
    assert window.state.scenario.same_as(start)
    assert np.isclose(window.state.prediction.sum(), 1.0, atol=1e-9)
    window.close()


def test_soak_3000_drag_updates(qtbot, tmp_path):
    soak(qtbot, tmp_path, 3000)


@pytest.mark.slow
def test_soak_10000_drag_updates(qtbot, tmp_path):
    soak(qtbot, tmp_path, 10_000)
