"""ColumnBars in a bare PlotWidget: the pixels it draws and the columns a real mouse picks."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from conftest import click_at, data_to_viewport, drag_bar, instant_drags, settle
from PySide6 import QtCore, QtGui

from ce_desktop.gui.items.column_bars import MAX_OUTLINED_BARS, ColumnBars

FILL = "#0072b2"
EDGE = "#000000"
BACKGROUND = "#ffffff"


def bar_plot(qtbot, heights, y_range=(0.0, 1.0), pen_width=2.0, **kwargs):
    """A fixed, shown 400x300 PlotWidget with one ColumnBars fed ``heights``."""
    w = pg.PlotWidget(background=BACKGROUND)
    qtbot.addWidget(w)
    w.resize(400, 300)
    w.setAntialiasing(False)
    pi = w.getPlotItem()
    pi.setMouseEnabled(x=False, y=False)
    pi.hideButtons()
    pi.disableAutoRange()
    n = len(heights)
    pi.setXRange(-0.6, n - 0.4, padding=0)
    pi.setYRange(*y_range, padding=0)
    bars = ColumnBars(n, **kwargs)
    pi.addItem(bars)
    bars.set_hit_range(*y_range)
    bars.setOpts(pen=pg.mkPen(EDGE, width=pen_width), brush=pg.mkBrush(FILL))
    bars.set_values(heights)
    w.show()
    instant_drags(w)
    settle()
    return w, bars


def colour_at(w: pg.PlotWidget, x: float, y: float, image: QtGui.QImage | None = None) -> str:
    """The colour drawn at data point (x, y)."""
    img = image if image is not None else w.grab().toImage()
    pt = w.viewport().mapTo(w, data_to_viewport(w, x, y).toPoint())
    return QtGui.QColor(img.pixel(pt.x(), pt.y())).name()


def colours_near(w: pg.PlotWidget, x: float, y: float, image: QtGui.QImage) -> set[str]:
    """The colours within 2 pixels above and below data point (x, y)."""
    pt = w.viewport().mapTo(w, data_to_viewport(w, x, y).toPoint())
    return {QtGui.QColor(image.pixel(pt.x(), pt.y() + d)).name() for d in range(-2, 3)}


class Recorder:
    def __init__(self, bars: ColumnBars):
        self.events: list[tuple] = []
        for name in ("sigDragStarted", "sigDragFinished", "sigClicked", "sigDoubleClicked"):
            getattr(bars, name).connect(lambda i, name=name: self.events.append((name, i)))
        bars.sigDragged.connect(lambda i, y: self.events.append(("sigDragged", i, y)))

    def names(self) -> list[str]:
        return [e[0] for e in self.events]


# ----------------------------------------------------------------------------- pixels


def test_bars_are_filled_up_to_their_height_and_outlined(qtbot):
    w, _bars = bar_plot(qtbot, [0.8, 0.3, 0.55])
    img = w.grab().toImage()
    for i, h in enumerate((0.8, 0.3, 0.55)):
        assert colour_at(w, i, h / 2, img) == FILL
        assert colour_at(w, i, h + 0.1, img) == BACKGROUND  # above the bar: nothing
        assert EDGE in colours_near(w, i, h, img)  # the outline along the top
    assert colour_at(w, 0.5, 0.2, img) == BACKGROUND  # between bars 0 and 1 (width 0.7)


def test_negative_bars_hang_below_zero(qtbot):
    w, _bars = bar_plot(qtbot, [-0.5, 0.5], y_range=(-1.0, 1.0))
    img = w.grab().toImage()
    assert colour_at(w, 0, -0.25, img) == FILL
    assert colour_at(w, 0, 0.25, img) == BACKGROUND
    assert colour_at(w, 1, 0.25, img) == FILL
    assert colour_at(w, 1, -0.25, img) == BACKGROUND
    assert EDGE in colours_near(w, 0, -0.5, img)


def test_a_zero_bar_is_a_visible_line(qtbot):
    w, _bars = bar_plot(qtbot, [0.5, 0.0], y_range=(-0.5, 1.0))
    img = w.grab().toImage()
    assert EDGE in colours_near(w, 1, 0.0, img)
    assert colour_at(w, 1, 0.2, img) == BACKGROUND


def test_new_values_and_a_new_style_are_drawn(qtbot):
    w, bars = bar_plot(qtbot, [0.2, 0.2])
    bars.set_values([0.9, 0.1])
    bars.setOpts(brush=pg.mkBrush("#d55e00"))
    settle()
    img = w.grab().toImage()
    assert colour_at(w, 0, 0.8, img) == "#d55e00"
    assert colour_at(w, 1, 0.3, img) == BACKGROUND
    np.testing.assert_array_equal(bars.values(), [0.9, 0.1])


def test_a_bar_taller_than_the_hit_area_is_drawn_whole(qtbot):
    w, bars = bar_plot(qtbot, [0.2], y_range=(0.0, 1.0))
    bars.set_hit_range(0.0, 0.5)
    bars.set_values([0.9])
    settle()
    assert colour_at(w, 0, 0.8) == FILL


def test_a_hatched_brush_shows_no_outline_colour_inside(qtbot):
    w, bars = bar_plot(qtbot, [0.9], pen_width=2.0)
    bars.setOpts(brush=QtGui.QBrush(QtGui.QColor(FILL), QtCore.Qt.BrushStyle.BDiagPattern))
    settle()
    img = w.grab().toImage()
    pt = w.viewport().mapTo(w, data_to_viewport(w, 0, 0.45).toPoint())
    inside = {QtGui.QColor(img.pixel(pt.x() + dx, pt.y() + dy)).name() for dx in range(-8, 9) for dy in range(-8, 9)}
    assert inside == {FILL, BACKGROUND}  # the hatching and the background between its lines


def test_crowded_bars_are_drawn_without_outline(qtbot):
    n = MAX_OUTLINED_BARS + 10
    w, bars = bar_plot(qtbot, np.full(n, 0.6))
    img = w.grab().toImage()
    # Each bar is a few pixels wide: with an outline it would be all edge colour.
    assert colour_at(w, n // 2, 0.3, img) == FILL
    assert EDGE not in colours_near(w, n // 2, 0.6, img)
    assert bars.opts["pen"] is not None  # the outline asked for is kept (for fewer bars)


def test_crowded_bars_draw_the_same_pixels_on_the_fast_and_the_public_path(qtbot, monkeypatch):
    """The fast path (pyqtgraph's PrimitiveArray, docs/private-api.md) against a list of QRectF."""
    from ce_desktop.gui.items import column_bars

    n = 300
    heights = np.random.default_rng(3).uniform(0.05, 0.9, n)
    w, bars = bar_plot(qtbot, heights)
    with_nan = heights.copy()
    with_nan[7] = np.nan  # a bar that cannot be drawn is left out on both paths
    for values in (heights, with_nan, heights):  # and is drawn again once it can be
        bars.set_values(values)
        pictures = {}
        for fast in (True, False):
            monkeypatch.setattr(column_bars, "_FAST_RECTS", fast)
            bars.update()
            settle()
            pictures[fast] = w.grab().toImage()
        assert pictures[True] == pictures[False]
        assert colour_at(w, n // 2, float(heights[n // 2]) / 2, pictures[True]) == FILL


def test_a_nan_height_draws_the_other_bars(qtbot):
    w, bars = bar_plot(qtbot, [0.5, 0.5])
    bars.set_values([np.nan, 0.7])
    settle()
    assert colour_at(w, 1, 0.6) == FILL


def test_a_new_count_makes_new_bars(qtbot):
    w, bars = bar_plot(qtbot, [0.5, 0.5])
    bars.set_count(3)
    w.getPlotItem().setXRange(-0.6, 2.6, padding=0)
    bars.set_values([0.1, 0.2, 0.9])
    settle()
    assert bars.count == 3
    assert colour_at(w, 2, 0.8) == FILL


def test_wrong_input_is_refused():
    bars = ColumnBars(3)
    with pytest.raises(ValueError):
        bars.set_values([0.1, 0.2])
    with pytest.raises(TypeError):
        bars.setOpts(brushes=["r", "g", "b"])


# ----------------------------------------------------------------------------- hit areas


@pytest.mark.parametrize("index, y", [(0, 0.4), (1, 0.95), (2, 0.05), (2, 0.5)])
def test_a_click_anywhere_in_a_column_picks_its_bar(qtbot, index, y):
    w, bars = bar_plot(qtbot, [0.8, 0.3, 0.0])  # bar 2 is 0 high: its column still takes it
    rec = Recorder(bars)
    click_at(qtbot, w, index + 0.3, y)
    assert rec.events == [("sigClicked", index)]


def test_a_click_between_narrow_columns_picks_nothing(qtbot):
    w, bars = bar_plot(qtbot, [0.8, 0.8], hit_halfwidth=0.3)
    rec = Recorder(bars)
    click_at(qtbot, w, 0.5, 0.4)
    assert rec.events == []
    click_at(qtbot, w, 0.25, 0.4)
    assert rec.events == [("sigClicked", 0)]


def test_a_double_click_is_reported(qtbot):
    w, bars = bar_plot(qtbot, [0.8, 0.3])
    rec = Recorder(bars)
    click_at(qtbot, w, 1, 0.6, double=True)
    assert rec.events[-1] == ("sigDoubleClicked", 1)


def test_a_drag_reports_the_pointer_in_data_units(qtbot):
    w, bars = bar_plot(qtbot, [0.8, 0.0, 0.5])
    rec = Recorder(bars)
    drag_bar(qtbot, w, 1, 0.0, 0.7)  # from a zero bar's own line
    names = rec.names()
    assert names[0] == "sigDragStarted" and names[-1] == "sigDragFinished"
    assert {e[1] for e in rec.events} == {1}
    ys = [e[2] for e in rec.events if e[0] == "sigDragged"]
    assert len(ys) >= 3
    # One pixel is (1.0 / plot height) in data: the last y is the release point.
    assert ys[-1] == pytest.approx(0.7, abs=0.01)
    assert ys == sorted(ys)


def test_a_drag_of_a_negative_bar_goes_down(qtbot):
    w, bars = bar_plot(qtbot, [-0.5, 0.5], y_range=(-1.0, 1.0))
    rec = Recorder(bars)
    drag_bar(qtbot, w, 0, -0.5, -0.9)
    ys = [e[2] for e in rec.events if e[0] == "sigDragged"]
    assert rec.events[0] == ("sigDragStarted", 0)
    assert ys[-1] == pytest.approx(-0.9, abs=0.02)


def test_bars_that_are_not_draggable_leave_the_drag_to_the_view(qtbot):
    w, bars = bar_plot(qtbot, [0.8, 0.3], draggable=False)
    rec = Recorder(bars)
    drag_bar(qtbot, w, 0, 0.4, 0.9)
    assert "sigDragStarted" not in rec.names() and "sigDragged" not in rec.names()


def test_hovering_names_the_bar_and_leaving_reports_minus_one(qtbot):
    w, bars = bar_plot(qtbot, [0.8, 0.3])
    hovered = []
    bars.sigHovered.connect(hovered.append)
    vp = w.viewport()
    for x, y in ((1.0, 0.9), (0.0, 0.2)):
        pos = data_to_viewport(w, x, y)
        ev = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, pos, QtCore.QPointF(vp.mapToGlobal(pos.toPoint())),
                               QtCore.Qt.MouseButton.NoButton, QtCore.Qt.MouseButton.NoButton,
                               QtCore.Qt.KeyboardModifier.NoModifier)
        QtGui.QGuiApplication.sendEvent(vp, ev)
        settle()
    assert hovered[:1] == [1] and hovered[-1] == 0
