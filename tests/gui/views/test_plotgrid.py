"""The grid lines live in the plots' cached background (ce_desktop.gui.views.plotgrid)."""

from __future__ import annotations

import numpy as np
from conftest import settle
from PySide6 import QtCore, QtGui

from ce_desktop.gui.views.plotgrid import GridPlotWidget


def _row_colours(plot, x_value: float, values) -> list[QtGui.QColor]:
    """The darkest colour drawn within a pixel of data point (x_value, v), for each v."""
    img = plot.grab().toImage()
    vb = plot.getPlotItem().getViewBox()
    out = []
    for v in values:
        pt = plot.viewport().mapTo(plot, plot.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x_value, v))))
        near = [QtGui.QColor(img.pixel(pt.x(), pt.y() + d)) for d in (-1, 0, 1)]
        out.append(min(near, key=lambda c: c.lightness()))
    return out


def test_grid_lines_sit_at_the_axis_ticks_behind_the_data(qtbot):
    w = GridPlotWidget(background="#ffffff")
    qtbot.addWidget(w)
    w.resize(400, 300)
    w.show()
    pi = w.getPlotItem()
    pi.setXRange(0, 10, padding=0)
    pi.setYRange(0, 1, padding=0)
    w.set_ticks("left", [[(v, f"{v}") for v in (0.25, 0.5, 0.75)], []])
    w.show_grid(y=True, alpha=0.5)
    settle()
    assert [v for axis, v, _a in w.grid_lines()] == [0.25, 0.5, 0.75]
    on = _row_colours(w, 5.0, (0.25, 0.5, 0.75))
    off = _row_colours(w, 5.0, (0.375, 0.625))
    assert all(c.lightness() < 250 for c in on)  # a line: darker than the white background
    assert all(c.name() == "#ffffff" for c in off)  # between lines: background
    # New ticks: the background (and its lines) is drawn again.
    w.set_ticks("left", [[(0.375, "a")], []])
    settle()
    assert _row_colours(w, 5.0, (0.375,))[0].lightness() < 250
    assert _row_colours(w, 5.0, (0.25,))[0].name() == "#ffffff"


def test_automatic_ticks_follow_the_range(qtbot):
    w = GridPlotWidget(background="#ffffff")
    qtbot.addWidget(w)
    w.resize(400, 300)
    w.show()
    w.show_grid(x=True, y=True, alpha=0.3)
    pi = w.getPlotItem()
    pi.setXRange(0, 10, padding=0)
    pi.setYRange(0, 100, padding=0)
    settle()
    ys = sorted(v for axis, v, _a in w.grid_lines() if axis == "left")
    xs = sorted(v for axis, v, _a in w.grid_lines() if axis == "bottom")
    assert 0 <= min(ys) and max(ys) <= 100 and len(ys) >= 3
    assert 0 <= min(xs) and max(xs) <= 10 and len(xs) >= 3
    pi.setYRange(1000, 2000, padding=0)  # the view box's range signal redraws the background
    settle()
    ys = np.array(sorted(v for axis, v, _a in w.grid_lines() if axis == "left"))
    assert ys.min() >= 1000 and ys.max() <= 2000
    line = ys[len(ys) // 2]
    assert _row_colours(w, 5.0, (line,))[0].lightness() < 250


def test_the_bar_plots_draw_their_grid_in_the_background(qtbot):
    from conftest import show_view

    from ce_desktop.gui.state import ExplorerState
    from ce_desktop.gui.views.editors import TargetEditor

    plot = show_view(qtbot, TargetEditor(ExplorerState()), (535, 192))
    assert plot.grid_alpha("left") == 0.25
    assert plot.getPlotItem().getAxis("left").grid is False  # the axis itself draws no grid
    assert {v for _axis, v, _a in plot.grid_lines()} >= {0.25, 0.5, 0.75, 1.0}


def test_make_plot_builds_a_fixed_plot_that_the_mouse_does_not_move(qtbot):
    from conftest import drag_bar, scroll_down

    from ce_desktop.gui.views.plots import make_plot

    w = make_plot("A title", grid=(False, True), grid_alpha=0.3)
    qtbot.addWidget(w)
    w.resize(400, 300)
    w.show()
    pi = w.getPlotItem()
    pi.setXRange(0, 10, padding=0)
    pi.setYRange(0, 1, padding=0)
    settle()
    assert pi.getViewBox().autoRangeEnabled() == [False, False]
    assert w.grid_alpha("left") == 0.3 and w.grid_alpha("bottom") is None
    assert w.focusPolicy() == QtCore.Qt.FocusPolicy.NoFocus
    before = pi.getViewBox().viewRange()
    scroll_down(w, 3)  # a wheel would zoom a plain PlotWidget
    drag_bar(qtbot, w, 5.0, 0.2, 0.8)  # a drag would pan it
    settle()
    assert np.allclose(pi.getViewBox().viewRange(), before)
