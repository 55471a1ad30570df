"""Grid lines drawn into a plot's cached background instead of by its axes.

pyqtgraph draws a grid as part of an axis: the axis item then covers the whole data area,
and since the axes are cached as pixmaps (:class:`~ce_desktop.gui.views.editors.BarChart`, the
descent plots), every repaint of a moving bar or curve blended one or two plot-sized
transparent pixmaps over the data area. Here the axes draw only their ticks and labels
(their strips are outside the data area, so they are not repainted when data change), and
the grid lines are painted once into the view's background, which the view already keeps as
an opaque pixmap (``CacheBackground``). The background is drawn again only when the range,
the ticks, the size or the colours change. The lines match pyqtgraph's: one line per tick
of each tick level, in the axis pen's colour, fainter for minor levels.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui


class GridPlotWidget(pg.PlotWidget):
    """A ``PlotWidget`` whose grid is part of its (cached) background."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._grid_axes: dict[str, float] = {}
        self._baseline: QtGui.QPen | None = None
        self._fixed_ticks: dict[str, list] = {}
        vb = self.getPlotItem().getViewBox()
        vb.sigRangeChanged.connect(self.refresh_grid)
        vb.sigResized.connect(self.refresh_grid)

    def show_grid(self, x: bool = False, y: bool = False, alpha: float = 0.25) -> None:
        """Grid lines at the bottom axis's ticks (``x``) and the left axis's (``y``)."""
        self.getPlotItem().showGrid(x=False, y=False)
        self._grid_axes = {name: float(alpha) for name, on in (("bottom", x), ("left", y)) if on}
        self.refresh_grid()

    def set_ticks(self, axis: str, levels: list | None) -> None:
        """``AxisItem.setTicks`` on ``axis`` ("bottom" or "left"), with the grid following.

        Fixed ticks go through here, not through the axis itself: the grid draws a line at
        each of them, and pyqtgraph keeps an axis's fixed ticks only in a private attribute.
        ``None`` returns the axis to automatic ticks.
        """
        self.getPlotItem().getAxis(axis).setTicks(levels)
        if levels is None:
            self._fixed_ticks.pop(axis, None)
        else:
            self._fixed_ticks[axis] = [list(level) for level in levels]
        self.refresh_grid()

    def fixed_ticks(self, axis: str) -> list[list] | None:
        """The ticks set on ``axis`` through :meth:`set_ticks` (a copy: one list per level),
        None where the axis chooses its own."""
        levels = self._fixed_ticks.get(axis)
        return None if levels is None else [list(level) for level in levels]

    def set_baseline(self, pen: QtGui.QPen | None) -> None:
        """A horizontal line at y = 0 in ``pen``, drawn with the grid (None: no line).

        (A ``pg.InfiniteLine`` there was repainted, in Python, with every change of the data.)
        """
        self._baseline = None if pen is None else QtGui.QPen(pen)
        self.refresh_grid()

    def grid_alpha(self, axis: str) -> float | None:
        """The grid's opacity along ``axis`` ("bottom" or "left"), None without grid lines."""
        return self._grid_axes.get(axis)

    def refresh_grid(self, *_args) -> None:
        """Draw the background (and so the grid) again: after new ticks, ranges or colours."""
        self.resetCachedContent()
        self.viewport().update()

    def grid_lines(self) -> list[tuple[str, float, int]]:
        """(axis, data value, alpha 0..255) of every grid line the background draws."""
        out = []
        vb = self.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        rect = vb.sceneBoundingRect()
        for name, alpha in self._grid_axes.items():
            axis = self.getPlotItem().getAxis(name)
            lo, hi, length = (x0, x1, rect.width()) if name == "bottom" else (y0, y1, rect.height())
            if length <= 0 or hi <= lo:
                continue
            fixed = self._fixed_ticks.get(name)
            if fixed is None:
                levels = [values for _spacing, values in axis.tickValues(lo, hi, length)]
            else:
                levels = [[v for v, _text in level] for level in fixed]
            for i, values in enumerate(levels):
                # pyqtgraph's fading: minor levels fainter, crowded levels fainter still.
                a = 255.0 / (i + 1) * alpha * min(max(0.05 * length / (len(values) + 1), 0.0), 1.0)
                out += [(name, float(v), int(a)) for v in values if lo <= v <= hi]
        return out

    def drawBackground(self, p: QtGui.QPainter, rect: QtCore.QRectF) -> None:  # noqa: N802 (Qt's name)
        super().drawBackground(p, rect)
        if not self._grid_axes and self._baseline is None:
            return
        vb = self.getPlotItem().getViewBox()
        area = vb.sceneBoundingRect()
        # View (data) coordinates to scene coordinates as vb.mapViewToScene maps them (the
        # same two steps, so the same rounding), with the transforms looked up once.
        to_box, box_to_scene = vb.childTransform(), vb.sceneTransform()
        left, right, top, bottom = area.left(), area.right(), area.top(), area.bottom()
        p.save()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        p.setClipRect(area)
        # One pen and one drawLines call per axis and opacity (a tick level), not per line.
        groups: dict[tuple[str, int], list[QtCore.QLineF]] = {}
        for name, value, alpha in self.grid_lines():
            at = QtCore.QPointF(0.0, value) if name == "left" else QtCore.QPointF(value, 0.0)
            pt = box_to_scene.map(to_box.map(at))
            if name == "left":
                line = QtCore.QLineF(left, pt.y(), right, pt.y())
            else:
                line = QtCore.QLineF(pt.x(), top, pt.x(), bottom)
            groups.setdefault((name, alpha), []).append(line)
        for (name, alpha), lines in groups.items():
            colour = QtGui.QColor(self.getPlotItem().getAxis(name).pen().color())
            colour.setAlpha(alpha)
            pen = QtGui.QPen(colour)
            pen.setCosmetic(True)
            p.setPen(pen)
            p.drawLines(lines)
        (_x0, _x1), (y0, y1) = vb.viewRange()
        if self._baseline is not None and y0 <= 0.0 <= y1:
            p.setPen(self._baseline)
            y = box_to_scene.map(to_box.map(QtCore.QPointF(0.0, 0.0))).y()
            p.drawLine(QtCore.QPointF(left, y), QtCore.QPointF(right, y))
        p.restore()
