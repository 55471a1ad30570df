"""Bars at x = 0..C-1 that are grabbed by their whole column: the bar plots' one item.

A ``GraphicsObject`` of our own (as pyqtgraph's ``TargetItem`` is), not a ``BarGraphItem``
subclass: it keeps its rectangles in its own array, so no pyqtgraph release can change
what it draws or where it is grabbed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ce_desktop.gui.private_api import pyqtgraph_private_ok

#: Past this many bars they are drawn without an outline: the bars are then a few pixels
#: wide (the outline would hide the fill), and stroking 1000 outlines takes ~15 ms a frame.
MAX_OUTLINED_BARS = 40

_NO_PEN = QtGui.QPen(QtCore.Qt.PenStyle.NoPen)
#: Crowded bars are drawn from a numpy-backed array of QRectF (pyqtgraph's undocumented
#: ``Qt.internals.PrimitiveArray``, as its BarGraphItem does: no Python object per bar;
#: docs/private-api.md); on other pyqtgraph versions, from a list of QRectF.
_FAST_RECTS = pyqtgraph_private_ok()


def _clamp_pixel(v: float) -> float:
    """A device coordinate kept within what a QRect holds (NaN becomes 0)."""
    if v != v:
        return 0.0
    return min(max(v, -999999.0), 999999.0)


class ColumnBars(pg.GraphicsObject):
    """Bars at x = i + offset whose hit area is the full column ``[x - hit, x + hit] × [lo, hi]``.

    Fed with :meth:`set_values` (heights, the fast path of a drag or a frame) and styled with
    :meth:`setOpts` (``pen``, ``brush``, ``width``; ``height`` and ``y0`` as in ``BarGraphItem``).
    ``opts`` holds what was set (``x``, ``height``, ``y0``, ``width``, ``pen``, ``brush``).
    A bar of height 0 is drawn as a line of the pen's width and can still be grabbed: the
    whole column is its hit area. A press outside every column is ignored (``ev.ignore()``)
    so the view can do its own thing.

    Signals
    -------
    sigDragStarted(int), sigDragged(int, float), sigDragFinished(int)
        The bar index and the pointer's y in data coordinates.
    sigClicked(int), sigDoubleClicked(int)
    sigHovered(int)
        The bar under the pointer, -1 when the pointer leaves.
    """

    sigDragStarted = QtCore.Signal(int)
    sigDragged = QtCore.Signal(int, float)
    sigDragFinished = QtCore.Signal(int)
    sigClicked = QtCore.Signal(int)
    sigDoubleClicked = QtCore.Signal(int)
    sigHovered = QtCore.Signal(int)

    def __init__(self, n: int, width: float = 0.7, offset: float = 0.0, draggable: bool = True,
                 hit_halfwidth: float = 0.5):
        super().__init__()
        self._n = int(n)
        self._offset = float(offset)
        self._hit_lo, self._hit_hi = 0.0, 1.0
        self._hit_halfwidth = float(hit_halfwidth)
        self._hit_path: QtGui.QPainterPath | None = None
        self._bounds: QtCore.QRectF | None = None
        self._extent: tuple[float, float] | None = None  # the bars' y extent
        self._dragging: int | None = None
        self._rect_array: Any = None  # the storage with _FAST_RECTS: a pyqtgraph PrimitiveArray (untyped)
        self._rects = self._new_rects(self._n)  # left, bottom, width, height per bar
        self._all_finite = True  # every bar's rectangle is finite (paint can draw them all as they are)
        self._pen = _NO_PEN
        self._brush = QtGui.QBrush(QtGui.QColor("w"))
        self._outline: tuple | None = None
        self.draggable = draggable
        self.opts = {"x": np.arange(self._n) + self._offset, "height": np.zeros(self._n), "y0": 0.0,
                     "width": float(width), "pen": pg.mkPen("k"), "brush": pg.mkBrush("w")}
        self._set_x()
        self.setOpts(pen=self.opts["pen"], brush=self.opts["brush"])
        self.setAcceptHoverEvents(True)

    # ------------------------------------------------------------ feeding

    @property
    def count(self) -> int:
        return self._n

    def values(self) -> np.ndarray:
        """The bar heights drawn now."""
        return self.opts["height"]

    def set_values(self, heights, y0: float = 0.0) -> None:
        """Feed new bar heights (one per bar): the rectangles are rewritten in place.

        The item's geometry is only announced again when the bars leave the area it
        already covers (the hit area, that is the plot's y range, in practice never).
        """
        h = np.asarray(heights, dtype=np.float64)
        if h.shape != (self._n,):
            raise ValueError(f"{self._n} bar heights expected, got shape {h.shape}")
        y0 = float(y0)
        self.opts["height"] = h
        self.opts["y0"] = y0
        top = h + y0
        low = np.minimum(top, y0)
        rects = self._rects
        rects[:, 1] = low
        rects[:, 3] = np.abs(h)
        finite = np.isfinite(top)
        self._all_finite = bool(finite.all())
        if self._all_finite and self._n:  # the usual case: no boolean indexing, which copies
            extent = (float(low.min()), max(float(top.max()), y0))
        elif finite.any():
            extent = (float(low[finite].min()), max(float(top[finite].max()), y0))
        else:
            extent = None
        old = self._extent
        self._extent = extent
        if self._outside_hit_area(extent) or self._outside_hit_area(old):
            self._geometry_changed()
            self.informViewBoundsChanged()
        self.update()

    def set_count(self, n: int) -> None:
        """Change the number of bars (rare: the class count changed); heights start at 0."""
        self._n = int(n)
        self._rects = self._new_rects(self._n)
        self.opts["x"] = np.arange(self._n) + self._offset
        self._set_x()
        self._hit_path = None
        self.setOpts(pen=self.opts["pen"])  # a crowded plot draws no outline
        self.set_values(np.zeros(self._n))
        self._geometry_changed()

    def set_hit_range(self, lo: float, hi: float) -> None:
        """The vertical extent of the grabbable columns (the plot's y range)."""
        if (lo, hi) == (self._hit_lo, self._hit_hi):
            return
        self._hit_lo, self._hit_hi = float(lo), float(hi)
        self._hit_path = None
        self._geometry_changed()

    def setOpts(self, **opts) -> None:  # noqa: N802 (pyqtgraph's name)
        """Set ``pen``, ``brush``, ``width`` (of every bar), or ``height`` with ``y0``."""
        unknown = set(opts) - {"pen", "brush", "width", "height", "y0"}
        if unknown:
            raise TypeError(f"ColumnBars.setOpts: unknown options {sorted(unknown)}")
        if "width" in opts:
            self.opts["width"] = float(opts["width"])
            self._set_x()
            self._geometry_changed()
        if "pen" in opts:
            self.opts["pen"] = opts["pen"]  # the outline asked for; crowded bars go without
            self._pen = pg.mkPen(opts["pen"]) if self._n <= MAX_OUTLINED_BARS else _NO_PEN
        if "brush" in opts:
            self.opts["brush"] = opts["brush"]
            self._brush = pg.mkBrush(opts["brush"])
        if "height" in opts or "y0" in opts:
            self.set_values(opts.get("height", self.opts["height"]), opts.get("y0", self.opts["y0"]))
        # What paint() needs to know of the pen and brush, worked out once (not per frame).
        pen, brush = self._pen, self._brush
        outlined = pen.style() == QtCore.Qt.PenStyle.SolidLine
        self._outline = None if not outlined else (
            pen.widthF(), pen.isCosmetic(), QtGui.QColor(pen.color()), QtGui.QBrush(brush),
            brush.style() == QtCore.Qt.BrushStyle.SolidPattern and brush.color().alpha() == 255)
        self.update()

    def _new_rects(self, n: int) -> np.ndarray:
        """Zeroed storage for ``n`` rectangles; with _FAST_RECTS, the very memory drawRects reads."""
        if not _FAST_RECTS:
            return np.zeros((n, 4))
        self._rect_array = pg.Qt.internals.PrimitiveArray(QtCore.QRectF, 4)
        self._rect_array.resize(n)
        rects = self._rect_array.ndarray()
        rects[:] = 0.0
        return rects

    def _set_x(self) -> None:
        w = self.opts["width"]
        self._rects[:, 0] = self.opts["x"] - w / 2.0
        self._rects[:, 2] = w

    # ------------------------------------------------------------ geometry

    def _outside_hit_area(self, extent: tuple[float, float] | None) -> bool:
        return extent is not None and (extent[0] < self._hit_lo or extent[1] > self._hit_hi)

    def _geometry_changed(self) -> None:
        self.prepareGeometryChange()
        self._bounds = None

    def _hit_rect(self) -> QtCore.QRectF:
        h = self._hit_halfwidth
        return QtCore.QRectF(self._offset - h, self._hit_lo, (self._n - 1) + 2 * h, self._hit_hi - self._hit_lo)

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 (Qt's name)
        # The hit area (the plot's whole y range) contains the bars but for a bar that
        # leaves the range; the outline's pixels are inside the column's half-width.
        if self._bounds is None:
            rect = self._hit_rect()
            if self._extent is not None and self._n:
                w = self.opts["width"]
                lo, hi = self._extent
                rect = rect.united(QtCore.QRectF(self._offset - w / 2, lo, self._n - 1 + w, hi - lo))
            self._bounds = rect
        return self._bounds

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802, N803 (pyqtgraph's names)
        if not self._n or self._extent is None:
            return None, None
        if ax == 0:
            w = self.opts["width"]
            return self._offset - w / 2, self._offset + self._n - 1 + w / 2
        return self._extent

    def shape(self) -> QtGui.QPainterPath:
        """Each bar's whole column: what the scene hit-tests a press and a hover against."""
        if self._hit_path is None:
            path = QtGui.QPainterPath()
            h = self._hit_halfwidth
            for i in range(self._n):
                path.addRect(QtCore.QRectF(i + self._offset - h, self._hit_lo, 2 * h, self._hit_hi - self._hit_lo))
            self._hit_path = path
        return self._hit_path

    def column_at(self, pos: QtCore.QPointF) -> int | None:
        """The bar whose column contains ``pos`` (item = data coordinates), else None."""
        x = pos.x() - self._offset
        i = int(math.floor(x + 0.5))
        if not 0 <= i < self._n or abs(x - i) > self._hit_halfwidth:
            return None
        span = self._hit_hi - self._hit_lo
        if not (self._hit_lo - 0.05 * span <= pos.y() <= self._hit_hi + 0.05 * span):
            return None
        return i

    # ------------------------------------------------------------ drawing

    def paint(self, p: QtGui.QPainter, *args) -> None:
        """Fill each bar and its outline with ``drawRect`` in whole device pixels.

        Stroking a wide pen around each rectangle goes through Qt's general path stroker and
        was the largest single cost of repainting a bar plot. The bars are axis-aligned and
        drawn without antialiasing, so an outline of width w is the bar grown by w/2 filled
        in the pen's colour, then the bar shrunk by w/2 filled with the brush: the same
        pixels as a stroked rectangle. A bar of height 0 is still a line of the pen's width
        (so it stays visible).
        """
        t = p.transform()
        if self._outline is None or t.isRotating():
            self._paint_plain(p)
            return
        # An opaque brush covers the middle of the outline fill; a hatched or see-through one
        # (logits mode) must not show the outline colour through it, so its outline is 4 strips.
        pen_width, cosmetic, edge, brush, solid = self._outline
        sx, sy, dx, dy = t.m11(), t.m22(), t.dx(), t.dy()
        w = max(1, int(round(pen_width if cosmetic else pen_width * abs(sx))))
        grow, shrink = w // 2, w - w // 2
        edges, fills = [], []
        # Whole device pixels (a plain loop: for the few outlined bars it is cheaper than numpy).
        # v + 1000000.5 truncated is floor(v + 0.5) for the clamped range (|v| < 1e6).
        for x, y, bw, bh in self._rects.tolist():
            xa, xb = x * sx + dx, (x + bw) * sx + dx
            ya, yb = y * sy + dy, (y + bh) * sy + dy
            if not (-1e6 < xa < 1e6 and -1e6 < xb < 1e6 and -1e6 < ya < 1e6 and -1e6 < yb < 1e6):
                xa, xb, ya, yb = (_clamp_pixel(v) for v in (xa, xb, ya, yb))  # also NaN
            xa, xb = int(xa + 1000000.5) - 1000000, int(xb + 1000000.5) - 1000000
            ya, yb = int(ya + 1000000.5) - 1000000, int(yb + 1000000.5) - 1000000
            x0, x1 = (xa, xb) if xa <= xb else (xb, xa)
            y0, y1 = (ya, yb) if ya <= yb else (yb, ya)
            ow, oh = x1 - x0 + w, y1 - y0 + w
            inner = x1 - x0 > w and y1 - y0 > w
            if solid or not inner:
                edges.append((x0 - grow, y0 - grow, ow, oh))
            else:
                edges += [(x0 - grow, y0 - grow, ow, w), (x0 - grow, y1 - grow, ow, w),
                          (x0 - grow, y0 + shrink, w, oh - 2 * w), (x1 - grow, y0 + shrink, w, oh - 2 * w)]
            if inner:
                fills.append((x0 + shrink, y0 + shrink, x1 - x0 - w, y1 - y0 - w))
        p.save()
        p.resetTransform()
        p.setPen(_NO_PEN)
        p.setBrush(edge)
        draw = p.drawRect
        for r in edges:
            draw(*r)
        if fills:
            p.setBrush(brush)
            for r in fills:
                draw(*r)
        p.restore()

    def _paint_plain(self, p: QtGui.QPainter) -> None:
        """Bars without a solid outline (crowded, dashed or no pen), or in a rotated view."""
        p.setPen(self._pen)
        p.setBrush(self._brush)
        if _FAST_RECTS and self._all_finite:
            # The rectangles live in the array drawRects reads: nothing is copied per paint.
            p.drawRects(*self._rect_array.drawargs())
            return
        rects = self._rects if self._all_finite else self._rects[np.isfinite(self._rects).all(axis=1)]
        p.drawRects([QtCore.QRectF(*r) for r in rects.tolist()])

    # ------------------------------------------------------------ mouse

    def mouseDragEvent(self, ev):  # noqa: N802 (pyqtgraph's name)
        if not self.draggable or ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            i = self.column_at(ev.buttonDownPos())
            if i is None:
                ev.ignore()
                return
            self._dragging = i
            ev.accept()
            self.sigDragStarted.emit(i)
        elif self._dragging is None:
            ev.ignore()
            return
        ev.accept()
        i = self._dragging
        self.sigDragged.emit(i, float(ev.pos().y()))
        if ev.isFinish():
            self._dragging = None
            self.sigDragFinished.emit(i)

    def mouseClickEvent(self, ev):  # noqa: N802
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        i = self.column_at(ev.pos())
        if i is None:
            ev.ignore()
            return
        ev.accept()
        if ev.double():
            self.sigDoubleClicked.emit(i)
        else:
            self.sigClicked.emit(i)

    def hoverEvent(self, ev):  # noqa: N802
        if ev.isExit():
            self.sigHovered.emit(-1)
            return
        i = self.column_at(ev.pos())
        if i is not None and self.draggable:
            ev.acceptDrags(QtCore.Qt.MouseButton.LeftButton)
        self.sigHovered.emit(-1 if i is None else i)
