"""A short curve drawn as one polyline per run of finite points."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ce_desktop.gui.items.pixel_padded import PixelPadded
from ce_desktop.gui.private_api import pyqtgraph_private_ok

#: pyqtgraph's undocumented helpers that fill a QPolygonF's memory from numpy (docs/private-api.md).
_FAST_POLYGONS = pyqtgraph_private_ok()


def polygon(x: np.ndarray, y: np.ndarray) -> QtGui.QPolygonF:
    """A QPolygonF of the points (x[i], y[i]): written straight into its memory where the
    pyqtgraph is one this was written for, else point by point (public API)."""
    if not _FAST_POLYGONS:
        return QtGui.QPolygonF([QtCore.QPointF(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)])
    poly = pg.functions.create_qpolygonf(len(x))
    arr = pg.functions.ndarray_from_qpolygonf(poly)
    arr[:, 0] = x
    arr[:, 1] = y
    return poly


class Polyline(PixelPadded):
    """A short curve drawn as one polyline (the live tail of a :class:`RunCurve`).

    ``PlotCurveItem`` suits long curves: its ``setData`` re-checks every option, works out the
    data bounds with NaN-aware reductions and turns the arrays into a path, and it did so for
    both curves on every frame of a run. This item keeps a polygon per run of finite points
    and a bounding box from their extent. Points that are not finite break the line (as
    ``PlotCurveItem`` draws them).
    """

    PAD_PX = 3.0

    def __init__(self):
        super().__init__()
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._polys: list[QtGui.QPolygonF] = []
        self._extent: QtCore.QRectF | None = None

    def getData(self):  # noqa: N802 (pyqtgraph's name)
        return self._x, self._y

    def setData(self, x, y) -> None:  # noqa: N802
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        self._x, self._y = x, y
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.all():
            runs = [(0, len(y))] if len(y) else []
        else:
            edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.view(np.int8), [0]))))
            runs = list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
        self._polys = polys = [polygon(x[a:b], y[a:b]) for a, b in runs]
        extent = None
        if polys:
            xs, ys = x[ok], y[ok]
            extent = QtCore.QRectF(
                float(xs.min()), float(ys.min()), float(xs.max() - xs.min()), float(ys.max() - ys.min())
            )
        if extent != self._extent:
            self._extent = extent
            self.prepareGeometryChange()
            self._bounds = None
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        if self._bounds is None:
            if self._extent is None:
                self._bounds = QtCore.QRectF()
            else:
                w = max(1.0, self._pen.widthF()) if self._pen.isCosmetic() else 1.0
                px, py = self.pad()
                self._bounds = self._extent.adjusted(-px * w, -py * w, px * w, py * w)
        return self._bounds

    def paint(self, p: QtGui.QPainter, *args) -> None:
        if not self._polys:
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, bool(pg.getConfigOption("antialias")))
        p.setPen(self._pen)
        for poly in self._polys:
            if poly.size() > 1:
                p.drawPolyline(poly)
            else:
                p.drawPoint(poly.at(0))
